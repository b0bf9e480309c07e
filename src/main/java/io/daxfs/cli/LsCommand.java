package io.daxfs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ls}: the entries of a directory of the image. */
@Command(
    name = "ls",
    header = "List a directory of an image; -l for the long form.",
    description =
        "List a directory of an image (its root by default), sorted by name, or a file alone."
            + " With -l, as 'ls -l' does: mode, links, owner, group, size, modification time (UTC)"
            + " and, for a symbolic link, its target.")
final class LsCommand extends ImageCommand {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
  Path image;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "PATH",
      defaultValue = "/",
      description = "A directory or file in the image (default: /).")
  String path;

  @Option(names = "-l", description = "The long form.")
  boolean longForm;

  @Override
  public Integer call() throws IOException {
    try (Images.Mount m = mount(image, true)) {
      Path p = ImagePaths.resolve(m.fs(), path);
      PrintWriter out = out();
      if (!Files.isDirectory(p)) {
        Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        out.println(longForm ? line(p, path) : path);
        return 0;
      }
      List<Path> entries = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
        ds.forEach(entries::add);
      }
      entries.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
      for (Path e : entries) {
        String name = e.getFileName().toString();
        out.println(longForm ? line(e, name) : name);
      }
    }
    return 0;
  }

  private static String line(Path p, String name) throws IOException {
    PosixFileAttributes a =
        Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    char type = a.isDirectory() ? 'd' : a.isSymbolicLink() ? 'l' : a.isRegularFile() ? '-' : '?';
    Object links = Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
    String target = a.isSymbolicLink() ? " -> " + Files.readSymbolicLink(p) : "";
    return String.format(
        "%c%s %3s %-8s %-8s %10d %s %s%s",
        type,
        PosixFilePermissions.toString(a.permissions()),
        links,
        a.owner().getName(),
        a.group().getName(),
        a.size(),
        TIME.format(a.lastModifiedTime().toInstant()),
        name,
        target);
  }
}
