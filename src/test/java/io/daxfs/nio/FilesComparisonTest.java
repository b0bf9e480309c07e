package io.daxfs.nio;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same {@link Files} operations on daxfs, on Jimfs's Unix configuration and, on a Linux host,
 * on the JDK's default filesystem in a temporary directory: daxfs must give the same result, or
 * throw the same exception type naming the same files.
 *
 * <p>Every check runs on a fresh copy of one small tree in each filesystem (see {@link
 * #fixture}). {@link #same} wants all three to agree. Where Jimfs is wrong against Linux, daxfs
 * follows Linux: {@link #likeLinux} names both outcomes, so that each divergence is written down,
 * and checks Linux's on the host ({@link #likeLinuxUnchecked} where the host's umask or filesystem
 * decides). The few places where daxfs keeps Jimfs's behaviour instead of Linux's, by design, are
 * {@link #likeJimfsNotLinux}. Mismatches are collected, and each test reports all of its own at the
 * end.
 */
class FilesComparisonTest {
  private static final boolean LINUX = System.getProperty("os.name", "").equals("Linux");

  /** Jimfs as the tests compare against: Unix, with the attribute views daxfs has. */
  static final Configuration JIMFS_UNIX =
      Configuration.unix().toBuilder().setAttributeViews("basic", "owner", "posix", "unix").build();

  @TempDir Path tmp;

  private FileSystem dax;
  private FileSystem jimfs;
  private Path daxRoot;
  private Path jimfsRoot;
  private Path linuxRoot; // null off Linux
  private int checks;
  private final List<String> mismatches = new ArrayList<>();

  /** An operation on one filesystem, on the fixture under {@code base}. */
  @FunctionalInterface
  interface Op {
    Object run(Path base) throws Exception;
  }

  @BeforeEach
  void setUp() throws IOException {
    dax = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(64 << 20).build());
    jimfs = Jimfs.newFileSystem(JIMFS_UNIX);
    daxRoot = Files.createDirectory(dax.getPath("/w"));
    jimfsRoot = Files.createDirectory(jimfs.getPath("/w"));
    // the real path, so that toRealPath's results relativize against it
    linuxRoot = LINUX ? Files.createDirectory(tmp.toRealPath().resolve("w")) : null;
  }

  @AfterEach
  void tearDown() throws IOException {
    try {
      assertThat(mismatches).as("mismatches in %d checks", checks).isEmpty();
    } finally {
      dax.close();
      jimfs.close();
    }
  }

  /**
   * The tree every check starts from: two files, a directory with a file and an empty
   * subdirectory, an empty directory, and links to a file, to a directory, to nothing and to
   * themselves.
   */
  static void fixture(Path b) throws IOException {
    FileSystem fs = b.getFileSystem();
    Files.write(b.resolve("f"), new byte[] {1, 2, 3});
    Files.write(b.resolve("f2"), new byte[] {5, 6});
    Files.createDirectories(b.resolve("d/sub"));
    Files.write(b.resolve("d/g"), new byte[] {4});
    Files.createDirectory(b.resolve("e"));
    Files.createSymbolicLink(b.resolve("lf"), fs.getPath("f"));
    Files.createSymbolicLink(b.resolve("ld"), fs.getPath("d"));
    Files.createSymbolicLink(b.resolve("dang"), fs.getPath("nowhere"));
    Files.createSymbolicLink(b.resolve("loop"), fs.getPath("loop"));
  }

  // ---- the harness -----------------------------------------------------------------------------

  /** The outcomes of one op on daxfs, Jimfs and Linux (null when not on Linux). */
  private record Outcomes(String dax, String jimfs, String linux) {
    @Override
    public String toString() {
      return "daxfs: " + dax + "\n    Jimfs: " + jimfs + "\n    Linux: " + linux;
    }
  }

  private Outcomes runAll(Op op) {
    String name = "c" + checks++;
    return new Outcomes(
        outcome(daxRoot, name, op), outcome(jimfsRoot, name, op), linuxRoot == null ? null : outcome(linuxRoot, name, op));
  }

  private static String outcome(Path root, String name, Op op) {
    Path base = root.resolve(name);
    try {
      Files.createDirectory(base);
      fixture(base);
    } catch (IOException e) {
      throw new AssertionError("fixture in " + root.getFileSystem(), e);
    }
    try {
      // paths concatenated into the result are made relative too
      return render(base, op.run(base)).replace(base + "/", "").replace(base.toString(), ".");
    } catch (Exception e) {
      return thrown(base, e);
    }
  }

  /** Daxfs, Jimfs and (on Linux) the host agree. */
  private void same(String what, Op op) {
    Outcomes o = runAll(op);
    if (!o.dax.equals(o.jimfs) || (o.linux != null && !o.dax.equals(o.linux))) {
      mismatches.add(what + ":\n    " + o);
    }
  }

  /**
   * Jimfs is wrong against Linux here, and daxfs follows Linux. {@code linux} is what Linux does,
   * checked against the host when it is Linux; {@code jimfs} is what Jimfs does instead.
   */
  private void likeLinux(String what, Op op, String linux, String jimfs) {
    check(what, op, linux, jimfs, true);
  }

  /**
   * As {@link #likeLinux}, for an outcome that depends on the host (its umask, its filesystem, its
   * mount options), and so is not checked there: {@code linux} is what Linux does with umask 022
   * (daxfs's default) on ext4. Jimfs may agree.
   */
  private void likeLinuxUnchecked(String what, Op op, String linux, String jimfs) {
    check(what, op, linux, jimfs, false);
  }

  /**
   * As {@link #likeLinux}, for a path under a regular file reached by a stat-like call. The JDK 17
   * default provider reports the kernel's ENOTDIR there as "Not a directory", which daxfs follows;
   * newer JDKs (25 here) report it as {@code NoSuchFileException} for stat and access (not for
   * open), so the host is checked only on JDK 17.
   */
  private void likeLinuxOnJdk17(String what, Op op, String linux, String jimfs) {
    check(what, op, linux, jimfs, Runtime.version().feature() == 17);
  }

  /**
   * Where daxfs differs from Linux by design, as Jimfs does: {@code expected} is daxfs's and
   * Jimfs's outcome, {@code linux} the host's.
   */
  private void likeJimfsNotLinux(String what, Op op, String expected, String linux) {
    Outcomes o = runAll(op);
    if (!o.dax.equals(expected) || !o.jimfs.equals(expected) || (o.linux != null && !o.linux.equals(linux))) {
      mismatches.add(what + " (want daxfs and Jimfs: " + expected + ", Linux: " + linux + "):\n    " + o);
    }
  }

  private void check(String what, Op op, String linux, String jimfs, boolean onHost) {
    Outcomes o = runAll(op);
    boolean hostDiffers = onHost && o.linux != null && !o.linux.equals(linux);
    if (!o.dax.equals(linux) || !o.jimfs.equals(jimfs) || hostDiffers) {
      mismatches.add(what + " (want Linux: " + linux + ", Jimfs: " + jimfs + "):\n    " + o);
    }
  }

  /** A value as text, with paths relative to the fixture and collections in a stable order. */
  static String render(Path base, Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Path p) {
      return relative(base, p.toString());
    }
    if (v instanceof byte[] b) {
      return Arrays.toString(b);
    }
    if (v instanceof Set<?> s && !s.isEmpty() && s.iterator().next() instanceof PosixFilePermission) {
      @SuppressWarnings("unchecked")
      Set<PosixFilePermission> perms = (Set<PosixFilePermission>) s;
      return PosixFilePermissions.toString(perms);
    }
    if (v instanceof Stream<?> s) {
      try (s) {
        return render(base, s.collect(Collectors.toList()));
      }
    }
    if (v instanceof List<?> l) {
      return l.stream().map(x -> render(base, x)).collect(Collectors.toList()).toString();
    }
    if (v instanceof Collection<?> c) { // unordered: sort
      return c.stream().map(x -> render(base, x)).sorted().collect(Collectors.toList()).toString();
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, String> sorted = new TreeMap<>();
      m.forEach((k, x) -> sorted.put(String.valueOf(k), render(base, x)));
      return sorted.toString();
    }
    return String.valueOf(v);
  }

  /** An exception as its simple class name and, for a FileSystemException, the files it names. */
  static String thrown(Path base, Throwable e) {
    StringBuilder sb = new StringBuilder("!").append(e.getClass().getSimpleName());
    if (e instanceof FileSystemException f) {
      sb.append('(').append(f.getFile() == null ? "null" : relative(base, f.getFile()));
      if (f.getOtherFile() != null) {
        sb.append(" -> ").append(relative(base, f.getOtherFile()));
      }
      sb.append(')');
    }
    return sb.toString();
  }

  private static String relative(Path base, String path) {
    String b = base.toString();
    if (path.equals(b)) {
      return ".";
    }
    return path.startsWith(b + "/") ? path.substring(b.length() + 1) : path;
  }

  /** A directory's entries' names, sorted: listing order is unspecified. */
  static List<String> names(DirectoryStream<Path> stream) throws IOException {
    try (stream) {
      List<String> names = new ArrayList<>();
      for (Path p : stream) {
        names.add(p.getFileName().toString());
      }
      names.sort(null);
      return names;
    }
  }

  /** Permissions as {@code rwxr-x---}: sets of them print in different orders. */
  static String perms(Set<PosixFilePermission> permissions) {
    return PosixFilePermissions.toString(permissions);
  }

  static List<String> sortedRelative(Path base, Stream<Path> paths) {
    try (paths) {
      return paths.map(p -> base.relativize(p).toString()).sorted().collect(Collectors.toList());
    }
  }

  // ---- creation --------------------------------------------------------------------------------

  @Test
  void createFile() {
    same("createFile", b -> Files.createFile(b.resolve("n")) + " " + Files.isRegularFile(b.resolve("n")));
    same("createFile over a file", b -> Files.createFile(b.resolve("f")));
    same("createFile over a directory", b -> Files.createFile(b.resolve("d")));
    same("createFile over a dangling link (O_EXCL never follows)", b -> Files.createFile(b.resolve("dang")));
    same("createFile over a link loop", b -> Files.createFile(b.resolve("loop")));
    same("createFile without its directory", b -> Files.createFile(b.resolve("x/y")));
    same("createFile through a link to a directory", b -> Files.createFile(b.resolve("ld/n")) + " "
        + Files.exists(b.resolve("d/n")));
    // ENOTDIR: Linux reports a file on the way as "Not a directory"; Jimfs says it does not exist
    likeLinux("createFile under a file", b -> Files.createFile(b.resolve("f/y")),
        "!FileSystemException(f/y)", "!NoSuchFileException(f/y)");
  }

  @Test
  void createDirectories() {
    same("createDirectory", b -> Files.createDirectory(b.resolve("n")) + " " + Files.isDirectory(b.resolve("n")));
    same("createDirectory over a directory", b -> Files.createDirectory(b.resolve("d")));
    same("createDirectory over a file", b -> Files.createDirectory(b.resolve("f")));
    same("createDirectory over a dangling link", b -> Files.createDirectory(b.resolve("dang")));
    same("createDirectory e/.", b -> Files.createDirectory(b.resolve("e/.")));
    same("createDirectory e/..", b -> Files.createDirectory(b.resolve("e/..")));
    same("createDirectory of the root", b -> Files.createDirectory(b.getRoot()));
    same("createDirectory without its parent", b -> Files.createDirectory(b.resolve("x/y")));
    likeLinux("createDirectory under a file", b -> Files.createDirectory(b.resolve("f/x")),
        "!FileSystemException(f/x)", "!NoSuchFileException(f/x)");
    same("createDirectories", b -> Files.createDirectories(b.resolve("a/b/c")) + " " + Files.isDirectory(b.resolve("a/b")));
    same("createDirectories of an existing one", b -> Files.createDirectories(b.resolve("d/sub")));
    same("createDirectories through a link", b -> Files.createDirectories(b.resolve("ld/n/m")) + " "
        + Files.isDirectory(b.resolve("d/n/m")));
    same("createDirectories of a link to a directory", b -> Files.createDirectories(b.resolve("ld")));
    same("createDirectories over a file", b -> Files.createDirectories(b.resolve("f")));
    same("createDirectories over a dangling link", b -> Files.createDirectories(b.resolve("dang")));
    same("createDirectories through a dangling link", b -> Files.createDirectories(b.resolve("dang/x")));
    likeLinux("createDirectories under a file", b -> Files.createDirectories(b.resolve("f/x")),
        "!FileSystemException(f/x)", "!NoSuchFileException(f/x)");
    // ELOOP: the JDK reports it as a FileSystemException naming the path; Jimfs as a bare IOException
    likeLinux("createDirectories through a link loop", b -> Files.createDirectories(b.resolve("loop/x")),
        "!FileSystemException(loop)", "!IOException");
    // Files.createDirectories creates the names of parent.relativize(dir), from the nearest existing
    // directory: the JDK's relativize normalizes "..", so a missing "x" is not made; Jimfs's does not
    likeLinux("createDirectories of d/x/../n", b -> Files.createDirectories(b.resolve("d/x/../n")) + " "
        + Files.exists(b.resolve("d/x")) + " " + Files.isDirectory(b.resolve("d/n")), "d/x/../n false true", "d/x/../n true true");
    // a file on the way stops the walk up with ENOTDIR; on Jimfs it goes on, to a FileAlreadyExistsException
    likeLinuxOnJdk17("createDirectories through a link to a path under a file", b -> {
      Files.createSymbolicLink(b.resolve("n"), b.getFileSystem().getPath("f/x"));
      return Files.createDirectories(b.resolve("n/m"));
    }, "!FileSystemException(n)", "!FileAlreadyExistsException(n)");
  }

  // ---- reading and writing ---------------------------------------------------------------------

  @Test
  void writeAndRead() {
    same("write, readAllBytes", b -> {
      Files.write(b.resolve("n"), new byte[] {7, 8, 9});
      return Files.readAllBytes(b.resolve("n"));
    });
    same("write replaces (CREATE, TRUNCATE_EXISTING, WRITE)", b -> {
      Files.write(b.resolve("f"), new byte[] {9});
      return Files.readAllBytes(b.resolve("f"));
    });
    same("write with WRITE only overwrites in place", b -> {
      Files.write(b.resolve("f"), new byte[] {9}, WRITE);
      return Files.readAllBytes(b.resolve("f"));
    });
    same("write with APPEND", b -> {
      Files.write(b.resolve("f"), new byte[] {9}, APPEND);
      return Files.readAllBytes(b.resolve("f"));
    });
    same("write with APPEND to a missing file", b -> Files.write(b.resolve("n"), new byte[] {9}, APPEND));
    same("write with APPEND, CREATE to a missing file", b -> {
      Files.write(b.resolve("n"), new byte[] {9}, APPEND, CREATE);
      return Files.readAllBytes(b.resolve("n"));
    });
    same("write with CREATE_NEW to an existing file", b -> Files.write(b.resolve("f"), new byte[] {9}, CREATE_NEW, WRITE));
    same("write with CREATE_NEW to a dangling link", b -> Files.write(b.resolve("dang"), new byte[] {9}, CREATE_NEW, WRITE));
    same("write through a link", b -> {
      Files.write(b.resolve("lf"), new byte[] {9});
      return Arrays.toString(Files.readAllBytes(b.resolve("f"))) + " " + Files.isSymbolicLink(b.resolve("lf"));
    });
    same("write to a directory", b -> Files.write(b.resolve("d"), new byte[] {9}));
    same("write to a link to a directory", b -> Files.write(b.resolve("ld"), new byte[] {9}));
    same("write without the directory", b -> Files.write(b.resolve("x/y"), new byte[] {9}));
    // open(O_CREAT) through a dangling link creates the link's target; Jimfs refuses
    likeLinux("write through a dangling link", b -> {
      Files.write(b.resolve("dang"), new byte[] {9});
      return Arrays.toString(Files.readAllBytes(b.resolve("nowhere"))) + " " + Files.isSymbolicLink(b.resolve("dang"));
    }, "[9] true", "!FileSystemException(dang)");
    likeLinux("write through a link loop", b -> Files.write(b.resolve("loop"), new byte[] {9}),
        "!FileSystemException(loop)", "!IOException");
    same("readAllBytes through a link", b -> Files.readAllBytes(b.resolve("lf")));
    same("readAllBytes of a missing file", b -> Files.readAllBytes(b.resolve("zz")));
    same("readAllBytes of a dangling link", b -> Files.readAllBytes(b.resolve("dang")));
    likeLinux("readAllBytes of a link loop", b -> Files.readAllBytes(b.resolve("loop")),
        "!FileSystemException(loop)", "!IOException");
    // Linux opens a directory for reading and fails the read with a bare IOException "Is a
    // directory", as daxfs does; Jimfs refuses the open with a FileSystemException naming the path.
    likeLinux("readAllBytes of a directory", b -> Files.readAllBytes(b.resolve("d")),
        "!IOException", "!FileSystemException(d)");
    likeLinux("readAllLines of a directory", b -> Files.readAllLines(b.resolve("d")),
        "!IOException", "!FileSystemException(d)");
  }

  @Test
  void strings() {
    same("writeString, readString", b -> {
      Files.writeString(b.resolve("n"), "h\u00e9llo\nw\u00f6rld");
      return Files.readString(b.resolve("n")) + " " + Files.size(b.resolve("n"));
    });
    same("writeString with a charset", b -> {
      Files.writeString(b.resolve("n"), "h\u00e9", ISO_8859_1, CREATE_NEW, WRITE);
      return Files.readString(b.resolve("n"), ISO_8859_1) + " " + Arrays.toString(Files.readAllBytes(b.resolve("n")));
    });
    same("writeString with APPEND", b -> {
      Files.writeString(b.resolve("f"), "xy", APPEND);
      return Files.readAllBytes(b.resolve("f"));
    });
    same("readString of bad UTF-8", b -> {
      Files.write(b.resolve("n"), new byte[] {(byte) 0xff, (byte) 0xfe});
      return Files.readString(b.resolve("n"));
    });
    same("write lines, readAllLines", b -> {
      Files.write(b.resolve("n"), List.of("a", "", "c"));
      return Files.readAllLines(b.resolve("n")) + " " + Files.size(b.resolve("n"));
    });
    same("lines", b -> {
      Files.writeString(b.resolve("n"), "a\nb\r\nc");
      return Files.lines(b.resolve("n"));
    });
    same("lines with a charset", b -> {
      Files.write(b.resolve("n"), List.of("\u00e9t\u00e9"), ISO_8859_1);
      return Files.lines(b.resolve("n"), ISO_8859_1);
    });
    same("lines of a missing file", b -> Files.lines(b.resolve("zz")));
  }

  @Test
  void readersAndWriters() {
    same("newBufferedWriter, newBufferedReader", b -> {
      try (BufferedWriter w = Files.newBufferedWriter(b.resolve("n"))) {
        w.write("one\ntwo\n");
      }
      try (BufferedReader r = Files.newBufferedReader(b.resolve("n"))) {
        return r.readLine() + "," + r.readLine() + "," + r.readLine();
      }
    });
    same("newBufferedWriter with APPEND", b -> {
      try (BufferedWriter w = Files.newBufferedWriter(b.resolve("n"), CREATE, APPEND)) {
        w.write("a");
      }
      try (BufferedWriter w = Files.newBufferedWriter(b.resolve("n"), CREATE, APPEND)) {
        w.write("b");
      }
      return Files.readString(b.resolve("n"));
    });
    same("newBufferedWriter with CREATE_NEW over a file", b -> Files.newBufferedWriter(b.resolve("f"), CREATE_NEW, WRITE));
    same("newBufferedReader of a missing file", b -> Files.newBufferedReader(b.resolve("zz")));
    same("newBufferedReader with a charset", b -> {
      Files.write(b.resolve("n"), new byte[] {(byte) 0xe9});
      try (BufferedReader r = Files.newBufferedReader(b.resolve("n"), ISO_8859_1)) {
        return r.read();
      }
    });
    // the JDK refuses READ for an output stream with IllegalArgumentException; Jimfs with
    // UnsupportedOperationException
    likeLinux("newBufferedWriter with READ", b -> Files.newBufferedWriter(b.resolve("f"), READ),
        "!IllegalArgumentException", "!UnsupportedOperationException");
    likeLinux("newBufferedReader of a directory", b -> {
      try (BufferedReader r = Files.newBufferedReader(b.resolve("d"))) {
        return r.read();
      }
    }, "!IOException", "!FileSystemException(d)");
  }

  @Test
  void streams() {
    same("newOutputStream, newInputStream", b -> {
      try (OutputStream out = Files.newOutputStream(b.resolve("n"))) {
        out.write(new byte[] {1, 2, 3, 4, 5});
        out.write(6);
      }
      try (InputStream in = Files.newInputStream(b.resolve("n"))) {
        byte[] two = in.readNBytes(2);
        return Arrays.toString(two) + " avail=" + in.available() + " skip=" + in.skip(2) + " read=" + in.read()
            + " skipPastEnd=" + in.skip(10) + " read=" + in.read() + " avail=" + in.available();
      }
    });
    // the JDK's channel stream skips backwards for a negative count (within the stream); Jimfs's
    // skips nothing
    likeLinux("skip backwards", b -> {
      try (InputStream in = Files.newInputStream(b.resolve("f"))) {
        in.skip(2);
        return in.skip(-1) + " " + in.read() + " " + in.skip(-5);
      }
    }, "-1 2 -2", "0 3 0");
    same("newOutputStream truncates by default", b -> {
      try (OutputStream out = Files.newOutputStream(b.resolve("f"))) {
        out.write(9);
      }
      return Files.readAllBytes(b.resolve("f"));
    });
    same("newOutputStream with WRITE only", b -> {
      try (OutputStream out = Files.newOutputStream(b.resolve("f"), WRITE)) {
        out.write(9);
      }
      return Files.readAllBytes(b.resolve("f"));
    });
    same("newOutputStream with APPEND", b -> {
      try (OutputStream out = Files.newOutputStream(b.resolve("f"), APPEND)) {
        out.write(9);
      }
      return Files.readAllBytes(b.resolve("f"));
    });
    same("newOutputStream with CREATE_NEW over a file", b -> Files.newOutputStream(b.resolve("f"), CREATE_NEW));
    same("newOutputStream to a directory", b -> Files.newOutputStream(b.resolve("d")));
    likeLinux("newOutputStream with READ", b -> Files.newOutputStream(b.resolve("f"), READ),
        "!IllegalArgumentException", "!UnsupportedOperationException");
    same("newInputStream with WRITE", b -> Files.newInputStream(b.resolve("f"), WRITE));
    same("newInputStream with APPEND", b -> Files.newInputStream(b.resolve("f"), APPEND));
    same("newInputStream of a missing file", b -> Files.newInputStream(b.resolve("zz")));
    same("newInputStream of a link", b -> {
      try (InputStream in = Files.newInputStream(b.resolve("lf"))) {
        return in.readAllBytes();
      }
    });
    // The JDK's streams are channels: a closed one throws ClosedChannelException; Jimfs's own
    // streams throw a bare IOException
    likeLinux("write to a closed output stream", b -> {
      OutputStream out = Files.newOutputStream(b.resolve("f"));
      out.close();
      out.write(1);
      return "written";
    }, "!ClosedChannelException", "!IOException");
    likeLinux("read from a closed input stream", b -> {
      InputStream in = Files.newInputStream(b.resolve("f"));
      in.close();
      return in.read();
    }, "!ClosedChannelException", "!IOException");
    likeLinux("newInputStream of a directory", b -> {
      try (InputStream in = Files.newInputStream(b.resolve("d"))) {
        return in.read();
      }
    }, "!IOException", "!FileSystemException(d)");
    // An O_NOFOLLOW open of a link: the JDK reports ELOOP as a bare IOException "(NOFOLLOW_LINKS
    // specified)" without the path; daxfs keeps the FileSystemException that names it, as Jimfs.
    likeJimfsNotLinux("newInputStream of a link with NOFOLLOW_LINKS",
        b -> Files.newInputStream(b.resolve("lf"), NOFOLLOW_LINKS), "!FileSystemException(lf)", "!IOException");
  }

  @Test
  void byteChannels() {
    same("newByteChannel: READ by default", b -> {
      try (SeekableByteChannel ch = Files.newByteChannel(b.resolve("f"))) {
        ByteBuffer buf = ByteBuffer.allocate(10);
        return ch.read(buf) + " " + ch.position() + " " + ch.size();
      }
    });
    same("CREATE without WRITE creates nothing", b -> Files.newByteChannel(b.resolve("n"), CREATE));
    same("TRUNCATE_EXISTING without WRITE truncates nothing", b -> {
      Files.newByteChannel(b.resolve("f"), READ, TRUNCATE_EXISTING).close();
      return Files.size(b.resolve("f"));
    });
    same("newByteChannel of a directory for writing", b -> Files.newByteChannel(b.resolve("d"), WRITE));
    likeLinux("READ with APPEND", b -> Files.newByteChannel(b.resolve("f"), READ, APPEND),
        "!IllegalArgumentException", "!UnsupportedOperationException");
    // Jimfs accepts APPEND with TRUNCATE_EXISTING; the JDK refuses the pair
    likeLinux("APPEND with TRUNCATE_EXISTING", b -> {
      Files.newByteChannel(b.resolve("f"), WRITE, APPEND, TRUNCATE_EXISTING).close();
      return "opened";
    }, "!IllegalArgumentException", "opened");
    // Jimfs ignores DELETE_ON_CLOSE
    likeLinux("DELETE_ON_CLOSE", b -> {
      try (SeekableByteChannel ch = Files.newByteChannel(b.resolve("n"), CREATE_NEW, WRITE, DELETE_ON_CLOSE)) {
        ch.write(ByteBuffer.wrap(new byte[] {1}));
      }
      return Files.exists(b.resolve("n"));
    }, "false", "true");
    likeLinux("newByteChannel of a directory", b -> {
      try (SeekableByteChannel ch = Files.newByteChannel(b.resolve("d"))) {
        return ch.read(ByteBuffer.allocate(1));
      }
    }, "!IOException", "!FileSystemException(d)");
  }

  @Test
  void fileChannels() {
    same("write past the end makes a hole of zeros", b -> {
      try (FileChannel ch = FileChannel.open(b.resolve("f"), WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[] {9}), 6);
        return ch.size() + " " + Arrays.toString(Files.readAllBytes(b.resolve("f")));
      }
    });
    same("truncate", b -> {
      try (FileChannel ch = FileChannel.open(b.resolve("f"), WRITE)) {
        ch.position(3);
        ch.truncate(10); // never grows
        long grown = ch.size();
        ch.truncate(1);
        return grown + " " + ch.size() + " " + ch.position();
      }
    });
    same("a positional write with APPEND appends", b -> {
      try (FileChannel ch = FileChannel.open(b.resolve("f"), APPEND)) {
        ch.write(ByteBuffer.wrap(new byte[] {9}), 0);
        return ch.size() + " " + ch.position() + " " + Arrays.toString(Files.readAllBytes(b.resolve("f")));
      }
    });
    same("reads past the end", b -> {
      try (FileChannel ch = FileChannel.open(b.resolve("f"), READ)) {
        ByteBuffer buf = ByteBuffer.allocate(4);
        return ch.read(buf, 2) + " " + ch.read(buf.clear(), 3) + " " + ch.read(buf.clear(), 100);
      }
    });
    same("truncate on a read-only channel", b -> {
      try (FileChannel ch = FileChannel.open(b.resolve("f"), READ)) {
        return ch.truncate(0);
      }
    });
    same("write on a read-only channel", b -> {
      try (FileChannel ch = FileChannel.open(b.resolve("f"), READ)) {
        return ch.write(ByteBuffer.allocate(1));
      }
    });
    same("read on a write-only channel", b -> {
      try (FileChannel ch = FileChannel.open(b.resolve("f"), WRITE)) {
        return ch.read(ByteBuffer.allocate(1));
      }
    });
    // write(2) of zero bytes writes nothing: past the end it does not grow the file; Jimfs grows it
    likeLinux("write no bytes past the end", b -> {
      try (FileChannel ch = FileChannel.open(b.resolve("f"), WRITE)) {
        int n = ch.write(ByteBuffer.allocate(0), 100);
        ch.position(50);
        int m = ch.write(ByteBuffer.allocate(0));
        return n + " " + m + " " + ch.size() + " " + ch.position();
      }
    }, "0 0 3 50", "0 0 100 50");
    // read(2) of zero bytes returns 0 even at or past the end; Jimfs returns -1 there
    likeLinux("read into an empty buffer at the end", b -> {
      try (FileChannel ch = FileChannel.open(b.resolve("f"), READ)) {
        ByteBuffer empty = ByteBuffer.allocate(0);
        return ch.read(empty, 3) + " " + ch.read(empty, 100) + " " + ch.read(empty, 0);
      }
    }, "0 0 0", "-1 -1 0");
  }

  // ---- copy ------------------------------------------------------------------------------------

  @Test
  void copy() {
    same("copy a file", b -> Files.copy(b.resolve("f"), b.resolve("n")) + " " + Arrays.toString(Files.readAllBytes(b.resolve("n"))));
    same("copy over a file", b -> Files.copy(b.resolve("f"), b.resolve("f2")));
    same("copy over a file, REPLACE_EXISTING", b -> {
      Files.copy(b.resolve("f"), b.resolve("f2"), REPLACE_EXISTING);
      return Files.readAllBytes(b.resolve("f2"));
    });
    same("copy a file over an empty directory, REPLACE_EXISTING", b ->
        Files.copy(b.resolve("f"), b.resolve("e"), REPLACE_EXISTING) + " " + Files.isRegularFile(b.resolve("e")));
    same("copy a file over a non-empty directory, REPLACE_EXISTING", b -> Files.copy(b.resolve("f"), b.resolve("d"), REPLACE_EXISTING));
    same("copy a directory over a non-empty one, REPLACE_EXISTING", b -> Files.copy(b.resolve("e"), b.resolve("d"), REPLACE_EXISTING));
    same("copy a directory over a file, REPLACE_EXISTING", b ->
        Files.copy(b.resolve("d"), b.resolve("f"), REPLACE_EXISTING) + " " + Files.isDirectory(b.resolve("f")));
    same("copy a directory copies no entries", b -> Files.copy(b.resolve("d"), b.resolve("n")) + " "
        + names(Files.newDirectoryStream(b.resolve("n"))));
    same("copy a directory into itself", b -> Files.copy(b.resolve("d"), b.resolve("d/n")) + " " + Files.isDirectory(b.resolve("d/n")));
    same("copy a missing file", b -> Files.copy(b.resolve("zz"), b.resolve("n")));
    same("copy into a missing directory", b -> Files.copy(b.resolve("f"), b.resolve("x/y")));
    same("copy a file onto itself", b -> Files.copy(b.resolve("f"), b.resolve("f")) + " " + Files.size(b.resolve("f")));
    same("copy a file onto a hard link to it", b -> {
      Files.createLink(b.resolve("h"), b.resolve("f"));
      return Files.copy(b.resolve("f"), b.resolve("h"), REPLACE_EXISTING) + " " + Files.size(b.resolve("f"));
    });
    same("copy a file onto a link to it", b -> Files.copy(b.resolve("f"), b.resolve("lf")));
    same("copy a link onto its target, REPLACE_EXISTING", b -> Files.copy(b.resolve("lf"), b.resolve("f"), REPLACE_EXISTING)
        + " " + Files.size(b.resolve("f")));
    same("copy a file onto a link to it, REPLACE_EXISTING", b ->
        Files.copy(b.resolve("f"), b.resolve("lf"), REPLACE_EXISTING) + " " + Files.isSymbolicLink(b.resolve("lf")));
    same("copy to e/.", b -> Files.copy(b.resolve("f"), b.resolve("e/.")));
    same("copy with ATOMIC_MOVE", b -> Files.copy(b.resolve("f"), b.resolve("n"), ATOMIC_MOVE));
    likeLinux("copy to e/., REPLACE_EXISTING", b -> Files.copy(b.resolve("f"), b.resolve("e/."), REPLACE_EXISTING),
        "!FileSystemException(e/.)", "!IllegalArgumentException");
    likeLinux("copy under a file", b -> Files.copy(b.resolve("f"), b.resolve("f2/x")),
        "!FileSystemException(f2/x)", "!NoSuchFileException(f2/x)");
    likeLinux("copy a link loop", b -> Files.copy(b.resolve("loop"), b.resolve("n")),
        "!FileSystemException(loop)", "!IOException");
    // The JDK deletes the target, then reads the source and creates the copy by their paths
    // again: a path that went through the deleted target is gone. Jimfs replaces what it found
    likeLinux("copy a link onto itself, REPLACE_EXISTING", b -> Files.copy(b.resolve("lf"), b.resolve("lf"), REPLACE_EXISTING),
        "!NoSuchFileException(lf)", "lf");
    likeLinux("copy a link onto itself, REPLACE_EXISTING, leaves no link", b -> {
      try {
        Files.copy(b.resolve("lf"), b.resolve("lf"), REPLACE_EXISTING);
      } catch (IOException e) {
        // as above
      }
      return Files.exists(b.resolve("lf"), NOFOLLOW_LINKS) + " " + Files.exists(b.resolve("f"));
    }, "false true", "true true");
    same("copy a link to a directory onto itself, REPLACE_EXISTING", b -> Files.copy(b.resolve("ld"), b.resolve("ld"), REPLACE_EXISTING)
        + " " + Files.isDirectory(b.resolve("ld"), NOFOLLOW_LINKS));
    likeLinux("copy to a path through the link it replaces, REPLACE_EXISTING", b -> {
      Files.createSymbolicLink(b.resolve("e/self"), b.getFileSystem().getPath("."));
      return Files.copy(b.resolve("f"), b.resolve("e/self/self"), REPLACE_EXISTING);
    }, "!NoSuchFileException(e/self/self)", "e/self/self");
  }

  @Test
  void copyLinks() {
    same("copy follows a link", b -> Files.copy(b.resolve("lf"), b.resolve("n")) + " "
        + Files.isSymbolicLink(b.resolve("n")) + " " + Files.size(b.resolve("n")));
    same("copy with NOFOLLOW_LINKS copies the link", b -> Files.copy(b.resolve("lf"), b.resolve("n"), NOFOLLOW_LINKS) + " "
        + Files.readSymbolicLink(b.resolve("n")));
    same("copy a dangling link", b -> Files.copy(b.resolve("dang"), b.resolve("n")));
    same("copy a dangling link with NOFOLLOW_LINKS", b -> {
      Files.copy(b.resolve("dang"), b.resolve("n"), NOFOLLOW_LINKS, COPY_ATTRIBUTES);
      return Files.readSymbolicLink(b.resolve("n"));
    });
    same("copy a link to a directory", b -> Files.copy(b.resolve("ld"), b.resolve("n")) + " "
        + Files.isDirectory(b.resolve("n"), NOFOLLOW_LINKS));
    same("copy over a dangling link", b -> Files.copy(b.resolve("f"), b.resolve("dang")));
    same("copy over a dangling link, REPLACE_EXISTING, replaces the link", b -> {
      Files.copy(b.resolve("f"), b.resolve("dang"), REPLACE_EXISTING);
      return Files.isSymbolicLink(b.resolve("dang")) + " " + Files.exists(b.resolve("nowhere"));
    });
  }

  @Test
  void copyAttributes() {
    same("COPY_ATTRIBUTES keeps times and permissions", b -> {
      Files.setLastModifiedTime(b.resolve("f"), FileTime.fromMillis(123_000));
      Files.setPosixFilePermissions(b.resolve("f"), PosixFilePermissions.fromString("rwx--x---"));
      Files.copy(b.resolve("f"), b.resolve("n"), COPY_ATTRIBUTES);
      return Files.getLastModifiedTime(b.resolve("n")) + " " + perms(Files.getPosixFilePermissions(b.resolve("n")));
    });
    same("COPY_ATTRIBUTES of a directory", b -> {
      Files.setLastModifiedTime(b.resolve("d"), FileTime.fromMillis(123_000));
      Files.setPosixFilePermissions(b.resolve("d"), PosixFilePermissions.fromString("rwx------"));
      Files.copy(b.resolve("d"), b.resolve("n"), COPY_ATTRIBUTES);
      return Files.getLastModifiedTime(b.resolve("n")) + " " + perms(Files.getPosixFilePermissions(b.resolve("n")));
    });
    same("a copy without COPY_ATTRIBUTES is new", b -> {
      Files.setLastModifiedTime(b.resolve("f"), FileTime.fromMillis(123_000));
      Files.copy(b.resolve("f"), b.resolve("n"));
      return Files.getLastModifiedTime(b.resolve("n")).toMillis() > 123_000;
    });
    // The JDK creates the copy with the source's mode, less the umask; Jimfs with its default
    likeLinux("a copy without COPY_ATTRIBUTES has the source's mode", b -> {
      Files.setPosixFilePermissions(b.resolve("f"), PosixFilePermissions.fromString("rwx------"));
      Files.setPosixFilePermissions(b.resolve("d"), PosixFilePermissions.fromString("rwx--x---"));
      Files.copy(b.resolve("f"), b.resolve("n"));
      Files.copy(b.resolve("d"), b.resolve("m"));
      return perms(Files.getPosixFilePermissions(b.resolve("n"))) + " " + perms(Files.getPosixFilePermissions(b.resolve("m")));
    }, "rwx------ rwx--x---", "rw-r--r-- rw-r--r--");
    likeLinuxUnchecked("a copy without COPY_ATTRIBUTES has the source's mode less the umask", b -> {
      Files.setPosixFilePermissions(b.resolve("f"), PosixFilePermissions.fromString("rwxrwxrwx"));
      Files.copy(b.resolve("f"), b.resolve("n"));
      return perms(Files.getPosixFilePermissions(b.resolve("n")));
    }, "rwxr-xr-x", "rw-r--r--");
  }

  // ---- move ------------------------------------------------------------------------------------

  @Test
  void move() {
    same("rename a file", b -> Files.move(b.resolve("f2"), b.resolve("n")) + " " + Files.exists(b.resolve("f2"))
        + " " + Arrays.toString(Files.readAllBytes(b.resolve("n"))));
    same("rename a directory with entries", b -> Files.move(b.resolve("d"), b.resolve("e/n")) + " "
        + Files.exists(b.resolve("e/n/g")) + " " + Files.readSymbolicLink(b.resolve("ld")) + " " + Files.exists(b.resolve("ld")));
    same("move a link moves the link", b -> Files.move(b.resolve("lf"), b.resolve("e/lf")) + " "
        + Files.isSymbolicLink(b.resolve("e/lf")) + " " + Files.exists(b.resolve("e/lf")));
    same("move over a file", b -> Files.move(b.resolve("f2"), b.resolve("f")));
    same("move over a file, REPLACE_EXISTING", b -> Files.move(b.resolve("f2"), b.resolve("f"), REPLACE_EXISTING) + " "
        + Arrays.toString(Files.readAllBytes(b.resolve("f"))));
    same("move a file over an empty directory, REPLACE_EXISTING", b ->
        Files.move(b.resolve("f2"), b.resolve("e"), REPLACE_EXISTING) + " " + Files.isRegularFile(b.resolve("e")));
    same("move a directory over a file, REPLACE_EXISTING", b ->
        Files.move(b.resolve("e"), b.resolve("f2"), REPLACE_EXISTING) + " " + Files.isDirectory(b.resolve("f2")));
    same("move over a non-empty directory, REPLACE_EXISTING", b -> Files.move(b.resolve("f2"), b.resolve("d"), REPLACE_EXISTING));
    same("move a dangling link over a file, REPLACE_EXISTING", b ->
        Files.move(b.resolve("dang"), b.resolve("f"), REPLACE_EXISTING) + " " + Files.readSymbolicLink(b.resolve("f")));
    same("move a missing file", b -> Files.move(b.resolve("zz"), b.resolve("n")));
    same("move onto itself", b -> Files.move(b.resolve("f"), b.resolve("f")) + " " + Files.exists(b.resolve("f")));
    same("move onto a hard link to itself does nothing", b -> {
      Files.createLink(b.resolve("h"), b.resolve("f"));
      return Files.move(b.resolve("h"), b.resolve("f")) + " " + Files.exists(b.resolve("h"));
    });
    same("move to e/.", b -> Files.move(b.resolve("f2"), b.resolve("e/.")));
    same("move to d/.., REPLACE_EXISTING", b -> Files.move(b.resolve("e"), b.resolve("d/.."), REPLACE_EXISTING));
    same("move through d/sub/..", b -> Files.move(b.resolve("f2"), b.resolve("d/sub/../n")) + " " + Files.exists(b.resolve("d/n")));
    // rename(2)'s errors name both paths in the JDK; Jimfs names the target alone
    likeLinux("move into a missing directory", b -> Files.move(b.resolve("f2"), b.resolve("x/y")),
        "!NoSuchFileException(f2 -> x/y)", "!NoSuchFileException(x/y)");
    likeLinux("move under a file", b -> Files.move(b.resolve("f2"), b.resolve("f/x")),
        "!FileSystemException(f2 -> f/x)", "!NoSuchFileException(f/x)");
    // EINVAL: a FileSystemException naming both; Jimfs throws a bare IOException
    likeLinux("move a directory into its own subdirectory", b -> Files.move(b.resolve("d"), b.resolve("d/sub/x")),
        "!FileSystemException(d -> d/sub/x)", "!IOException");
    likeLinux("move a directory into itself through a link", b -> Files.move(b.resolve("d"), b.resolve("ld/x")),
        "!FileSystemException(d -> ld/x)", "!IOException");
    // rename(2) refuses "." and ".." as the source with EBUSY
    likeLinux("move e/.", b -> Files.move(b.resolve("e/."), b.resolve("n")),
        "!FileSystemException(e/. -> n)", "!IllegalArgumentException");
    likeLinux("move e/..", b -> Files.move(b.resolve("e/.."), b.resolve("n")),
        "!FileSystemException(e/.. -> n)", "!IOException");
    likeLinux("move the root", b -> Files.move(b.getRoot(), b.resolve("n")),
        "!FileSystemException(/ -> n)", "!FileSystemException(/)");
  }

  @Test
  void atomicMove() {
    same("ATOMIC_MOVE to a new name", b -> Files.move(b.resolve("d"), b.resolve("n"), ATOMIC_MOVE) + " " + Files.exists(b.resolve("n/g")));
    same("ATOMIC_MOVE onto itself", b -> Files.move(b.resolve("f"), b.resolve("f"), ATOMIC_MOVE));
    same("ATOMIC_MOVE, REPLACE_EXISTING over a file", b ->
        Files.move(b.resolve("f2"), b.resolve("f"), ATOMIC_MOVE, REPLACE_EXISTING) + " " + Files.size(b.resolve("f")));
    // ATOMIC_MOVE is rename(2), which replaces an existing target of the same kind whatever
    // REPLACE_EXISTING says; Jimfs wants REPLACE_EXISTING
    likeLinux("ATOMIC_MOVE over a file", b -> Files.move(b.resolve("f2"), b.resolve("f"), ATOMIC_MOVE) + " "
        + Files.size(b.resolve("f")), "f 2", "!FileAlreadyExistsException(f)");
    likeLinux("ATOMIC_MOVE of a directory over an empty one", b -> Files.move(b.resolve("d"), b.resolve("e"), ATOMIC_MOVE)
        + " " + Files.exists(b.resolve("e/g")), "e true", "!FileAlreadyExistsException(e)");
    // and refuses to mix kinds (EISDIR, ENOTDIR) or to replace a non-empty directory (ENOTEMPTY,
    // which the JDK does not map to DirectoryNotEmptyException), naming both paths
    likeLinux("ATOMIC_MOVE of a file over a directory", b -> Files.move(b.resolve("f2"), b.resolve("e"), ATOMIC_MOVE),
        "!FileSystemException(f2 -> e)", "!FileAlreadyExistsException(e)");
    likeLinux("ATOMIC_MOVE, REPLACE_EXISTING of a file over a directory",
        b -> Files.move(b.resolve("f2"), b.resolve("e"), ATOMIC_MOVE, REPLACE_EXISTING) + " " + Files.isRegularFile(b.resolve("e")),
        "!FileSystemException(f2 -> e)", "e true");
    likeLinux("ATOMIC_MOVE of a directory over a file", b -> Files.move(b.resolve("e"), b.resolve("f2"), ATOMIC_MOVE),
        "!FileSystemException(e -> f2)", "!FileAlreadyExistsException(f2)");
    likeLinux("ATOMIC_MOVE over a non-empty directory", b -> Files.move(b.resolve("e"), b.resolve("d"), ATOMIC_MOVE),
        "!FileSystemException(e -> d)", "!FileAlreadyExistsException(d)");
    likeLinux("ATOMIC_MOVE, REPLACE_EXISTING over a non-empty directory",
        b -> Files.move(b.resolve("e"), b.resolve("d"), ATOMIC_MOVE, REPLACE_EXISTING),
        "!FileSystemException(e -> d)", "!DirectoryNotEmptyException(d)");
    likeLinux("ATOMIC_MOVE of a missing file", b -> Files.move(b.resolve("zz"), b.resolve("n"), ATOMIC_MOVE),
        "!NoSuchFileException(zz -> n)", "!NoSuchFileException(zz)");
    likeLinux("ATOMIC_MOVE of a directory into itself", b -> Files.move(b.resolve("d"), b.resolve("d/sub/x"), ATOMIC_MOVE),
        "!FileSystemException(d -> d/sub/x)", "!IOException");
    // rename(2) checks that the target does not hold the source (ENOTEMPTY) before the kinds
    likeLinux("ATOMIC_MOVE of a file over its own directory", b -> Files.move(b.resolve("d/g"), b.resolve("d"), ATOMIC_MOVE),
        "!FileSystemException(d/g -> d)", "!FileAlreadyExistsException(d)");
    likeLinux("ATOMIC_MOVE of a directory over an ancestor", b -> Files.move(b.resolve("d/sub"), b, ATOMIC_MOVE),
        "!FileSystemException(d/sub -> .)", "!FileAlreadyExistsException(.)");
    // and refuses "." or ".." as either name (EBUSY) before it looks at the files
    likeLinux("ATOMIC_MOVE of e/. onto e", b -> Files.move(b.resolve("e/."), b.resolve("e"), ATOMIC_MOVE),
        "!FileSystemException(e/. -> e)", "e");
    likeLinux("ATOMIC_MOVE onto e/.", b -> Files.move(b.resolve("f"), b.resolve("e/."), ATOMIC_MOVE),
        "!FileSystemException(f -> e/.)", "!FileAlreadyExistsException(e/.)");
    same("move of e/. onto e does nothing (the JDK sees one file)", b -> Files.move(b.resolve("e/."), b.resolve("e")) + " "
        + Files.isDirectory(b.resolve("e")));
  }

  // ---- delete ----------------------------------------------------------------------------------

  @Test
  void delete() {
    same("delete a file", b -> {
      Files.delete(b.resolve("f"));
      return Files.exists(b.resolve("f")) + " " + Files.exists(b.resolve("lf"), NOFOLLOW_LINKS);
    });
    same("delete an empty directory", b -> {
      Files.delete(b.resolve("e"));
      return Files.exists(b.resolve("e"));
    });
    same("delete a non-empty directory", b -> {
      Files.delete(b.resolve("d"));
      return "deleted";
    });
    same("delete a link to a directory deletes the link", b -> {
      Files.delete(b.resolve("ld"));
      return Files.exists(b.resolve("ld"), NOFOLLOW_LINKS) + " " + Files.exists(b.resolve("d/g"));
    });
    same("delete a dangling link and a loop", b -> {
      Files.delete(b.resolve("dang"));
      Files.delete(b.resolve("loop"));
      return names(Files.newDirectoryStream(b));
    });
    same("delete a missing file", b -> {
      Files.delete(b.resolve("zz"));
      return "deleted";
    });
    same("delete through a link", b -> {
      Files.delete(b.resolve("ld/g"));
      return Files.exists(b.resolve("d/g"));
    });
    same("delete e/..", b -> {
      Files.delete(b.resolve("e/.."));
      return "deleted";
    });
    same("delete the root", b -> {
      Files.delete(b.getRoot());
      return "deleted";
    });
    same("deleteIfExists", b -> Files.deleteIfExists(b.resolve("f")) + " " + Files.deleteIfExists(b.resolve("f"))
        + " " + Files.deleteIfExists(b.resolve("x/y")) + " " + Files.deleteIfExists(b.resolve("dang")));
    same("deleteIfExists of a non-empty directory", b -> Files.deleteIfExists(b.resolve("d")));
    same("delete an open file", b -> {
      try (FileChannel ch = FileChannel.open(b.resolve("f"), READ, WRITE)) {
        Files.delete(b.resolve("f"));
        ch.write(ByteBuffer.wrap(new byte[] {9}), 3);
        ByteBuffer buf = ByteBuffer.allocate(8);
        ch.read(buf, 0);
        return Files.exists(b.resolve("f")) + " " + ch.size() + " " + Arrays.toString(Arrays.copyOf(buf.array(), buf.position()));
      }
    });
    // rmdir("e/.") is EINVAL on Linux; Jimfs deletes e
    likeLinux("delete e/.", b -> {
      Files.delete(b.resolve("e/."));
      return Files.exists(b.resolve("e"));
    }, "!FileSystemException(e/.)", "false");
    likeLinux("deleteIfExists under a file", b -> Files.deleteIfExists(b.resolve("f/y")),
        "!FileSystemException(f/y)", "false");
  }

  // ---- listing ---------------------------------------------------------------------------------

  @Test
  void list() {
    same("list", b -> sortedRelative(b, Files.list(b)));
    same("list through a link", b -> sortedRelative(b, Files.list(b.resolve("ld"))));
    same("list a file", b -> Files.list(b.resolve("f")));
    same("list a missing directory", b -> Files.list(b.resolve("zz")));
    same("list a dangling link", b -> Files.list(b.resolve("dang")));
    same("list shows dot files", b -> {
      Files.createFile(b.resolve(".h"));
      return sortedRelative(b, Files.list(b));
    });
    same("newDirectoryStream with a glob", b -> names(Files.newDirectoryStream(b, "[a-f]*")) + " "
        + names(Files.newDirectoryStream(b, "{d,e,lf}")) + " " + names(Files.newDirectoryStream(b, "*2"))
        + " " + names(Files.newDirectoryStream(b, "?")));
    same("newDirectoryStream with a filter", b -> names(Files.newDirectoryStream(b, p -> Files.isDirectory(p))));
    same("newDirectoryStream with a bad glob", b -> Files.newDirectoryStream(b, "[a-"));
    same("newDirectoryStream's paths", b -> {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(b.resolve("ld"))) {
        List<String> l = new ArrayList<>();
        s.forEach(p -> l.add(b.relativize(p).toString()));
        return render(b, new HashSet<>(l));
      }
    });
    same("a filter that throws", b -> {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(b.resolve("d"), p -> {
        throw new IOException("no");
      })) {
        return s.iterator().hasNext();
      }
    });
    same("iterator twice", b -> {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(b)) {
        s.iterator();
        return s.iterator();
      }
    });
    same("iterator remove", b -> {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(b)) {
        Iterator<Path> it = s.iterator();
        it.next();
        it.remove();
        return "removed";
      }
    });
    // The JDK's iterator after close: IllegalStateException; and a closed stream's iterator ends.
    // Jimfs throws ClosedDirectoryStreamException in both cases
    likeLinux("iterator after close", b -> {
      DirectoryStream<Path> s = Files.newDirectoryStream(b);
      s.close();
      return s.iterator();
    }, "!IllegalStateException", "!ClosedDirectoryStreamException");
    likeLinux("close while iterating", b -> {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(b.resolve("d"))) {
        Iterator<Path> it = s.iterator();
        s.close();
        return it.hasNext();
      }
    }, "false", "!ClosedDirectoryStreamException");
  }

  @Test
  void walkAndFind() {
    same("walk", b -> sortedRelative(b, Files.walk(b)));
    same("walk with a depth", b -> sortedRelative(b, Files.walk(b, 1)));
    same("walk following links", b -> sortedRelative(b, Files.walk(b, FileVisitOption.FOLLOW_LINKS)));
    same("walk a file", b -> sortedRelative(b, Files.walk(b.resolve("f"))));
    same("walk a missing directory", b -> Files.walk(b.resolve("zz")));
    same("walk into a cycle", b -> {
      Files.createSymbolicLink(b.resolve("e/up"), b.getFileSystem().getPath(".."));
      try (Stream<Path> s = Files.walk(b.resolve("e"), FileVisitOption.FOLLOW_LINKS)) {
        return s.count();
      }
    });
    same("find", b -> sortedRelative(b, Files.find(b, 5, (p, a) -> a.isRegularFile())));
    same("find links", b -> sortedRelative(b, Files.find(b, 5, (p, a) -> a.isSymbolicLink())));
    same("find following links", b -> sortedRelative(b, Files.find(b, 5, (p, a) -> a.isRegularFile(), FileVisitOption.FOLLOW_LINKS)));
  }

  // ---- attributes ------------------------------------------------------------------------------

  @Test
  void basicAttributes() {
    same("readAttributes of a file", b -> {
      BasicFileAttributes a = Files.readAttributes(b.resolve("f"), BasicFileAttributes.class);
      return a.isRegularFile() + " " + a.isDirectory() + " " + a.isSymbolicLink() + " " + a.isOther() + " " + a.size()
          + " " + (a.fileKey() != null) + " " + !a.lastModifiedTime().toInstant().isAfter(Instant.now());
    });
    same("readAttributes of a link", b -> {
      BasicFileAttributes a = Files.readAttributes(b.resolve("ld"), BasicFileAttributes.class);
      BasicFileAttributes l = Files.readAttributes(b.resolve("ld"), BasicFileAttributes.class, NOFOLLOW_LINKS);
      return a.isDirectory() + " " + a.isSymbolicLink() + " " + l.isDirectory() + " " + l.isSymbolicLink();
    });
    same("readAttributes of a missing file", b -> Files.readAttributes(b.resolve("zz"), BasicFileAttributes.class));
    same("readAttributes of a dangling link", b -> Files.readAttributes(b.resolve("dang"), BasicFileAttributes.class));
    likeLinux("readAttributes of a link loop", b -> Files.readAttributes(b.resolve("loop"), BasicFileAttributes.class),
        "!FileSystemException(loop)", "!IOException");
    same("the fileKey of hard links", b -> {
      Files.createLink(b.resolve("h"), b.resolve("f"));
      Object k1 = Files.readAttributes(b.resolve("h"), BasicFileAttributes.class).fileKey();
      Object k2 = Files.readAttributes(b.resolve("f"), BasicFileAttributes.class).fileKey();
      Object k3 = Files.readAttributes(b.resolve("f2"), BasicFileAttributes.class).fileKey();
      return k1.equals(k2) + " " + k1.equals(k3);
    });
    same("setTimes", b -> {
      Files.getFileAttributeView(b.resolve("f"), BasicFileAttributeView.class)
          .setTimes(FileTime.fromMillis(1000), FileTime.fromMillis(2000), null);
      BasicFileAttributes a = Files.readAttributes(b.resolve("f"), BasicFileAttributes.class);
      return a.lastModifiedTime().toMillis() + " " + a.lastAccessTime().toMillis();
    });
    same("setLastModifiedTime through a link", b -> {
      Files.setLastModifiedTime(b.resolve("lf"), FileTime.fromMillis(5000));
      return Files.getLastModifiedTime(b.resolve("f")).toMillis();
    });
    same("a view of a missing file", b -> Files.getFileAttributeView(b.resolve("zz"), BasicFileAttributeView.class).readAttributes());
    // the size of a link is the length of its target; Jimfs says 0
    likeLinux("the size of links", b -> Files.readAttributes(b.resolve("ld"), BasicFileAttributes.class, NOFOLLOW_LINKS).size()
        + " " + Files.readAttributes(b.resolve("dang"), BasicFileAttributes.class, NOFOLLOW_LINKS).size(), "1 7", "0 0");
    // a directory's size is a block on ext4 (daxfs reports its block size); Jimfs says 0
    likeLinuxUnchecked("the size of a directory", b -> Files.size(b.resolve("e")), "4096", "0");
  }

  @Test
  void attributesByName() {
    same("the names of basic:*", b -> Files.readAttributes(b.resolve("f"), "*").keySet());
    same("the names of posix:*", b -> Files.readAttributes(b.resolve("f"), "posix:*").keySet());
    same("the names of unix:*", b -> Files.readAttributes(b.resolve("f"), "unix:*").keySet());
    same("the names of owner:*", b -> Files.readAttributes(b.resolve("f"), "owner:*").keySet());
    same("some by name", b -> Files.readAttributes(b.resolve("f"), "size,isDirectory,isRegularFile,isSymbolicLink,isOther"));
    same("some by name of a link", b -> Files.readAttributes(b.resolve("ld"), "basic:isDirectory,isSymbolicLink", NOFOLLOW_LINKS));
    same("getAttribute", b -> Files.getAttribute(b.resolve("f"), "size") + " " + Files.getAttribute(b.resolve("d"), "basic:isDirectory"));
    // a directory's link count counts its subdirectories' ".." on ext4 and tmpfs (btrfs says 1)
    likeLinuxUnchecked("unix:nlink", b -> Files.getAttribute(b.resolve("d"), "unix:nlink") + " "
        + Files.getAttribute(b.resolve("e"), "unix:nlink") + " " + Files.getAttribute(b.resolve("f"), "unix:nlink"), "3 2 1", "3 2 1");
    same("an unknown name", b -> Files.readAttributes(b.resolve("f"), "basic:foo"));
    same("no name", b -> Files.getAttribute(b.resolve("f"), "posix:"));
    same("of a missing file", b -> Files.readAttributes(b.resolve("zz"), "size"));
    same("setAttribute", b -> {
      Files.setAttribute(b.resolve("f"), "lastModifiedTime", FileTime.fromMillis(7000));
      return Files.getAttribute(b.resolve("f"), "basic:lastModifiedTime");
    });
    same("setAttribute of a read-only attribute", b -> {
      Files.setAttribute(b.resolve("f"), "size", 3L);
      return "set";
    });
    same("setAttribute of a missing file", b -> {
      Files.setAttribute(b.resolve("zz"), "lastModifiedTime", FileTime.fromMillis(7000));
      return "set";
    });
    // Linux supports a "dos" view (in extended attributes), so an unknown view needs another name.
    // Jimfs fails it with a NullPointerException
    likeLinux("an unknown view", b -> Files.readAttributes(b.resolve("f"), "foo:*"),
        "!UnsupportedOperationException", "!NullPointerException");
    same("setAttribute of an unknown view", b -> {
      Files.setAttribute(b.resolve("f"), "foo:bar", 1);
      return "set";
    });
    // a value of the wrong type: the JDK casts it (ClassCastException); Jimfs checks it
    likeLinux("setAttribute with a wrong type", b -> {
      Files.setAttribute(b.resolve("f"), "lastModifiedTime", 5L);
      return "set";
    }, "!ClassCastException", "!IllegalArgumentException");
    // the unix view's numbers and the mode's type bits, as stat(2) has them; Jimfs has an Integer
    // inode and no type bits
    likeLinux("unix:mode and unix:ino", b -> {
      Files.setPosixFilePermissions(b.resolve("f"), PosixFilePermissions.fromString("rw-r-----"));
      Files.setPosixFilePermissions(b.resolve("d"), PosixFilePermissions.fromString("rwxr-x---"));
      return Integer.toOctalString((Integer) Files.getAttribute(b.resolve("f"), "unix:mode")) + " "
          + Integer.toOctalString((Integer) Files.getAttribute(b.resolve("d"), "unix:mode")) + " "
          + Files.getAttribute(b.resolve("f"), "unix:ino").getClass().getSimpleName();
    }, "100640 40750 Long", "640 750 Integer");
  }

  @Test
  void posixAttributes() {
    same("setPosixFilePermissions", b -> {
      Files.setPosixFilePermissions(b.resolve("f"), PosixFilePermissions.fromString("rwx--x-w-"));
      return perms(Files.getPosixFilePermissions(b.resolve("f"))) + " "
          + perms(Files.readAttributes(b.resolve("f"), PosixFileAttributes.class).permissions());
    });
    same("setPosixFilePermissions through a link", b -> {
      Files.setPosixFilePermissions(b.resolve("lf"), PosixFilePermissions.fromString("r--------"));
      return perms(Files.getPosixFilePermissions(b.resolve("f")));
    });
    same("setAttribute posix:permissions", b -> {
      Files.setAttribute(b.resolve("f"), "posix:permissions", PosixFilePermissions.fromString("rw-rw----"));
      return Files.getAttribute(b.resolve("f"), "posix:permissions");
    });
    same("createFile with permissions the umask leaves", b -> {
      Files.createFile(b.resolve("n"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.createDirectory(b.resolve("m"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      return perms(Files.getPosixFilePermissions(b.resolve("n"))) + " " + perms(Files.getPosixFilePermissions(b.resolve("m")));
    });
    same("an owner", b -> Files.getOwner(b.resolve("f")).getName().equals(
        Files.readAttributes(b.resolve("f"), PosixFileAttributes.class).owner().getName()));
    // a link's own permissions are rwxrwxrwx; Jimfs gives it its default
    likeLinux("the permissions of a link", b -> Files.getPosixFilePermissions(b.resolve("lf"), NOFOLLOW_LINKS),
        "rwxrwxrwx", "rw-r--r--");
    // Linux applies the umask (daxfs's is 022 by default) to the mode asked for; Jimfs does not
    likeLinuxUnchecked("createFile and createDirectory with rwxrwxrwx", b -> {
      Set<PosixFilePermission> all = PosixFilePermissions.fromString("rwxrwxrwx");
      Files.createFile(b.resolve("n"), PosixFilePermissions.asFileAttribute(all));
      Files.createDirectory(b.resolve("m"), PosixFilePermissions.asFileAttribute(all));
      return perms(Files.getPosixFilePermissions(b.resolve("n"))) + " " + perms(Files.getPosixFilePermissions(b.resolve("m")));
    }, "rwxr-xr-x rwxr-xr-x", "rwxrwxrwx rwxrwxrwx");
    // a new directory is 0777 less the umask, Jimfs gives it the file default
    likeLinuxUnchecked("a new directory's permissions", b -> Files.getPosixFilePermissions(b.resolve("e")),
        "rwxr-xr-x", "rw-r--r--");
  }

  @Test
  void checksAndPredicates() {
    String[] names = {"f", "d", "lf", "ld", "dang", "loop", "zz", "f/x", "ld/g", "d/.."};
    for (String n : names) {
      same("predicates of " + n, b -> {
        Path p = b.resolve(n);
        return "exists=" + Files.exists(p) + "," + Files.exists(p, NOFOLLOW_LINKS)
            + " regular=" + Files.isRegularFile(p) + "," + Files.isRegularFile(p, NOFOLLOW_LINKS)
            + " dir=" + Files.isDirectory(p) + "," + Files.isDirectory(p, NOFOLLOW_LINKS)
            + " link=" + Files.isSymbolicLink(p) + " readable=" + Files.isReadable(p) + " writable=" + Files.isWritable(p);
      });
      if (!n.equals("f/x")) {
        same("notExists of " + n, b -> Files.notExists(b.resolve(n)) + " " + Files.notExists(b.resolve(n), NOFOLLOW_LINKS));
      }
    }
    likeLinuxOnJdk17("notExists under a file", b -> Files.notExists(b.resolve("f/x")), "false", "true");
    same("size", b -> Files.size(b.resolve("f")) + " " + Files.size(b.resolve("lf")));
    same("size of a missing file", b -> Files.size(b.resolve("zz")));
    likeLinux("size of a link loop", b -> Files.size(b.resolve("loop")), "!FileSystemException(loop)", "!IOException");
    same("isHidden", b -> Files.isHidden(b.resolve(".x")) + " " + Files.isHidden(b.resolve("f")) + " "
        + Files.isHidden(b.resolve("d/..")) + " " + Files.isHidden(b.getRoot()) + " " + Files.isHidden(b.resolve("x/.")));
    // (not checked on the host, whose temporary directory may be mounted noexec)
    likeLinuxUnchecked("isExecutable of a directory and of an executable", b -> {
      Files.setPosixFilePermissions(b.resolve("f"), PosixFilePermissions.fromString("rwxr--r--"));
      return Files.isExecutable(b.resolve("d")) + " " + Files.isExecutable(b.resolve("f"));
    }, "true true", "true true");
    same("checkAccess of a missing file", b -> {
      b.getFileSystem().provider().checkAccess(b.resolve("zz"));
      return "ok";
    });
    // execute needs an x bit, even for root; Jimfs does not check
    likeLinux("checkAccess EXECUTE of a file without x bits", b -> {
      b.getFileSystem().provider().checkAccess(b.resolve("f"), AccessMode.EXECUTE);
      return "ok";
    }, "!AccessDeniedException(f)", "ok");
    likeLinux("isExecutable of a file without x bits", b -> Files.isExecutable(b.resolve("f")), "false", "true");
  }

  @Test
  void isSameFile() {
    same("isSameFile", b -> Files.isSameFile(b.resolve("f"), b.resolve("f")) + " "
        + Files.isSameFile(b.resolve("lf"), b.resolve("f")) + " " + Files.isSameFile(b.resolve("ld/g"), b.resolve("d/g")) + " "
        + Files.isSameFile(b.resolve("d/.."), b) + " " + Files.isSameFile(b.resolve("f"), b.resolve("f2")) + " "
        + Files.isSameFile(b.resolve("zz"), b.resolve("zz")));
    same("isSameFile of hard links", b -> {
      Files.createLink(b.resolve("h"), b.resolve("f"));
      return Files.isSameFile(b.resolve("h"), b.resolve("f"));
    });
    // Linux stats both paths; Jimfs answers false for a missing one
    likeLinux("isSameFile with a missing file", b -> Files.isSameFile(b.resolve("f"), b.resolve("zz")),
        "!NoSuchFileException(zz)", "false");
    likeLinux("isSameFile with a dangling link", b -> Files.isSameFile(b.resolve("dang"), b.resolve("f")),
        "!NoSuchFileException(dang)", "false");
  }

  @Test
  void realPaths() {
    for (String n : new String[] {"f", "lf", "ld/g", "ld/sub/../g", "ld/..", "d/./sub", ".", "dang", "zz", "ld/zz"}) {
      same("toRealPath of " + n, b -> b.resolve(n).toRealPath());
    }
    likeLinux("toRealPath of a link loop", b -> b.resolve("loop").toRealPath(), "!FileSystemException(loop)", "!IOException");
    likeLinux("toRealPath of f/.", b -> b.resolve("f/.").toRealPath(), "!FileSystemException(f/.)", "!NoSuchFileException(f/.)");
    for (String n : new String[] {"f", "lf", "dang", "loop", "d/sub/..", "e/./."}) {
      same("toRealPath of " + n + " with NOFOLLOW_LINKS", b -> b.resolve(n).toRealPath(NOFOLLOW_LINKS));
    }
    // With NOFOLLOW_LINKS the JDK resolves no link at all, not even one on the way: it drops "." and
    // a ".." after a name that is not a link, then checks the result exists; Jimfs resolves the links
    // on the way, and names the path as given in its errors
    likeLinux("toRealPath of ld/g with NOFOLLOW_LINKS", b -> b.resolve("ld/g").toRealPath(NOFOLLOW_LINKS), "ld/g", "d/g");
    likeLinux("toRealPath of ld/sub/../g with NOFOLLOW_LINKS", b -> b.resolve("ld/sub/../g").toRealPath(NOFOLLOW_LINKS),
        "ld/g", "d/g");
    likeLinux("toRealPath of ld/../f with NOFOLLOW_LINKS", b -> b.resolve("ld/../f").toRealPath(NOFOLLOW_LINKS),
        "ld/../f", "f");
    likeLinux("toRealPath of f/.. with NOFOLLOW_LINKS", b -> b.resolve("f/..").toRealPath(NOFOLLOW_LINKS),
        ".", "!NoSuchFileException(f/..)");
    likeLinux("toRealPath of zz/../f with NOFOLLOW_LINKS", b -> b.resolve("zz/../f").toRealPath(NOFOLLOW_LINKS),
        "!NoSuchFileException(zz)", "!NoSuchFileException(zz/../f)");
    likeLinux("toRealPath of ld/sub/../zz with NOFOLLOW_LINKS", b -> b.resolve("ld/sub/../zz").toRealPath(NOFOLLOW_LINKS),
        "!NoSuchFileException(ld/zz)", "!NoSuchFileException(ld/sub/../zz)");
  }

  // ---- links -----------------------------------------------------------------------------------

  @Test
  void symbolicLinks() {
    same("createSymbolicLink, readSymbolicLink", b -> {
      FileSystem fs = b.getFileSystem();
      Files.createSymbolicLink(b.resolve("n"), fs.getPath("d/g"));
      Files.createSymbolicLink(b.resolve("up"), fs.getPath("../x/./y/"));
      Files.createSymbolicLink(b.resolve("abs"), b.resolve("d"));
      return Files.readSymbolicLink(b.resolve("n")) + " " + Files.readSymbolicLink(b.resolve("up")) + " "
          + render(b, Files.readSymbolicLink(b.resolve("abs"))) + " " + Files.readAllBytes(b.resolve("n")).length + " "
          + Files.exists(b.resolve("abs/g"));
    });
    same("a relative link resolves from its directory", b -> {
      Files.createSymbolicLink(b.resolve("d/up"), b.getFileSystem().getPath("../f"));
      return Files.size(b.resolve("d/up")) + " " + Files.size(b.resolve("ld/up"));
    });
    same("a chain of links", b -> {
      Files.createSymbolicLink(b.resolve("l2"), b.getFileSystem().getPath("lf"));
      return Files.readSymbolicLink(b.resolve("l2")) + " " + Files.size(b.resolve("l2")) + " "
          + render(b, b.resolve("l2").toRealPath());
    });
    same("40 links are followed, not 41", b -> {
      for (int i = 1; i <= 41; i++) {
        Files.createSymbolicLink(b.resolve("c" + i), b.getFileSystem().getPath(i == 1 ? "f" : "c" + (i - 1)));
      }
      return Files.size(b.resolve("c40")) + " " + Files.exists(b.resolve("c41")) + " " + Files.notExists(b.resolve("c41"));
    });
    same("createSymbolicLink over a file", b -> Files.createSymbolicLink(b.resolve("f"), b.getFileSystem().getPath("x")));
    same("createSymbolicLink over a dangling link", b -> Files.createSymbolicLink(b.resolve("dang"), b.getFileSystem().getPath("x")));
    same("createSymbolicLink without its directory", b -> Files.createSymbolicLink(b.resolve("x/y"), b.getFileSystem().getPath("f")));
    same("readSymbolicLink of a file", b -> Files.readSymbolicLink(b.resolve("f")));
    same("readSymbolicLink of a missing file", b -> Files.readSymbolicLink(b.resolve("zz")));
    same("readSymbolicLink through a link", b -> Files.readSymbolicLink(b.resolve("ld/../lf")));
    same("a link loop", b -> Files.isSymbolicLink(b.resolve("loop")) + " " + Files.exists(b.resolve("loop")) + " "
        + Files.notExists(b.resolve("loop")) + " " + Files.readSymbolicLink(b.resolve("loop")));
    likeLinux("createSymbolicLink under a file", b -> Files.createSymbolicLink(b.resolve("f/x"), b.getFileSystem().getPath("f")),
        "!FileSystemException(f/x)", "!NoSuchFileException(f/x)");
    // symlink(2) refuses an empty target (ENOENT); Jimfs makes the link
    likeLinux("createSymbolicLink to an empty path", b -> Files.createSymbolicLink(b.resolve("n"), b.getFileSystem().getPath("")),
        "!NoSuchFileException(n)", "n");
    // the JDK refuses initial attributes for a link; Jimfs takes them
    likeLinux("createSymbolicLink with permissions", b -> Files.createSymbolicLink(b.resolve("n"), b.resolve("f"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))),
        "!UnsupportedOperationException", "n");
  }

  @Test
  void hardLinks() {
    same("createLink", b -> {
      Files.createLink(b.resolve("h"), b.resolve("f"));
      Files.write(b.resolve("h"), new byte[] {7}, APPEND);
      Files.delete(b.resolve("f"));
      return Arrays.toString(Files.readAllBytes(b.resolve("h"))) + " " + Files.getAttribute(b.resolve("h"), "unix:nlink");
    });
    same("createLink through a link to a directory", b -> {
      Files.createLink(b.resolve("h"), b.resolve("ld/g"));
      return Files.isSameFile(b.resolve("h"), b.resolve("d/g")) + " " + Files.getAttribute(b.resolve("d/g"), "unix:nlink");
    });
    same("createLink to a directory", b -> Files.createLink(b.resolve("h"), b.resolve("d")));
    // link(2)'s errors name both paths in the JDK; Jimfs names one
    likeLinux("createLink over an existing name", b -> Files.createLink(b.resolve("f2"), b.resolve("f")),
        "!FileAlreadyExistsException(f2 -> f)", "!FileAlreadyExistsException(f2)");
    likeLinux("createLink to a missing file", b -> Files.createLink(b.resolve("h"), b.resolve("zz")),
        "!NoSuchFileException(h -> zz)", "!NoSuchFileException(zz)");
    likeLinux("createLink without its directory", b -> Files.createLink(b.resolve("x/h"), b.resolve("f")),
        "!NoSuchFileException(x/h -> f)", "!NoSuchFileException(x/h)");
    // link(2) does not follow a link: it links the link itself. Jimfs follows it
    likeLinux("createLink to a link", b -> {
      Files.createLink(b.resolve("h"), b.resolve("lf"));
      return Files.isSymbolicLink(b.resolve("h")) + " " + Files.isSameFile(b.resolve("h"), b.resolve("f"));
    }, "true true", "false true");
    likeLinux("createLink to a dangling link", b -> {
      Files.createLink(b.resolve("h"), b.resolve("dang"));
      return Files.readSymbolicLink(b.resolve("h"));
    }, "nowhere", "!NoSuchFileException(dang)");
  }

  // ---- stores ----------------------------------------------------------------------------------

  @Test
  void fileStores() throws IOException {
    same("getFileStore of a file and of a link", b -> Files.getFileStore(b.resolve("f")).equals(Files.getFileStore(b.resolve("ld"))));
    // Linux stats the path; Jimfs answers for any path
    likeLinux("getFileStore of a missing file", b -> Files.getFileStore(b.resolve("zz")) != null,
        "!NoSuchFileException(zz)", "true");
    likeLinux("getFileStore of a dangling link", b -> Files.getFileStore(b.resolve("dang")) != null,
        "!NoSuchFileException(dang)", "true");

    FileStore store = Files.getFileStore(daxRoot);
    assertThat(store.type()).isEqualTo("daxfs");
    assertThat(store.getBlockSize()).isEqualTo(512);
    assertThat(store.isReadOnly()).isFalse();
    assertThat(store.getTotalSpace()).isEqualTo(64 << 20);
    assertThat(store.getUsableSpace()).isLessThanOrEqualTo(store.getTotalSpace());
    assertThat(store.getAttribute("totalSpace")).isEqualTo(store.getTotalSpace());
    assertThat(store.supportsFileAttributeView("posix")).isTrue();
    assertThat(store.supportsFileAttributeView(PosixFileAttributeView.class)).isTrue();
    assertThat(store.supportsFileAttributeView("dos")).isFalse();
    assertThat(dax.getFileStores()).containsExactly(store);
    assertThatThrownBy(() -> store.getAttribute("foo")).isInstanceOf(UnsupportedOperationException.class);
  }

  // ---- secure directory streams ----------------------------------------------------------------

  private interface SdsOp {
    Object run(Path base, SecureDirectoryStream<Path> stream) throws Exception;
  }

  /** {@code op} on a secure stream of the fixture, with relative paths from {@code base}'s filesystem. */
  private static Op secure(SdsOp op) {
    return b -> {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(b)) {
        assertThat(s).isInstanceOf(SecureDirectoryStream.class);
        return op.run(b, (SecureDirectoryStream<Path>) s);
      }
    };
  }

  private static Path rel(Path b, String name) {
    return b.getFileSystem().getPath(name);
  }

  @Test
  void secureDirectoryStreams() {
    same("deleteFile, deleteDirectory", secure((b, s) -> {
      s.deleteFile(rel(b, "f"));
      s.deleteFile(rel(b, "ld"));
      s.deleteDirectory(rel(b, "e"));
      s.deleteFile(rel(b, "d/g"));
      return names(Files.newDirectoryStream(b)) + " " + names(Files.newDirectoryStream(b.resolve("d")));
    }));
    same("deleteFile of a directory", secure((b, s) -> {
      s.deleteFile(rel(b, "e"));
      return "deleted";
    }));
    same("deleteDirectory of a file", secure((b, s) -> {
      s.deleteDirectory(rel(b, "f"));
      return "deleted";
    }));
    same("deleteDirectory of a link to a directory", secure((b, s) -> {
      s.deleteDirectory(rel(b, "ld"));
      return "deleted";
    }));
    same("deleteFile of a missing file", secure((b, s) -> {
      s.deleteFile(rel(b, "zz"));
      return "deleted";
    }));
    same("deleteFile with an absolute path", secure((b, s) -> {
      s.deleteFile(b.resolve("f2"));
      return Files.exists(b.resolve("f2"));
    }));
    same("newByteChannel", secure((b, s) -> {
      try (SeekableByteChannel ch = s.newByteChannel(rel(b, "n"), Set.of(WRITE, CREATE_NEW))) {
        ch.write(ByteBuffer.wrap(new byte[] {1, 2}));
      }
      try (SeekableByteChannel ch = s.newByteChannel(rel(b, "lf"), Set.of(READ))) {
        return Files.size(b.resolve("n")) + " " + ch.size();
      }
    }));
    same("newByteChannel of a directory", secure((b, s) -> s.newByteChannel(rel(b, "d"), Set.of(WRITE))));
    same("a stream stays on its directory when it is renamed", b -> {
      try (SecureDirectoryStream<Path> s = (SecureDirectoryStream<Path>) Files.newDirectoryStream(b.resolve("d"))) {
        Files.move(b.resolve("d"), b.resolve("moved"));
        try (SeekableByteChannel ch = s.newByteChannel(rel(b, "g"), Set.of(READ))) {
          return ch.size() + " " + s.getFileAttributeView(BasicFileAttributeView.class).readAttributes().isDirectory();
        }
      }
    });
    same("move", b -> {
      try (SecureDirectoryStream<Path> s = (SecureDirectoryStream<Path>) Files.newDirectoryStream(b.resolve("d"));
          SecureDirectoryStream<Path> t = (SecureDirectoryStream<Path>) Files.newDirectoryStream(b.resolve("e"))) {
        s.move(rel(b, "g"), t, rel(b, "g2"));
        return names(Files.newDirectoryStream(b.resolve("d"))) + " " + names(Files.newDirectoryStream(b.resolve("e")));
      }
    });
    likeLinux("move of a missing file", secure((b, s) -> {
      s.move(rel(b, "zz"), s, rel(b, "n"));
      return "moved";
    }), "!NoSuchFileException(zz -> n)", "!NoSuchFileException(zz)");
    same("newDirectoryStream", secure((b, s) -> {
      try (SecureDirectoryStream<Path> sub = s.newDirectoryStream(rel(b, "ld"))) {
        List<String> l = new ArrayList<>();
        sub.forEach(p -> l.add(p.toString()));
        l.sort(null);
        return l;
      }
    }));
    same("newDirectoryStream of a file", secure((b, s) -> s.newDirectoryStream(rel(b, "f"))));
    same("attribute views", secure((b, s) -> s.getFileAttributeView(rel(b, "f"), BasicFileAttributeView.class).readAttributes().size()
        + " " + s.getFileAttributeView(BasicFileAttributeView.class).readAttributes().isDirectory() + " "
        + s.getFileAttributeView(rel(b, "lf"), BasicFileAttributeView.class, NOFOLLOW_LINKS).readAttributes().isSymbolicLink()
        + " " + s.getFileAttributeView(rel(b, "f"), PosixFileAttributeView.class).readAttributes().permissions().size()));
    same("an operation on a closed stream", b -> {
      SecureDirectoryStream<Path> s = (SecureDirectoryStream<Path>) Files.newDirectoryStream(b);
      s.close();
      s.deleteFile(rel(b, "f"));
      return "deleted";
    });
    // SecureDirectoryStream.move is renameat(2): it replaces an existing target, and refuses a
    // non-empty directory with ENOTEMPTY; Jimfs refuses any existing target
    likeLinux("move over a file", secure((b, s) -> {
      s.move(rel(b, "f2"), s, rel(b, "f"));
      return Files.size(b.resolve("f"));
    }), "2", "!FileAlreadyExistsException(f)");
    likeLinux("move over a non-empty directory", secure((b, s) -> {
      s.move(rel(b, "e"), s, rel(b, "d"));
      return "moved";
    }), "!FileSystemException(e -> d)", "!FileAlreadyExistsException(d)");
    // opening a link as a directory with NOFOLLOW_LINKS is ELOOP; Jimfs says it is no directory
    likeLinux("newDirectoryStream of a link with NOFOLLOW_LINKS", secure((b, s) -> s.newDirectoryStream(rel(b, "ld"), NOFOLLOW_LINKS)),
        "!FileSystemException(ld)", "!NotDirectoryException(ld)");
  }

  // ---- across filesystems ----------------------------------------------------------------------

  /** An operation from a fixture under {@code source} to an almost empty directory {@code target}. */
  @FunctionalInterface
  private interface CrossOp {
    Object run(Path source, Path target) throws Exception;
  }

  /** What {@code op} does from a fresh fixture in {@code from} to a fresh directory in {@code to}. */
  private String cross(Path from, Path to, CrossOp op) {
    int n = checks++;
    Path source = from.resolve("s" + n);
    Path target = to.resolve("t" + n); // another name: neither path is a prefix of the other
    try {
      Files.createDirectory(source);
      fixture(source);
      Files.setLastModifiedTime(source.resolve("f"), FileTime.fromMillis(123_000));
      Files.createDirectory(target);
      Files.createFile(target.resolve("exists"));
      Files.createDirectories(target.resolve("full/x"));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    String result;
    try {
      result = render(target, op.run(source, target));
    } catch (Exception e) {
      result = thrown(target, e);
    }
    return result.replace(source + "/", "").replace(target + "/", "");
  }

  private static final List<CrossCheck> CROSS_CHECKS = List.of(
      new CrossCheck("copy a file", (s, t) -> Files.copy(s.resolve("f"), t.resolve("n")) + " "
          + Arrays.toString(Files.readAllBytes(t.resolve("n"))) + " " + (Files.getLastModifiedTime(t.resolve("n")).toMillis() > 123_000)),
      new CrossCheck("copy a file with COPY_ATTRIBUTES", (s, t) -> Files.copy(s.resolve("f"), t.resolve("n"), COPY_ATTRIBUTES) + " "
          + Files.getLastModifiedTime(t.resolve("n")).toMillis()),
      new CrossCheck("copy over a file", (s, t) -> Files.copy(s.resolve("f"), t.resolve("exists"))),
      new CrossCheck("copy over a file, REPLACE_EXISTING", (s, t) -> Files.copy(s.resolve("f"), t.resolve("exists"), REPLACE_EXISTING)
          + " " + Files.size(t.resolve("exists"))),
      new CrossCheck("copy over a non-empty directory, REPLACE_EXISTING", (s, t) -> Files.copy(s.resolve("f"), t.resolve("full"), REPLACE_EXISTING)),
      new CrossCheck("copy a directory", (s, t) -> Files.copy(s.resolve("d"), t.resolve("n")) + " " + names(Files.newDirectoryStream(t.resolve("n")))),
      new CrossCheck("copy a link", (s, t) -> Files.copy(s.resolve("lf"), t.resolve("n")) + " " + Files.isSymbolicLink(t.resolve("n"))
          + " " + Files.size(t.resolve("n"))),
      new CrossCheck("copy a missing file", (s, t) -> Files.copy(s.resolve("zz"), t.resolve("n"))),
      new CrossCheck("copy into a missing directory", (s, t) -> Files.copy(s.resolve("f"), t.resolve("x/y"))),
      new CrossCheck("copy a stream", (s, t) -> {
        try (InputStream in = Files.newInputStream(s.resolve("f"))) {
          return Files.copy(in, t.resolve("n")) + " " + Arrays.toString(Files.readAllBytes(t.resolve("n")));
        }
      }),
      new CrossCheck("move a file", (s, t) -> Files.move(s.resolve("f"), t.resolve("n")) + " " + Files.exists(s.resolve("f")) + " "
          + Files.getLastModifiedTime(t.resolve("n")).toMillis()),
      new CrossCheck("move an empty directory", (s, t) -> Files.move(s.resolve("e"), t.resolve("n")) + " " + Files.exists(s.resolve("e"))
          + " " + Files.isDirectory(t.resolve("n"))),
      new CrossCheck("move over a file", (s, t) -> Files.move(s.resolve("f"), t.resolve("exists"))),
      new CrossCheck("move over a file, REPLACE_EXISTING", (s, t) -> Files.move(s.resolve("f"), t.resolve("exists"), REPLACE_EXISTING)
          + " " + Files.size(t.resolve("exists"))));

  private record CrossCheck(String what, CrossOp op) {}

  /**
   * Copies and moves between providers go through the JDK's generic code, which sees daxfs only
   * through its streams and attributes: daxfs as the source (or target) must give what Jimfs (or
   * the default filesystem) gives in its place.
   */
  @Test
  void copyAndMoveAcrossProviders() throws IOException {
    Path jimfsTarget = Files.createDirectory(jimfs.getPath("/cross"));
    Path daxTarget = Files.createDirectory(dax.getPath("/cross"));
    Path host = Files.createDirectory(tmp.resolve("cross"));
    try (FileSystem otherJimfs = Jimfs.newFileSystem(JIMFS_UNIX)) {
      Path otherJimfsRoot = otherJimfs.getPath("/");
      for (CrossCheck c : CROSS_CHECKS) {
        // daxfs -> Jimfs, as the default filesystem -> Jimfs
        String fromDax = cross(daxRoot, jimfsTarget, c.op);
        String fromHost = cross(host, jimfsTarget, c.op);
        if (!fromDax.equals(fromHost)) {
          mismatches.add(c.what + ", to Jimfs:\n    from daxfs: " + fromDax + "\n    from the default filesystem: " + fromHost);
        }
        // Jimfs -> daxfs, as Jimfs -> the default filesystem
        String toDax = cross(otherJimfsRoot, daxTarget, c.op);
        String toHost = cross(otherJimfsRoot, host, c.op);
        if (!toDax.equals(toHost)) {
          mismatches.add(c.what + ", from Jimfs:\n    to daxfs: " + toDax + "\n    to the default filesystem: " + toHost);
        }
        // daxfs -> the default filesystem, as Jimfs -> the default filesystem
        String daxToHost = cross(daxRoot, host, c.op);
        String jimfsToHost = cross(otherJimfsRoot, host, c.op);
        if (!daxToHost.equals(jimfsToHost)) {
          mismatches.add(c.what + ", to the default filesystem:\n    from daxfs: " + daxToHost + "\n    from Jimfs: " + jimfsToHost);
        }
      }
    }
  }

  /** Between two daxfs filesystems daxfs copies itself: as Jimfs does between two of its own. */
  @Test
  void copyAndMoveBetweenTwoDaxFileSystems() throws IOException {
    try (FileSystem dax2 = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(16 << 20).build());
        FileSystem jimfs2 = Jimfs.newFileSystem(JIMFS_UNIX)) {
      List<CrossCheck> checks = new ArrayList<>(CROSS_CHECKS);
      checks.add(new CrossCheck("copy a link with NOFOLLOW_LINKS", (s, t) -> Files.copy(s.resolve("lf"), t.resolve("n"), NOFOLLOW_LINKS)
          + " " + Files.readSymbolicLink(t.resolve("n"))));
      checks.add(new CrossCheck("move a link", (s, t) -> Files.move(s.resolve("lf"), t.resolve("n")) + " "
          + Files.readSymbolicLink(t.resolve("n")) + " " + Files.exists(s.resolve("lf"), NOFOLLOW_LINKS)));
      checks.add(new CrossCheck("move a non-empty directory", (s, t) -> Files.move(s.resolve("d"), t.resolve("n"))));
      Path daxTarget = dax2.getPath("/");
      Path jimfsTarget = jimfs2.getPath("/");
      for (CrossCheck c : checks) {
        String d = cross(daxRoot, daxTarget, c.op);
        String j = cross(jimfsRoot, jimfsTarget, c.op);
        if (!d.equals(j)) {
          mismatches.add(c.what + ", between two filesystems:\n    daxfs: " + d + "\n    Jimfs: " + j);
        }
      }
      // Two filesystems are two devices: rename(2) fails with EXDEV, which the JDK reports as
      // AtomicMoveNotSupportedException and link(2) as a FileSystemException; Jimfs moves, and
      // refuses the link with IllegalArgumentException
      CrossOp atomic = (s, t) -> Files.move(s.resolve("f"), t.resolve("n"), ATOMIC_MOVE);
      assertThat(cross(daxRoot, daxTarget, atomic)).isEqualTo("!AtomicMoveNotSupportedException(f -> n)");
      assertThat(cross(jimfsRoot, jimfsTarget, atomic)).isEqualTo("n");
      CrossOp link = (s, t) -> Files.createLink(t.resolve("n"), s.resolve("f"));
      assertThat(cross(daxRoot, daxTarget, link)).isEqualTo("!FileSystemException(n -> f)");
      assertThat(cross(jimfsRoot, jimfsTarget, link)).isEqualTo("!IllegalArgumentException");
      assertThat(Files.isSameFile(daxRoot, daxTarget)).isFalse();
      // Across devices the JDK copies with COPY_ATTRIBUTES, and moves, keeping the permissions;
      // Jimfs keeps only the basic attributes between two of its filesystems
      CrossOp copyWithAttributes = (s, t) -> {
        Files.setPosixFilePermissions(s.resolve("f"), PosixFilePermissions.fromString("rwx------"));
        Files.copy(s.resolve("f"), t.resolve("n"), COPY_ATTRIBUTES);
        return perms(Files.getPosixFilePermissions(t.resolve("n")));
      };
      assertThat(cross(daxRoot, daxTarget, copyWithAttributes)).isEqualTo("rwx------");
      assertThat(cross(jimfsRoot, jimfsTarget, copyWithAttributes)).isEqualTo("rw-r--r--");
      CrossOp moveKeepsPermissions = (s, t) -> {
        Files.setPosixFilePermissions(s.resolve("f"), PosixFilePermissions.fromString("rwx------"));
        Files.move(s.resolve("f"), t.resolve("n"));
        return perms(Files.getPosixFilePermissions(t.resolve("n")));
      };
      assertThat(cross(daxRoot, daxTarget, moveKeepsPermissions)).isEqualTo("rwx------");
      assertThat(cross(jimfsRoot, jimfsTarget, moveKeepsPermissions)).isEqualTo("rw-r--r--");
    }
  }

  // ---- URIs and the provider's filesystems -----------------------------------------------------

  @Test
  void uriRoundTrip() throws IOException {
    Path dir = Files.createDirectories(dax.getPath("/u/a dir"));
    Path file = Files.createFile(dir.resolve("f%#?\u00e9"));
    for (Path p : List.of(dir, file, dax.getPath("/"), dax.getPath("/missing/x"), dax.getPath("rel"))) {
      URI uri = p.toUri();
      assertThat(uri.getScheme()).isEqualTo("dax");
      assertThat(uri.isAbsolute()).isTrue();
      assertThat(Paths.get(uri)).as("Paths.get(%s)", uri).isEqualTo(p.toAbsolutePath());
      assertThat(Path.of(uri)).isEqualTo(p.toAbsolutePath());
    }
    // as the default provider and Jimfs do, an existing directory's URI ends in "/"
    assertThat(dir.toUri().toString()).endsWith("/a%20dir/");
    assertThat(jimfs.getPath("/w").toUri().toString()).endsWith("/w/");
    assertThat(file.toUri().toString()).doesNotEndWith("/");
    assertThat(file.toUri().getPath()).isEqualTo("/u/a dir/f%#?\u00e9");
  }

  @Test
  void fileSystemsByUri() throws IOException {
    URI uri = URI.create("dax://comparison-test");
    FileSystem fs = FileSystems.newFileSystem(uri, Map.of("deviceSize", "64m"));
    try {
      assertThat(fs.provider().getScheme()).isEqualTo("dax");
      assertThat(FileSystems.getFileSystem(uri)).isSameAs(fs);
      assertThat(Files.getFileStore(fs.getPath("/")).getTotalSpace()).isEqualTo(64 << 20);
      assertThatThrownBy(() -> FileSystems.newFileSystem(uri, Map.of())).isInstanceOf(FileSystemAlreadyExistsException.class);
      Path p = Paths.get(URI.create("dax://comparison-test/a/b"));
      assertThat(p.getFileSystem()).isSameAs(fs);
      assertThat(p.toString()).isEqualTo("/a/b");
      Files.createDirectories(p);
      assertThat(Files.isDirectory(fs.getPath("/a/b"))).isTrue();
      assertThat(Paths.get(p.toUri())).isEqualTo(p);
      assertThatThrownBy(() -> FileSystems.newFileSystem(URI.create("dax://other"), Map.of("deviceSize", "lots")))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> FileSystems.newFileSystem(URI.create("dax://other"), Map.of("noSuchKey", "1")))
          .isInstanceOf(IllegalArgumentException.class);
    } finally {
      fs.close();
    }
    assertThat(fs.isOpen()).isFalse();
    assertThatThrownBy(() -> FileSystems.getFileSystem(uri)).isInstanceOf(FileSystemNotFoundException.class);
    assertThatThrownBy(() -> Paths.get(URI.create("dax://comparison-test/a"))).isInstanceOf(FileSystemNotFoundException.class);
    // the name is free again
    FileSystems.newFileSystem(uri, Map.of()).close();
  }
}
