package io.daxfs.cli;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import io.daxfs.cli.CliFailure.Errno;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cp}: files between the host and an image, in either direction.
 *
 * <p>An image may be hostile: what comes out of one is written only under the destination the user
 * named. Symbolic links in the image are never followed (they are skipped, and named), an entry
 * whose name could leave its directory ({@code ..}, a slash) is refused, a directory met twice is
 * not entered again, and no host file is replaced unless {@code --force} is given (then the old
 * name is unlinked first, so a host symbolic link is replaced, never written through).
 */
@Command(
    name = "cp",
    customSynopsis = "daxfs cp [-fhr] SOURCE... DEST",
    header = "Copy files between the host and an image (IMAGE:/PATH), either way.",
    description = {
      "Copy files between the host and an image: IMAGE:/PATH names a file in an image, any other"
          + " argument a host path; either every SOURCE is in one image and DEST on the host"
          + " (copy out), or every SOURCE on the host and DEST in an image (copy in).",
      "As cp: DEST may be an existing directory to copy into, or a new name for a single SOURCE;"
          + " directories need -r. Nothing existing is overwritten without --force.",
      "Out of an image, symbolic links are not followed nor copied (each is named on stderr), and"
          + " nothing is written outside DEST whatever the image holds. Into an image, symbolic"
          + " links met inside a directory are copied as links; a SOURCE that is a link is"
          + " followed."
    })
final class CpCommand extends ImageCommand {
  @Parameters(
      arity = "2..*",
      paramLabel = "PATH",
      description = "The sources, then DEST; IMAGE:/PATH for a path in an image.")
  List<String> args;

  @Option(
      names = {"-r", "-R", "--recursive"},
      description = "Copy directories and what they hold.")
  boolean recursive;

  @Option(
      names = {"-f", "--force"},
      description = "Replace existing files at the destination.")
  boolean force;

  private final List<CliFailure> failures = new ArrayList<>();

  /** A side of the copy: a host path, or a path inside an image. */
  private record Where(Path image, String path) {
    boolean inImage() {
      return image != null;
    }
  }

  @Override
  public Integer call() throws IOException {
    List<Where> all = new ArrayList<>();
    for (String a : args) {
      all.add(parse(a));
    }
    Where dest = all.remove(all.size() - 1);
    Set<Path> images = new HashSet<>();
    for (Where w : all) {
      if (w.inImage() == dest.inImage()) {
        throw invalid(
            "one side must be an image (IMAGE:/PATH) and the other the host: "
                + (dest.inImage() ? "both" : "neither")
                + " given for "
                + (w.inImage() ? w.image() + ":" + w.path() : w.path()));
      }
      if (w.inImage()) {
        images.add(w.image().toAbsolutePath().normalize());
      }
    }
    if (images.size() > 1) {
      throw invalid("the sources must all be in one image, not " + images);
    }
    if (dest.inImage()) {
      try (Images.Mount m = mount(dest.image(), false)) {
        copyIn(all, ImagePaths.resolve(m.fs(), dest.path()));
      }
    } else {
      try (Images.Mount m = mount(all.get(0).image(), true)) {
        copyOut(m.fs(), all, Path.of(dest.path()));
      }
    }
    return failures.isEmpty() ? 0 : failures.get(0).errno().exitStatus();
  }

  private static Where parse(String arg) {
    int colon = arg.indexOf(':');
    if (colon > 0 && (colon == arg.length() - 1 || arg.charAt(colon + 1) == '/')) {
      String inside = colon == arg.length() - 1 ? "/" : arg.substring(colon + 1);
      return new Where(Path.of(arg.substring(0, colon)), inside);
    }
    if (arg.isEmpty()) {
      throw invalid("an empty path");
    }
    return new Where(null, arg);
  }

  private void fail(Errno errno, String message) {
    CliFailure f = new CliFailure(errno, message);
    failures.add(f);
    err().println("daxfs cp: " + message);
  }

  private void fail(IOException e) {
    CliFailure f = DaxCli.translate(e);
    failures.add(f);
    err().println("daxfs cp: " + f.getMessage());
  }

  // ---- out of an image ------------------------------------------------------------------------

  private void copyOut(FileSystem fs, List<Where> sources, Path dest) throws IOException {
    boolean intoDirectory = Files.isDirectory(dest);
    if (!intoDirectory && sources.size() > 1) {
      throw new CliFailure(Errno.ENOTDIR, dest + ": " + Errno.ENOTDIR.text);
    }
    for (Where w : sources) {
      Path src = ImagePaths.resolve(fs, w.path());
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(src, BasicFileAttributes.class, NOFOLLOW_LINKS);
      } catch (IOException e) {
        fail(e);
        continue;
      }
      Path target;
      if (!intoDirectory) {
        target = dest;
      } else if (src.getFileName() == null) {
        target = dest; // the image's root: its entries go into DEST itself
      } else {
        target = dest.resolve(checkedName(src.getFileName().toString()));
      }
      if (a.isSymbolicLink()) {
        skipLink(src);
      } else if (a.isDirectory()) {
        if (!recursive) {
          fail(Errno.EISDIR, src + ": " + Errno.EISDIR.text + "; -r copies directories");
        } else {
          directoryOut(src, target, target, new HashSet<>());
        }
      } else if (a.isRegularFile()) {
        fileOut(src, target);
      } else {
        fail(Errno.EINVAL, src + ": not a regular file, directory or link; not copied");
      }
    }
  }

  private void skipLink(Path src) {
    String to;
    try {
      to = " -> " + Files.readSymbolicLink(src);
    } catch (IOException e) {
      to = "";
    }
    err()
        .println(
            "daxfs cp: skipped the symbolic link "
                + src
                + to
                + ": links in an image are neither followed nor copied out");
  }

  /** The entry name, refused if it could reach outside its directory. */
  static String checkedName(String name) {
    if (name.isEmpty()
        || name.equals(".")
        || name.equals("..")
        || name.indexOf('/') >= 0
        || name.indexOf('\0') >= 0) {
      throw new CliFailure(
          Errno.EINVAL, "refusing the entry name '" + name + "': it could leave its directory");
    }
    return name;
  }

  private void directoryOut(Path src, Path target, Path top, Set<Object> seen) throws IOException {
    BasicFileAttributes a = Files.readAttributes(src, BasicFileAttributes.class, NOFOLLOW_LINKS);
    if (a.fileKey() != null && !seen.add(a.fileKey())) {
      fail(Errno.ELOOP, src + ": a directory met twice; not entered again");
      return;
    }
    if (Files.exists(target, NOFOLLOW_LINKS)) {
      if (!Files.isDirectory(target, NOFOLLOW_LINKS)) {
        fail(Errno.EEXIST, target + ": exists and is not a directory; " + src + " not copied");
        return;
      }
    } else {
      try {
        Files.createDirectory(target);
      } catch (IOException e) {
        fail(e);
        return;
      }
    }
    for (Path e : entries(src)) {
      String name;
      try {
        name = checkedName(e.getFileName().toString());
      } catch (CliFailure f) {
        failures.add(f);
        err().println("daxfs cp: " + src + ": " + f.getMessage());
        continue;
      }
      Path t = target.resolve(name);
      if (!t.normalize().startsWith(top.normalize()) || !target.equals(t.getParent())) {
        fail(Errno.EINVAL, src + "/" + name + ": would leave " + top + "; not copied");
        continue;
      }
      BasicFileAttributes ea;
      try {
        ea = Files.readAttributes(e, BasicFileAttributes.class, NOFOLLOW_LINKS);
      } catch (IOException x) {
        fail(x);
        continue;
      }
      if (ea.isSymbolicLink()) {
        skipLink(e);
      } else if (ea.isDirectory()) {
        directoryOut(e, t, top, seen);
      } else if (ea.isRegularFile()) {
        fileOut(e, t);
      } else {
        fail(Errno.EINVAL, e + ": not a regular file, directory or link; not copied");
      }
    }
  }

  private void fileOut(Path src, Path target) {
    try {
      Replace r = mayReplace(src, target);
      if (r == Replace.REFUSED) {
        return;
      }
      if (r == Replace.EXISTS) {
        Files.delete(target); // the name only: a link here is replaced, not written through
      }
    } catch (IOException e) {
      fail(e);
      return;
    }
    boolean created = false;
    try (InputStream in = Files.newInputStream(src)) {
      // CREATE_NEW is O_EXCL: it never opens through a symbolic link that appeared meanwhile.
      try (OutputStream out =
          Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        created = true;
        in.transferTo(out);
      }
    } catch (IOException e) {
      fail(e);
      if (created) {
        try {
          Files.deleteIfExists(target); // no half copy left behind
        } catch (IOException ignored) {
          // the failure is already reported
        }
      }
    }
  }

  // ---- into an image --------------------------------------------------------------------------

  private void copyIn(List<Where> sources, Path dest) throws IOException {
    boolean intoDirectory = Files.isDirectory(dest);
    if (!intoDirectory && sources.size() > 1) {
      throw new CliFailure(Errno.ENOTDIR, dest + ": " + Errno.ENOTDIR.text);
    }
    for (Where w : sources) {
      Path src = Path.of(w.path());
      if (!Files.exists(src)) {
        fail(Errno.ENOENT, src + ": " + Errno.ENOENT.text);
        continue;
      }
      Path name = src.toAbsolutePath().normalize().getFileName();
      Path target = intoDirectory && name != null ? dest.resolve(name.toString()) : dest;
      if (Files.isDirectory(src)) {
        if (!recursive) {
          fail(Errno.EISDIR, src + ": " + Errno.EISDIR.text + "; -r copies directories");
        } else {
          directoryIn(src, target);
        }
      } else {
        fileIn(src, target);
      }
    }
  }

  private void directoryIn(Path src, Path target) {
    try {
      if (!Files.isDirectory(target, NOFOLLOW_LINKS)) {
        Files.createDirectory(target);
      }
    } catch (IOException e) {
      fail(e);
      return;
    }
    List<Path> entries = entries(src);
    entries.sort(null);
    for (Path e : entries) {
      Path t = target.resolve(e.getFileName().toString());
      try {
        if (Files.isSymbolicLink(e)) {
          Replace r = mayReplace(e, t);
          if (r == Replace.REFUSED) {
            continue;
          }
          if (r == Replace.EXISTS) {
            Files.delete(t);
          }
          Files.createSymbolicLink(
              t, t.getFileSystem().getPath(Files.readSymbolicLink(e).toString()));
        } else if (Files.isDirectory(e, NOFOLLOW_LINKS)) {
          directoryIn(e, t);
        } else if (Files.isRegularFile(e, NOFOLLOW_LINKS)) {
          fileIn(e, t);
        } else {
          fail(Errno.EINVAL, e + ": not a regular file, directory or link; not copied");
        }
      } catch (IOException x) {
        fail(x);
      }
    }
  }

  private void fileIn(Path src, Path target) {
    try {
      Replace r = mayReplace(src, target);
      if (r == Replace.EXISTS) {
        Files.copy(src, target, StandardCopyOption.REPLACE_EXISTING);
      } else if (r == Replace.ABSENT) {
        Files.copy(src, target);
      }
    } catch (IOException e) {
      fail(e);
    }
  }

  /** The entries of directory {@code dir}, as many as could be read; a failure is reported. */
  private List<Path> entries(Path dir) {
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(entries::add);
    } catch (IOException | UncheckedIOException e) {
      fail(e instanceof IOException io ? io : ((UncheckedIOException) e).getCause());
    }
    return entries;
  }

  /** What a copy of a file or a symbolic link may do at {@code target}. */
  private enum Replace {
    ABSENT,
    EXISTS,
    REFUSED
  }

  /**
   * Whether {@code target} is free, exists and may be replaced ({@code --force}, not a directory),
   * or may not be: then the failure is reported here.
   */
  private Replace mayReplace(Path src, Path target) throws IOException {
    if (!Files.exists(target, NOFOLLOW_LINKS)) {
      return Replace.ABSENT;
    }
    if (!force) {
      fail(Errno.EEXIST, target + ": " + Errno.EEXIST.text + "; --force replaces it");
      return Replace.REFUSED;
    }
    if (Files.isDirectory(target, NOFOLLOW_LINKS)) {
      fail(Errno.EISDIR, target + ": " + Errno.EISDIR.text + "; " + src + " not copied");
      return Replace.REFUSED;
    }
    return Replace.EXISTS;
  }
}
