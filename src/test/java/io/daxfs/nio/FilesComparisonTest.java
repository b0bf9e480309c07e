package io.daxfs.nio;

import static io.daxfs.nio.ThreeWayComparison.fixture;
import static io.daxfs.nio.ThreeWayComparison.render;
import static io.daxfs.nio.ThreeWayComparison.thrown;
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
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

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
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

/**
 * The same {@link Files} operations on daxfs, on Jimfs's Unix configuration and, on a Linux host,
 * on the JDK's default filesystem in a temporary directory: daxfs must give the same result, or
 * throw the same exception type naming the same files.
 *
 * <p>Each check is a dynamic test of its own, made by the {@link ThreeWayComparison} harness, which
 * runs the operation on a fresh copy of one small tree in each filesystem and says, when it fails,
 * what each of the three answered. The {@code @TestFactory} methods group the checks by topic.
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
  private ThreeWayComparison compare;

  /** Filesystems a factory opens for its dynamic tests, which run after it returns. */
  private final List<FileSystem> alsoOpen = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    dax = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(64 << 20).build());
    jimfs = Jimfs.newFileSystem(JIMFS_UNIX);
    daxRoot = Files.createDirectory(dax.getPath("/w"));
    jimfsRoot = Files.createDirectory(jimfs.getPath("/w"));
    // the real path, so that toRealPath's results relativize against it
    Path linuxRoot = LINUX ? Files.createDirectory(tmp.toRealPath().resolve("w")) : null;
    compare = new ThreeWayComparison(daxRoot, jimfsRoot, linuxRoot);
  }

  @AfterEach
  void tearDown() throws IOException {
    for (FileSystem fs : alsoOpen) {
      fs.close();
    }
    dax.close();
    jimfs.close();
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

  @TestFactory
  Stream<DynamicTest> createFile() {
    return Stream.of(
        compare.same(
            "createFile",
            b -> Files.createFile(b.resolve("n")) + " " + Files.isRegularFile(b.resolve("n"))),
        compare.same("createFile over a file", b -> Files.createFile(b.resolve("f"))),
        compare.same("createFile over a directory", b -> Files.createFile(b.resolve("d"))),
        compare.same(
            "createFile over a dangling link (O_EXCL never follows)",
            b -> Files.createFile(b.resolve("dang"))),
        compare.same("createFile over a link loop", b -> Files.createFile(b.resolve("loop"))),
        compare.same("createFile without its directory", b -> Files.createFile(b.resolve("x/y"))),
        compare.same(
            "createFile through a link to a directory",
            b -> Files.createFile(b.resolve("ld/n")) + " " + Files.exists(b.resolve("d/n"))),
        // ENOTDIR: Linux reports a file on the way as "Not a directory"; Jimfs says it does not
        // exist
        compare.likeLinux(
            "createFile under a file",
            b -> Files.createFile(b.resolve("f/y")),
            "!FileSystemException(f/y)",
            "!NoSuchFileException(f/y)"));
  }

  @TestFactory
  Stream<DynamicTest> createDirectories() {
    return Stream.of(
        compare.same(
            "createDirectory",
            b -> Files.createDirectory(b.resolve("n")) + " " + Files.isDirectory(b.resolve("n"))),
        compare.same(
            "createDirectory over a directory", b -> Files.createDirectory(b.resolve("d"))),
        compare.same("createDirectory over a file", b -> Files.createDirectory(b.resolve("f"))),
        compare.same(
            "createDirectory over a dangling link", b -> Files.createDirectory(b.resolve("dang"))),
        compare.same("createDirectory e/.", b -> Files.createDirectory(b.resolve("e/."))),
        compare.same("createDirectory e/..", b -> Files.createDirectory(b.resolve("e/.."))),
        compare.same("createDirectory of the root", b -> Files.createDirectory(b.getRoot())),
        compare.same(
            "createDirectory without its parent", b -> Files.createDirectory(b.resolve("x/y"))),
        compare.likeLinux(
            "createDirectory under a file",
            b -> Files.createDirectory(b.resolve("f/x")),
            "!FileSystemException(f/x)",
            "!NoSuchFileException(f/x)"),
        compare.same(
            "createDirectories",
            b ->
                Files.createDirectories(b.resolve("a/b/c"))
                    + " "
                    + Files.isDirectory(b.resolve("a/b"))),
        compare.same(
            "createDirectories of an existing one",
            b -> Files.createDirectories(b.resolve("d/sub"))),
        compare.same(
            "createDirectories through a link",
            b ->
                Files.createDirectories(b.resolve("ld/n/m"))
                    + " "
                    + Files.isDirectory(b.resolve("d/n/m"))),
        compare.same(
            "createDirectories of a link to a directory",
            b -> Files.createDirectories(b.resolve("ld"))),
        compare.same("createDirectories over a file", b -> Files.createDirectories(b.resolve("f"))),
        compare.same(
            "createDirectories over a dangling link",
            b -> Files.createDirectories(b.resolve("dang"))),
        compare.same(
            "createDirectories through a dangling link",
            b -> Files.createDirectories(b.resolve("dang/x"))),
        compare.likeLinux(
            "createDirectories under a file",
            b -> Files.createDirectories(b.resolve("f/x")),
            "!FileSystemException(f/x)",
            "!NoSuchFileException(f/x)"),
        // ELOOP: the JDK reports it as a FileSystemException naming the path; Jimfs as a bare
        // IOException
        compare.likeLinux(
            "createDirectories through a link loop",
            b -> Files.createDirectories(b.resolve("loop/x")),
            "!FileSystemException(loop)",
            "!IOException"),
        // Files.createDirectories creates the names of parent.relativize(dir), from the nearest
        // existing
        // directory: the JDK's relativize normalizes "..", so a missing "x" is not made; Jimfs's
        // does not
        compare.likeLinux(
            "createDirectories of d/x/../n",
            b ->
                Files.createDirectories(b.resolve("d/x/../n"))
                    + " "
                    + Files.exists(b.resolve("d/x"))
                    + " "
                    + Files.isDirectory(b.resolve("d/n")),
            "d/x/../n false true",
            "d/x/../n true true"),
        // a file on the way stops the walk up with ENOTDIR; on Jimfs it goes on, to a
        // FileAlreadyExistsException
        compare.likeLinuxOnJdk17(
            "createDirectories through a link to a path under a file",
            b -> {
              Files.createSymbolicLink(b.resolve("n"), b.getFileSystem().getPath("f/x"));
              return Files.createDirectories(b.resolve("n/m"));
            },
            "!FileSystemException(n)",
            "!FileAlreadyExistsException(n)"));
  }

  // ---- reading and writing ---------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> writeAndRead() {
    return Stream.of(
        compare.same(
            "write, readAllBytes",
            b -> {
              Files.write(b.resolve("n"), new byte[] {7, 8, 9});
              return Files.readAllBytes(b.resolve("n"));
            }),
        compare.same(
            "write replaces (CREATE, TRUNCATE_EXISTING, WRITE)",
            b -> {
              Files.write(b.resolve("f"), new byte[] {9});
              return Files.readAllBytes(b.resolve("f"));
            }),
        compare.same(
            "write with WRITE only overwrites in place",
            b -> {
              Files.write(b.resolve("f"), new byte[] {9}, WRITE);
              return Files.readAllBytes(b.resolve("f"));
            }),
        compare.same(
            "write with APPEND",
            b -> {
              Files.write(b.resolve("f"), new byte[] {9}, APPEND);
              return Files.readAllBytes(b.resolve("f"));
            }),
        compare.same(
            "write with APPEND to a missing file",
            b -> Files.write(b.resolve("n"), new byte[] {9}, APPEND)),
        compare.same(
            "write with APPEND, CREATE to a missing file",
            b -> {
              Files.write(b.resolve("n"), new byte[] {9}, APPEND, CREATE);
              return Files.readAllBytes(b.resolve("n"));
            }),
        compare.same(
            "write with CREATE_NEW to an existing file",
            b -> Files.write(b.resolve("f"), new byte[] {9}, CREATE_NEW, WRITE)),
        compare.same(
            "write with CREATE_NEW to a dangling link",
            b -> Files.write(b.resolve("dang"), new byte[] {9}, CREATE_NEW, WRITE)),
        compare.same(
            "write through a link",
            b -> {
              Files.write(b.resolve("lf"), new byte[] {9});
              return Arrays.toString(Files.readAllBytes(b.resolve("f")))
                  + " "
                  + Files.isSymbolicLink(b.resolve("lf"));
            }),
        compare.same("write to a directory", b -> Files.write(b.resolve("d"), new byte[] {9})),
        compare.same(
            "write to a link to a directory", b -> Files.write(b.resolve("ld"), new byte[] {9})),
        compare.same(
            "write without the directory", b -> Files.write(b.resolve("x/y"), new byte[] {9})),
        // open(O_CREAT) through a dangling link creates the link's target; Jimfs refuses
        compare.likeLinux(
            "write through a dangling link",
            b -> {
              Files.write(b.resolve("dang"), new byte[] {9});
              return Arrays.toString(Files.readAllBytes(b.resolve("nowhere")))
                  + " "
                  + Files.isSymbolicLink(b.resolve("dang"));
            },
            "[9] true",
            "!FileSystemException(dang)"),
        compare.likeLinux(
            "write through a link loop",
            b -> Files.write(b.resolve("loop"), new byte[] {9}),
            "!FileSystemException(loop)",
            "!IOException"),
        compare.same("readAllBytes through a link", b -> Files.readAllBytes(b.resolve("lf"))),
        compare.same("readAllBytes of a missing file", b -> Files.readAllBytes(b.resolve("zz"))),
        compare.same("readAllBytes of a dangling link", b -> Files.readAllBytes(b.resolve("dang"))),
        compare.likeLinux(
            "readAllBytes of a link loop",
            b -> Files.readAllBytes(b.resolve("loop")),
            "!FileSystemException(loop)",
            "!IOException"),
        // Linux opens a directory for reading and fails the read with a bare IOException "Is a
        // directory", as daxfs does; Jimfs refuses the open with a FileSystemException naming the
        // path.
        compare.likeLinux(
            "readAllBytes of a directory",
            b -> Files.readAllBytes(b.resolve("d")),
            "!IOException",
            "!FileSystemException(d)"),
        compare.likeLinux(
            "readAllLines of a directory",
            b -> Files.readAllLines(b.resolve("d")),
            "!IOException",
            "!FileSystemException(d)"));
  }

  @TestFactory
  Stream<DynamicTest> strings() {
    return Stream.of(
        compare.same(
            "writeString, readString",
            b -> {
              Files.writeString(b.resolve("n"), "h\u00e9llo\nw\u00f6rld");
              return Files.readString(b.resolve("n")) + " " + Files.size(b.resolve("n"));
            }),
        compare.same(
            "writeString with a charset",
            b -> {
              Files.writeString(b.resolve("n"), "h\u00e9", ISO_8859_1, CREATE_NEW, WRITE);
              return Files.readString(b.resolve("n"), ISO_8859_1)
                  + " "
                  + Arrays.toString(Files.readAllBytes(b.resolve("n")));
            }),
        compare.same(
            "writeString with APPEND",
            b -> {
              Files.writeString(b.resolve("f"), "xy", APPEND);
              return Files.readAllBytes(b.resolve("f"));
            }),
        compare.same(
            "readString of bad UTF-8",
            b -> {
              Files.write(b.resolve("n"), new byte[] {(byte) 0xff, (byte) 0xfe});
              return Files.readString(b.resolve("n"));
            }),
        compare.same(
            "write lines, readAllLines",
            b -> {
              Files.write(b.resolve("n"), List.of("a", "", "c"));
              return Files.readAllLines(b.resolve("n")) + " " + Files.size(b.resolve("n"));
            }),
        compare.same(
            "lines",
            b -> {
              Files.writeString(b.resolve("n"), "a\nb\r\nc");
              return Files.lines(b.resolve("n"));
            }),
        compare.same(
            "lines with a charset",
            b -> {
              Files.write(b.resolve("n"), List.of("\u00e9t\u00e9"), ISO_8859_1);
              return Files.lines(b.resolve("n"), ISO_8859_1);
            }),
        compare.same("lines of a missing file", b -> Files.lines(b.resolve("zz"))));
  }

  @TestFactory
  Stream<DynamicTest> readersAndWriters() {
    return Stream.of(
        compare.same(
            "newBufferedWriter, newBufferedReader",
            b -> {
              try (BufferedWriter w = Files.newBufferedWriter(b.resolve("n"))) {
                w.write("one\ntwo\n");
              }
              try (BufferedReader r = Files.newBufferedReader(b.resolve("n"))) {
                return r.readLine() + "," + r.readLine() + "," + r.readLine();
              }
            }),
        compare.same(
            "newBufferedWriter with APPEND",
            b -> {
              try (BufferedWriter w = Files.newBufferedWriter(b.resolve("n"), CREATE, APPEND)) {
                w.write("a");
              }
              try (BufferedWriter w = Files.newBufferedWriter(b.resolve("n"), CREATE, APPEND)) {
                w.write("b");
              }
              return Files.readString(b.resolve("n"));
            }),
        compare.same(
            "newBufferedWriter with CREATE_NEW over a file",
            b -> Files.newBufferedWriter(b.resolve("f"), CREATE_NEW, WRITE)),
        compare.same(
            "newBufferedReader of a missing file", b -> Files.newBufferedReader(b.resolve("zz"))),
        compare.same(
            "newBufferedReader with a charset",
            b -> {
              Files.write(b.resolve("n"), new byte[] {(byte) 0xe9});
              try (BufferedReader r = Files.newBufferedReader(b.resolve("n"), ISO_8859_1)) {
                return r.read();
              }
            }),
        // the JDK refuses READ for an output stream with IllegalArgumentException; Jimfs with
        // UnsupportedOperationException
        compare.likeLinux(
            "newBufferedWriter with READ",
            b -> Files.newBufferedWriter(b.resolve("f"), READ),
            "!IllegalArgumentException",
            "!UnsupportedOperationException"),
        compare.likeLinux(
            "newBufferedReader of a directory",
            b -> {
              try (BufferedReader r = Files.newBufferedReader(b.resolve("d"))) {
                return r.read();
              }
            },
            "!IOException",
            "!FileSystemException(d)"));
  }

  @TestFactory
  Stream<DynamicTest> streams() {
    return Stream.of(
        compare.same(
            "newOutputStream, newInputStream",
            b -> {
              try (OutputStream out = Files.newOutputStream(b.resolve("n"))) {
                out.write(new byte[] {1, 2, 3, 4, 5});
                out.write(6);
              }
              try (InputStream in = Files.newInputStream(b.resolve("n"))) {
                byte[] two = in.readNBytes(2);
                return Arrays.toString(two)
                    + " avail="
                    + in.available()
                    + " skip="
                    + in.skip(2)
                    + " read="
                    + in.read()
                    + " skipPastEnd="
                    + in.skip(10)
                    + " read="
                    + in.read()
                    + " avail="
                    + in.available();
              }
            }),
        // the JDK's channel stream skips backwards for a negative count (within the stream);
        // Jimfs's
        // skips nothing
        compare.likeLinux(
            "InputStream.skip backwards",
            b -> {
              try (InputStream in = Files.newInputStream(b.resolve("f"))) {
                in.skip(2);
                return in.skip(-1) + " " + in.read() + " " + in.skip(-5);
              }
            },
            "-1 2 -2",
            "0 3 0"),
        compare.same(
            "newOutputStream truncates by default",
            b -> {
              try (OutputStream out = Files.newOutputStream(b.resolve("f"))) {
                out.write(9);
              }
              return Files.readAllBytes(b.resolve("f"));
            }),
        compare.same(
            "newOutputStream with WRITE only",
            b -> {
              try (OutputStream out = Files.newOutputStream(b.resolve("f"), WRITE)) {
                out.write(9);
              }
              return Files.readAllBytes(b.resolve("f"));
            }),
        compare.same(
            "newOutputStream with APPEND",
            b -> {
              try (OutputStream out = Files.newOutputStream(b.resolve("f"), APPEND)) {
                out.write(9);
              }
              return Files.readAllBytes(b.resolve("f"));
            }),
        compare.same(
            "newOutputStream with CREATE_NEW over a file",
            b -> Files.newOutputStream(b.resolve("f"), CREATE_NEW)),
        compare.same("newOutputStream to a directory", b -> Files.newOutputStream(b.resolve("d"))),
        compare.likeLinux(
            "newOutputStream with READ",
            b -> Files.newOutputStream(b.resolve("f"), READ),
            "!IllegalArgumentException",
            "!UnsupportedOperationException"),
        compare.same("newInputStream with WRITE", b -> Files.newInputStream(b.resolve("f"), WRITE)),
        compare.same(
            "newInputStream with APPEND", b -> Files.newInputStream(b.resolve("f"), APPEND)),
        compare.same(
            "newInputStream of a missing file", b -> Files.newInputStream(b.resolve("zz"))),
        compare.same(
            "newInputStream of a link",
            b -> {
              try (InputStream in = Files.newInputStream(b.resolve("lf"))) {
                return in.readAllBytes();
              }
            }),
        // The JDK's streams are channels: a closed one throws ClosedChannelException; Jimfs's own
        // streams throw a bare IOException
        compare.likeLinux(
            "write to a closed output stream",
            b -> {
              OutputStream out = Files.newOutputStream(b.resolve("f"));
              out.close();
              out.write(1);
              return "written";
            },
            "!ClosedChannelException",
            "!IOException"),
        compare.likeLinux(
            "read from a closed input stream",
            b -> {
              InputStream in = Files.newInputStream(b.resolve("f"));
              in.close();
              return in.read();
            },
            "!ClosedChannelException",
            "!IOException"),
        compare.likeLinux(
            "newInputStream of a directory",
            b -> {
              try (InputStream in = Files.newInputStream(b.resolve("d"))) {
                return in.read();
              }
            },
            "!IOException",
            "!FileSystemException(d)"),
        // An O_NOFOLLOW open of a link: the JDK reports ELOOP as a bare IOException
        // "(NOFOLLOW_LINKS
        // specified)" without the path; daxfs keeps the FileSystemException that names it, as
        // Jimfs.
        compare.likeJimfsNotLinux(
            "newInputStream of a link with NOFOLLOW_LINKS",
            b -> Files.newInputStream(b.resolve("lf"), NOFOLLOW_LINKS),
            "!FileSystemException(lf)",
            "!IOException"));
  }

  @TestFactory
  Stream<DynamicTest> byteChannels() {
    return Stream.of(
        compare.same(
            "newByteChannel: READ by default",
            b -> {
              try (SeekableByteChannel ch = Files.newByteChannel(b.resolve("f"))) {
                ByteBuffer buf = ByteBuffer.allocate(10);
                return ch.read(buf) + " " + ch.position() + " " + ch.size();
              }
            }),
        compare.same(
            "newByteChannel with CREATE without WRITE creates nothing",
            b -> Files.newByteChannel(b.resolve("n"), CREATE)),
        compare.same(
            "newByteChannel with TRUNCATE_EXISTING without WRITE truncates nothing",
            b -> {
              Files.newByteChannel(b.resolve("f"), READ, TRUNCATE_EXISTING).close();
              return Files.size(b.resolve("f"));
            }),
        compare.same(
            "newByteChannel of a directory for writing",
            b -> Files.newByteChannel(b.resolve("d"), WRITE)),
        compare.likeLinux(
            "newByteChannel with READ, APPEND",
            b -> Files.newByteChannel(b.resolve("f"), READ, APPEND),
            "!IllegalArgumentException",
            "!UnsupportedOperationException"),
        // Jimfs accepts APPEND with TRUNCATE_EXISTING; the JDK refuses the pair
        compare.likeLinux(
            "newByteChannel with APPEND, TRUNCATE_EXISTING",
            b -> {
              Files.newByteChannel(b.resolve("f"), WRITE, APPEND, TRUNCATE_EXISTING).close();
              return "opened";
            },
            "!IllegalArgumentException",
            "opened"),
        // Jimfs ignores DELETE_ON_CLOSE
        compare.likeLinux(
            "newByteChannel with DELETE_ON_CLOSE",
            b -> {
              try (SeekableByteChannel ch =
                  Files.newByteChannel(b.resolve("n"), CREATE_NEW, WRITE, DELETE_ON_CLOSE)) {
                ch.write(ByteBuffer.wrap(new byte[] {1}));
              }
              return Files.exists(b.resolve("n"));
            },
            "false",
            "true"),
        compare.likeLinux(
            "newByteChannel of a directory",
            b -> {
              try (SeekableByteChannel ch = Files.newByteChannel(b.resolve("d"))) {
                return ch.read(ByteBuffer.allocate(1));
              }
            },
            "!IOException",
            "!FileSystemException(d)"));
  }

  @TestFactory
  Stream<DynamicTest> fileChannels() {
    return Stream.of(
        compare.same(
            "FileChannel.write past the end makes a hole of zeros",
            b -> {
              try (FileChannel ch = FileChannel.open(b.resolve("f"), WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {9}), 6);
                return ch.size() + " " + Arrays.toString(Files.readAllBytes(b.resolve("f")));
              }
            }),
        compare.same(
            "FileChannel.truncate above the size, then below the position",
            b -> {
              try (FileChannel ch = FileChannel.open(b.resolve("f"), WRITE)) {
                ch.position(3);
                ch.truncate(10); // never grows
                long grown = ch.size();
                ch.truncate(1);
                return grown + " " + ch.size() + " " + ch.position();
              }
            }),
        compare.same(
            "FileChannel.write at a position with APPEND appends",
            b -> {
              try (FileChannel ch = FileChannel.open(b.resolve("f"), APPEND)) {
                ch.write(ByteBuffer.wrap(new byte[] {9}), 0);
                return ch.size()
                    + " "
                    + ch.position()
                    + " "
                    + Arrays.toString(Files.readAllBytes(b.resolve("f")));
              }
            }),
        compare.same(
            "FileChannel.read past the end",
            b -> {
              try (FileChannel ch = FileChannel.open(b.resolve("f"), READ)) {
                ByteBuffer buf = ByteBuffer.allocate(4);
                return ch.read(buf, 2)
                    + " "
                    + ch.read(buf.clear(), 3)
                    + " "
                    + ch.read(buf.clear(), 100);
              }
            }),
        compare.same(
            "FileChannel.truncate on a read-only channel",
            b -> {
              try (FileChannel ch = FileChannel.open(b.resolve("f"), READ)) {
                return ch.truncate(0);
              }
            }),
        compare.same(
            "FileChannel.write on a read-only channel",
            b -> {
              try (FileChannel ch = FileChannel.open(b.resolve("f"), READ)) {
                return ch.write(ByteBuffer.allocate(1));
              }
            }),
        compare.same(
            "FileChannel.read on a write-only channel",
            b -> {
              try (FileChannel ch = FileChannel.open(b.resolve("f"), WRITE)) {
                return ch.read(ByteBuffer.allocate(1));
              }
            }),
        // write(2) of zero bytes writes nothing: past the end it does not grow the file; Jimfs
        // grows it
        compare.likeLinux(
            "FileChannel.write of no bytes past the end",
            b -> {
              try (FileChannel ch = FileChannel.open(b.resolve("f"), WRITE)) {
                int n = ch.write(ByteBuffer.allocate(0), 100);
                ch.position(50);
                int m = ch.write(ByteBuffer.allocate(0));
                return n + " " + m + " " + ch.size() + " " + ch.position();
              }
            },
            "0 0 3 50",
            "0 0 100 50"),
        // read(2) of zero bytes returns 0 even at or past the end; Jimfs returns -1 there
        compare.likeLinux(
            "FileChannel.read into an empty buffer at the end",
            b -> {
              try (FileChannel ch = FileChannel.open(b.resolve("f"), READ)) {
                ByteBuffer empty = ByteBuffer.allocate(0);
                return ch.read(empty, 3) + " " + ch.read(empty, 100) + " " + ch.read(empty, 0);
              }
            },
            "0 0 0",
            "-1 -1 0"));
  }

  // ---- copy ------------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> copy() {
    return Stream.of(
        compare.same(
            "copy a file",
            b ->
                Files.copy(b.resolve("f"), b.resolve("n"))
                    + " "
                    + Arrays.toString(Files.readAllBytes(b.resolve("n")))),
        compare.same("copy over a file", b -> Files.copy(b.resolve("f"), b.resolve("f2"))),
        compare.same(
            "copy over a file, REPLACE_EXISTING",
            b -> {
              Files.copy(b.resolve("f"), b.resolve("f2"), REPLACE_EXISTING);
              return Files.readAllBytes(b.resolve("f2"));
            }),
        compare.same(
            "copy a file over an empty directory, REPLACE_EXISTING",
            b ->
                Files.copy(b.resolve("f"), b.resolve("e"), REPLACE_EXISTING)
                    + " "
                    + Files.isRegularFile(b.resolve("e"))),
        compare.same(
            "copy a file over a non-empty directory, REPLACE_EXISTING",
            b -> Files.copy(b.resolve("f"), b.resolve("d"), REPLACE_EXISTING)),
        compare.same(
            "copy a directory over a non-empty one, REPLACE_EXISTING",
            b -> Files.copy(b.resolve("e"), b.resolve("d"), REPLACE_EXISTING)),
        compare.same(
            "copy a directory over a file, REPLACE_EXISTING",
            b ->
                Files.copy(b.resolve("d"), b.resolve("f"), REPLACE_EXISTING)
                    + " "
                    + Files.isDirectory(b.resolve("f"))),
        compare.same(
            "copy a directory copies no entries",
            b ->
                Files.copy(b.resolve("d"), b.resolve("n"))
                    + " "
                    + names(Files.newDirectoryStream(b.resolve("n")))),
        compare.same(
            "copy a directory into itself",
            b ->
                Files.copy(b.resolve("d"), b.resolve("d/n"))
                    + " "
                    + Files.isDirectory(b.resolve("d/n"))),
        compare.same("copy a missing file", b -> Files.copy(b.resolve("zz"), b.resolve("n"))),
        compare.same(
            "copy into a missing directory", b -> Files.copy(b.resolve("f"), b.resolve("x/y"))),
        compare.same(
            "copy a file onto itself",
            b -> Files.copy(b.resolve("f"), b.resolve("f")) + " " + Files.size(b.resolve("f"))),
        compare.same(
            "copy a file onto a hard link to it",
            b -> {
              Files.createLink(b.resolve("h"), b.resolve("f"));
              return Files.copy(b.resolve("f"), b.resolve("h"), REPLACE_EXISTING)
                  + " "
                  + Files.size(b.resolve("f"));
            }),
        compare.same(
            "copy a file onto a link to it", b -> Files.copy(b.resolve("f"), b.resolve("lf"))),
        compare.same(
            "copy a link onto its target, REPLACE_EXISTING",
            b ->
                Files.copy(b.resolve("lf"), b.resolve("f"), REPLACE_EXISTING)
                    + " "
                    + Files.size(b.resolve("f"))),
        compare.same(
            "copy a file onto a link to it, REPLACE_EXISTING",
            b ->
                Files.copy(b.resolve("f"), b.resolve("lf"), REPLACE_EXISTING)
                    + " "
                    + Files.isSymbolicLink(b.resolve("lf"))),
        compare.same("copy to e/.", b -> Files.copy(b.resolve("f"), b.resolve("e/."))),
        compare.same(
            "copy with ATOMIC_MOVE", b -> Files.copy(b.resolve("f"), b.resolve("n"), ATOMIC_MOVE)),
        compare.likeLinux(
            "copy to e/., REPLACE_EXISTING",
            b -> Files.copy(b.resolve("f"), b.resolve("e/."), REPLACE_EXISTING),
            "!FileSystemException(e/.)",
            "!IllegalArgumentException"),
        compare.likeLinux(
            "copy under a file",
            b -> Files.copy(b.resolve("f"), b.resolve("f2/x")),
            "!FileSystemException(f2/x)",
            "!NoSuchFileException(f2/x)"),
        compare.likeLinux(
            "copy a link loop",
            b -> Files.copy(b.resolve("loop"), b.resolve("n")),
            "!FileSystemException(loop)",
            "!IOException"),
        // The JDK deletes the target, then reads the source and creates the copy by their paths
        // again: a path that went through the deleted target is gone. Jimfs replaces what it found
        compare.likeLinux(
            "copy a link onto itself, REPLACE_EXISTING",
            b -> Files.copy(b.resolve("lf"), b.resolve("lf"), REPLACE_EXISTING),
            "!NoSuchFileException(lf)",
            "lf"),
        compare.likeLinux(
            "copy a link onto itself, REPLACE_EXISTING, leaves no link",
            b -> {
              try {
                Files.copy(b.resolve("lf"), b.resolve("lf"), REPLACE_EXISTING);
              } catch (IOException e) {
                // as above
              }
              return Files.exists(b.resolve("lf"), NOFOLLOW_LINKS)
                  + " "
                  + Files.exists(b.resolve("f"));
            },
            "false true",
            "true true"),
        compare.same(
            "copy a link to a directory onto itself, REPLACE_EXISTING",
            b ->
                Files.copy(b.resolve("ld"), b.resolve("ld"), REPLACE_EXISTING)
                    + " "
                    + Files.isDirectory(b.resolve("ld"), NOFOLLOW_LINKS)),
        compare.likeLinux(
            "copy to a path through the link it replaces, REPLACE_EXISTING",
            b -> {
              Files.createSymbolicLink(b.resolve("e/self"), b.getFileSystem().getPath("."));
              return Files.copy(b.resolve("f"), b.resolve("e/self/self"), REPLACE_EXISTING);
            },
            "!NoSuchFileException(e/self/self)",
            "e/self/self"));
  }

  @TestFactory
  Stream<DynamicTest> copyLinks() {
    return Stream.of(
        compare.same(
            "copy follows a link",
            b ->
                Files.copy(b.resolve("lf"), b.resolve("n"))
                    + " "
                    + Files.isSymbolicLink(b.resolve("n"))
                    + " "
                    + Files.size(b.resolve("n"))),
        compare.same(
            "copy with NOFOLLOW_LINKS copies the link",
            b ->
                Files.copy(b.resolve("lf"), b.resolve("n"), NOFOLLOW_LINKS)
                    + " "
                    + Files.readSymbolicLink(b.resolve("n"))),
        compare.same("copy a dangling link", b -> Files.copy(b.resolve("dang"), b.resolve("n"))),
        compare.same(
            "copy a dangling link with NOFOLLOW_LINKS",
            b -> {
              Files.copy(b.resolve("dang"), b.resolve("n"), NOFOLLOW_LINKS, COPY_ATTRIBUTES);
              return Files.readSymbolicLink(b.resolve("n"));
            }),
        compare.same(
            "copy a link to a directory",
            b ->
                Files.copy(b.resolve("ld"), b.resolve("n"))
                    + " "
                    + Files.isDirectory(b.resolve("n"), NOFOLLOW_LINKS)),
        compare.same(
            "copy over a dangling link", b -> Files.copy(b.resolve("f"), b.resolve("dang"))),
        compare.same(
            "copy over a dangling link, REPLACE_EXISTING, replaces the link",
            b -> {
              Files.copy(b.resolve("f"), b.resolve("dang"), REPLACE_EXISTING);
              return Files.isSymbolicLink(b.resolve("dang"))
                  + " "
                  + Files.exists(b.resolve("nowhere"));
            }));
  }

  @TestFactory
  Stream<DynamicTest> copyAttributes() {
    return Stream.of(
        compare.same(
            "copy with COPY_ATTRIBUTES keeps times and permissions",
            b -> {
              Files.setLastModifiedTime(b.resolve("f"), FileTime.fromMillis(123_000));
              Files.setPosixFilePermissions(
                  b.resolve("f"), PosixFilePermissions.fromString("rwx--x---"));
              Files.copy(b.resolve("f"), b.resolve("n"), COPY_ATTRIBUTES);
              return Files.getLastModifiedTime(b.resolve("n"))
                  + " "
                  + perms(Files.getPosixFilePermissions(b.resolve("n")));
            }),
        compare.same(
            "copy a directory with COPY_ATTRIBUTES",
            b -> {
              Files.setLastModifiedTime(b.resolve("d"), FileTime.fromMillis(123_000));
              Files.setPosixFilePermissions(
                  b.resolve("d"), PosixFilePermissions.fromString("rwx------"));
              Files.copy(b.resolve("d"), b.resolve("n"), COPY_ATTRIBUTES);
              return Files.getLastModifiedTime(b.resolve("n"))
                  + " "
                  + perms(Files.getPosixFilePermissions(b.resolve("n")));
            }),
        compare.same(
            "copy without COPY_ATTRIBUTES gets a new modification time",
            b -> {
              Files.setLastModifiedTime(b.resolve("f"), FileTime.fromMillis(123_000));
              Files.copy(b.resolve("f"), b.resolve("n"));
              return Files.getLastModifiedTime(b.resolve("n")).toMillis() > 123_000;
            }),
        // The JDK creates the copy with the source's mode, less the umask; Jimfs with its default
        compare.likeLinux(
            "copy without COPY_ATTRIBUTES keeps the source's mode",
            b -> {
              Files.setPosixFilePermissions(
                  b.resolve("f"), PosixFilePermissions.fromString("rwx------"));
              Files.setPosixFilePermissions(
                  b.resolve("d"), PosixFilePermissions.fromString("rwx--x---"));
              Files.copy(b.resolve("f"), b.resolve("n"));
              Files.copy(b.resolve("d"), b.resolve("m"));
              return perms(Files.getPosixFilePermissions(b.resolve("n")))
                  + " "
                  + perms(Files.getPosixFilePermissions(b.resolve("m")));
            },
            "rwx------ rwx--x---",
            "rw-r--r-- rw-r--r--"),
        compare.likeLinuxUnchecked(
            "copy without COPY_ATTRIBUTES keeps the source's mode less the umask",
            b -> {
              Files.setPosixFilePermissions(
                  b.resolve("f"), PosixFilePermissions.fromString("rwxrwxrwx"));
              Files.copy(b.resolve("f"), b.resolve("n"));
              return perms(Files.getPosixFilePermissions(b.resolve("n")));
            },
            "rwxr-xr-x",
            "rw-r--r--"));
  }

  // ---- move ------------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> move() {
    return Stream.of(
        compare.same(
            "move a file to a new name",
            b ->
                Files.move(b.resolve("f2"), b.resolve("n"))
                    + " "
                    + Files.exists(b.resolve("f2"))
                    + " "
                    + Arrays.toString(Files.readAllBytes(b.resolve("n")))),
        compare.same(
            "move a directory with entries to a new name",
            b ->
                Files.move(b.resolve("d"), b.resolve("e/n"))
                    + " "
                    + Files.exists(b.resolve("e/n/g"))
                    + " "
                    + Files.readSymbolicLink(b.resolve("ld"))
                    + " "
                    + Files.exists(b.resolve("ld"))),
        compare.same(
            "move a link moves the link",
            b ->
                Files.move(b.resolve("lf"), b.resolve("e/lf"))
                    + " "
                    + Files.isSymbolicLink(b.resolve("e/lf"))
                    + " "
                    + Files.exists(b.resolve("e/lf"))),
        compare.same("move over a file", b -> Files.move(b.resolve("f2"), b.resolve("f"))),
        compare.same(
            "move over a file, REPLACE_EXISTING",
            b ->
                Files.move(b.resolve("f2"), b.resolve("f"), REPLACE_EXISTING)
                    + " "
                    + Arrays.toString(Files.readAllBytes(b.resolve("f")))),
        compare.same(
            "move a file over an empty directory, REPLACE_EXISTING",
            b ->
                Files.move(b.resolve("f2"), b.resolve("e"), REPLACE_EXISTING)
                    + " "
                    + Files.isRegularFile(b.resolve("e"))),
        compare.same(
            "move a directory over a file, REPLACE_EXISTING",
            b ->
                Files.move(b.resolve("e"), b.resolve("f2"), REPLACE_EXISTING)
                    + " "
                    + Files.isDirectory(b.resolve("f2"))),
        compare.same(
            "move over a non-empty directory, REPLACE_EXISTING",
            b -> Files.move(b.resolve("f2"), b.resolve("d"), REPLACE_EXISTING)),
        compare.same(
            "move a dangling link over a file, REPLACE_EXISTING",
            b ->
                Files.move(b.resolve("dang"), b.resolve("f"), REPLACE_EXISTING)
                    + " "
                    + Files.readSymbolicLink(b.resolve("f"))),
        compare.same("move a missing file", b -> Files.move(b.resolve("zz"), b.resolve("n"))),
        compare.same(
            "move onto itself",
            b -> Files.move(b.resolve("f"), b.resolve("f")) + " " + Files.exists(b.resolve("f"))),
        compare.same(
            "move onto a hard link to itself does nothing",
            b -> {
              Files.createLink(b.resolve("h"), b.resolve("f"));
              return Files.move(b.resolve("h"), b.resolve("f"))
                  + " "
                  + Files.exists(b.resolve("h"));
            }),
        compare.same("move to e/.", b -> Files.move(b.resolve("f2"), b.resolve("e/."))),
        compare.same(
            "move to d/.., REPLACE_EXISTING",
            b -> Files.move(b.resolve("e"), b.resolve("d/.."), REPLACE_EXISTING)),
        compare.same(
            "move through d/sub/..",
            b ->
                Files.move(b.resolve("f2"), b.resolve("d/sub/../n"))
                    + " "
                    + Files.exists(b.resolve("d/n"))),
        // rename(2)'s errors name both paths in the JDK; Jimfs names the target alone
        compare.likeLinux(
            "move into a missing directory",
            b -> Files.move(b.resolve("f2"), b.resolve("x/y")),
            "!NoSuchFileException(f2 -> x/y)",
            "!NoSuchFileException(x/y)"),
        compare.likeLinux(
            "move under a file",
            b -> Files.move(b.resolve("f2"), b.resolve("f/x")),
            "!FileSystemException(f2 -> f/x)",
            "!NoSuchFileException(f/x)"),
        // EINVAL: a FileSystemException naming both; Jimfs throws a bare IOException
        compare.likeLinux(
            "move a directory into its own subdirectory",
            b -> Files.move(b.resolve("d"), b.resolve("d/sub/x")),
            "!FileSystemException(d -> d/sub/x)",
            "!IOException"),
        compare.likeLinux(
            "move a directory into itself through a link",
            b -> Files.move(b.resolve("d"), b.resolve("ld/x")),
            "!FileSystemException(d -> ld/x)",
            "!IOException"),
        // rename(2) refuses "." and ".." as the source with EBUSY
        compare.likeLinux(
            "move e/.",
            b -> Files.move(b.resolve("e/."), b.resolve("n")),
            "!FileSystemException(e/. -> n)",
            "!IllegalArgumentException"),
        compare.likeLinux(
            "move e/..",
            b -> Files.move(b.resolve("e/.."), b.resolve("n")),
            "!FileSystemException(e/.. -> n)",
            "!IOException"),
        compare.likeLinux(
            "move the root",
            b -> Files.move(b.getRoot(), b.resolve("n")),
            "!FileSystemException(/ -> n)",
            "!FileSystemException(/)"));
  }

  @TestFactory
  Stream<DynamicTest> atomicMove() {
    return Stream.of(
        compare.same(
            "move with ATOMIC_MOVE to a new name",
            b ->
                Files.move(b.resolve("d"), b.resolve("n"), ATOMIC_MOVE)
                    + " "
                    + Files.exists(b.resolve("n/g"))),
        compare.same(
            "move with ATOMIC_MOVE onto itself",
            b -> Files.move(b.resolve("f"), b.resolve("f"), ATOMIC_MOVE)),
        compare.same(
            "move with ATOMIC_MOVE, REPLACE_EXISTING over a file",
            b ->
                Files.move(b.resolve("f2"), b.resolve("f"), ATOMIC_MOVE, REPLACE_EXISTING)
                    + " "
                    + Files.size(b.resolve("f"))),
        // ATOMIC_MOVE is rename(2), which replaces an existing target of the same kind whatever
        // REPLACE_EXISTING says; Jimfs wants REPLACE_EXISTING
        compare.likeLinux(
            "move with ATOMIC_MOVE over a file",
            b ->
                Files.move(b.resolve("f2"), b.resolve("f"), ATOMIC_MOVE)
                    + " "
                    + Files.size(b.resolve("f")),
            "f 2",
            "!FileAlreadyExistsException(f)"),
        compare.likeLinux(
            "move with ATOMIC_MOVE of a directory over an empty one",
            b ->
                Files.move(b.resolve("d"), b.resolve("e"), ATOMIC_MOVE)
                    + " "
                    + Files.exists(b.resolve("e/g")),
            "e true",
            "!FileAlreadyExistsException(e)"),
        // and refuses to mix kinds (EISDIR, ENOTDIR) or to replace a non-empty directory
        // (ENOTEMPTY,
        // which the JDK does not map to DirectoryNotEmptyException), naming both paths
        compare.likeLinux(
            "move with ATOMIC_MOVE of a file over a directory",
            b -> Files.move(b.resolve("f2"), b.resolve("e"), ATOMIC_MOVE),
            "!FileSystemException(f2 -> e)",
            "!FileAlreadyExistsException(e)"),
        compare.likeLinux(
            "move with ATOMIC_MOVE, REPLACE_EXISTING of a file over a directory",
            b ->
                Files.move(b.resolve("f2"), b.resolve("e"), ATOMIC_MOVE, REPLACE_EXISTING)
                    + " "
                    + Files.isRegularFile(b.resolve("e")),
            "!FileSystemException(f2 -> e)",
            "e true"),
        compare.likeLinux(
            "move with ATOMIC_MOVE of a directory over a file",
            b -> Files.move(b.resolve("e"), b.resolve("f2"), ATOMIC_MOVE),
            "!FileSystemException(e -> f2)",
            "!FileAlreadyExistsException(f2)"),
        compare.likeLinux(
            "move with ATOMIC_MOVE over a non-empty directory",
            b -> Files.move(b.resolve("e"), b.resolve("d"), ATOMIC_MOVE),
            "!FileSystemException(e -> d)",
            "!FileAlreadyExistsException(d)"),
        compare.likeLinux(
            "move with ATOMIC_MOVE, REPLACE_EXISTING over a non-empty directory",
            b -> Files.move(b.resolve("e"), b.resolve("d"), ATOMIC_MOVE, REPLACE_EXISTING),
            "!FileSystemException(e -> d)",
            "!DirectoryNotEmptyException(d)"),
        compare.likeLinux(
            "move with ATOMIC_MOVE of a missing file",
            b -> Files.move(b.resolve("zz"), b.resolve("n"), ATOMIC_MOVE),
            "!NoSuchFileException(zz -> n)",
            "!NoSuchFileException(zz)"),
        compare.likeLinux(
            "move with ATOMIC_MOVE of a directory into itself",
            b -> Files.move(b.resolve("d"), b.resolve("d/sub/x"), ATOMIC_MOVE),
            "!FileSystemException(d -> d/sub/x)",
            "!IOException"),
        // rename(2) checks that the target does not hold the source (ENOTEMPTY) before the kinds
        compare.likeLinux(
            "move with ATOMIC_MOVE of a file over its own directory",
            b -> Files.move(b.resolve("d/g"), b.resolve("d"), ATOMIC_MOVE),
            "!FileSystemException(d/g -> d)",
            "!FileAlreadyExistsException(d)"),
        compare.likeLinux(
            "move with ATOMIC_MOVE of a directory over an ancestor",
            b -> Files.move(b.resolve("d/sub"), b, ATOMIC_MOVE),
            "!FileSystemException(d/sub -> .)",
            "!FileAlreadyExistsException(.)"),
        // and refuses "." or ".." as either name (EBUSY) before it looks at the files
        compare.likeLinux(
            "move with ATOMIC_MOVE of e/. onto e",
            b -> Files.move(b.resolve("e/."), b.resolve("e"), ATOMIC_MOVE),
            "!FileSystemException(e/. -> e)",
            "e"),
        compare.likeLinux(
            "move with ATOMIC_MOVE onto e/.",
            b -> Files.move(b.resolve("f"), b.resolve("e/."), ATOMIC_MOVE),
            "!FileSystemException(f -> e/.)",
            "!FileAlreadyExistsException(e/.)"),
        compare.same(
            "move of e/. onto e does nothing (the JDK sees one file)",
            b ->
                Files.move(b.resolve("e/."), b.resolve("e"))
                    + " "
                    + Files.isDirectory(b.resolve("e"))));
  }

  // ---- delete ----------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> delete() {
    return Stream.of(
        compare.same(
            "delete a file",
            b -> {
              Files.delete(b.resolve("f"));
              return Files.exists(b.resolve("f"))
                  + " "
                  + Files.exists(b.resolve("lf"), NOFOLLOW_LINKS);
            }),
        compare.same(
            "delete an empty directory",
            b -> {
              Files.delete(b.resolve("e"));
              return Files.exists(b.resolve("e"));
            }),
        compare.same(
            "delete a non-empty directory",
            b -> {
              Files.delete(b.resolve("d"));
              return "deleted";
            }),
        compare.same(
            "delete a link to a directory deletes the link",
            b -> {
              Files.delete(b.resolve("ld"));
              return Files.exists(b.resolve("ld"), NOFOLLOW_LINKS)
                  + " "
                  + Files.exists(b.resolve("d/g"));
            }),
        compare.same(
            "delete a dangling link and a loop",
            b -> {
              Files.delete(b.resolve("dang"));
              Files.delete(b.resolve("loop"));
              return names(Files.newDirectoryStream(b));
            }),
        compare.same(
            "delete a missing file",
            b -> {
              Files.delete(b.resolve("zz"));
              return "deleted";
            }),
        compare.same(
            "delete through a link",
            b -> {
              Files.delete(b.resolve("ld/g"));
              return Files.exists(b.resolve("d/g"));
            }),
        compare.same(
            "delete e/..",
            b -> {
              Files.delete(b.resolve("e/.."));
              return "deleted";
            }),
        compare.same(
            "delete the root",
            b -> {
              Files.delete(b.getRoot());
              return "deleted";
            }),
        compare.same(
            "deleteIfExists of a file, twice, under a missing directory and of a dangling link",
            b ->
                Files.deleteIfExists(b.resolve("f"))
                    + " "
                    + Files.deleteIfExists(b.resolve("f"))
                    + " "
                    + Files.deleteIfExists(b.resolve("x/y"))
                    + " "
                    + Files.deleteIfExists(b.resolve("dang"))),
        compare.same(
            "deleteIfExists of a non-empty directory", b -> Files.deleteIfExists(b.resolve("d"))),
        compare.same(
            "delete an open file",
            b -> {
              try (FileChannel ch = FileChannel.open(b.resolve("f"), READ, WRITE)) {
                Files.delete(b.resolve("f"));
                ch.write(ByteBuffer.wrap(new byte[] {9}), 3);
                ByteBuffer buf = ByteBuffer.allocate(8);
                ch.read(buf, 0);
                return Files.exists(b.resolve("f"))
                    + " "
                    + ch.size()
                    + " "
                    + Arrays.toString(Arrays.copyOf(buf.array(), buf.position()));
              }
            }),
        // rmdir("e/.") is EINVAL on Linux; Jimfs deletes e
        compare.likeLinux(
            "delete e/.",
            b -> {
              Files.delete(b.resolve("e/."));
              return Files.exists(b.resolve("e"));
            },
            "!FileSystemException(e/.)",
            "false"),
        compare.likeLinux(
            "deleteIfExists under a file",
            b -> Files.deleteIfExists(b.resolve("f/y")),
            "!FileSystemException(f/y)",
            "false"));
  }

  // ---- listing ---------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> list() {
    return Stream.of(
        compare.same("list a directory", b -> sortedRelative(b, Files.list(b))),
        compare.same("list through a link", b -> sortedRelative(b, Files.list(b.resolve("ld")))),
        compare.same("list a file", b -> Files.list(b.resolve("f"))),
        compare.same("list a missing directory", b -> Files.list(b.resolve("zz"))),
        compare.same("list a dangling link", b -> Files.list(b.resolve("dang"))),
        compare.same(
            "list shows dot files",
            b -> {
              Files.createFile(b.resolve(".h"));
              return sortedRelative(b, Files.list(b));
            }),
        compare.same(
            "newDirectoryStream with a glob",
            b ->
                names(Files.newDirectoryStream(b, "[a-f]*"))
                    + " "
                    + names(Files.newDirectoryStream(b, "{d,e,lf}"))
                    + " "
                    + names(Files.newDirectoryStream(b, "*2"))
                    + " "
                    + names(Files.newDirectoryStream(b, "?"))),
        compare.same(
            "newDirectoryStream with a filter",
            b -> names(Files.newDirectoryStream(b, p -> Files.isDirectory(p)))),
        compare.same("newDirectoryStream with a bad glob", b -> Files.newDirectoryStream(b, "[a-")),
        compare.same(
            "newDirectoryStream's paths",
            b -> {
              try (DirectoryStream<Path> s = Files.newDirectoryStream(b.resolve("ld"))) {
                List<String> l = new ArrayList<>();
                s.forEach(p -> l.add(b.relativize(p).toString()));
                return render(b, new HashSet<>(l));
              }
            }),
        compare.same(
            "newDirectoryStream with a filter that throws",
            b -> {
              try (DirectoryStream<Path> s =
                  Files.newDirectoryStream(
                      b.resolve("d"),
                      p -> {
                        throw new IOException("no");
                      })) {
                return s.iterator().hasNext();
              }
            }),
        compare.same(
            "DirectoryStream.iterator twice",
            b -> {
              try (DirectoryStream<Path> s = Files.newDirectoryStream(b)) {
                s.iterator();
                return s.iterator();
              }
            }),
        compare.same(
            "DirectoryStream.iterator's remove",
            b -> {
              try (DirectoryStream<Path> s = Files.newDirectoryStream(b)) {
                Iterator<Path> it = s.iterator();
                it.next();
                it.remove();
                return "removed";
              }
            }),
        // The JDK's iterator after close: IllegalStateException; and a closed stream's iterator
        // ends.
        // Jimfs throws ClosedDirectoryStreamException in both cases
        compare.likeLinux(
            "DirectoryStream.iterator after close",
            b -> {
              DirectoryStream<Path> s = Files.newDirectoryStream(b);
              s.close();
              return s.iterator();
            },
            "!IllegalStateException",
            "!ClosedDirectoryStreamException"),
        compare.likeLinux(
            "DirectoryStream.close while iterating",
            b -> {
              DirectoryStream<Path> s = Files.newDirectoryStream(b.resolve("d"));
              try {
                Iterator<Path> it = s.iterator();
                s.close();
                return it.hasNext();
              } finally {
                s.close(); // idempotent; closes the stream if iterator() threw
              }
            },
            "false",
            "!ClosedDirectoryStreamException"));
  }

  @TestFactory
  Stream<DynamicTest> walkAndFind() {
    return Stream.of(
        compare.same("walk a tree", b -> sortedRelative(b, Files.walk(b))),
        compare.same("walk with a depth", b -> sortedRelative(b, Files.walk(b, 1))),
        compare.same(
            "walk following links",
            b -> sortedRelative(b, Files.walk(b, FileVisitOption.FOLLOW_LINKS))),
        compare.same("walk a file", b -> sortedRelative(b, Files.walk(b.resolve("f")))),
        compare.same("walk a missing directory", b -> Files.walk(b.resolve("zz"))),
        compare.same(
            "walk into a cycle",
            b -> {
              Files.createSymbolicLink(b.resolve("e/up"), b.getFileSystem().getPath(".."));
              try (Stream<Path> s = Files.walk(b.resolve("e"), FileVisitOption.FOLLOW_LINKS)) {
                return s.count();
              }
            }),
        compare.same(
            "find regular files",
            b -> sortedRelative(b, Files.find(b, 5, (p, a) -> a.isRegularFile()))),
        compare.same(
            "find symbolic links",
            b -> sortedRelative(b, Files.find(b, 5, (p, a) -> a.isSymbolicLink()))),
        compare.same(
            "find regular files following links",
            b ->
                sortedRelative(
                    b,
                    Files.find(b, 5, (p, a) -> a.isRegularFile(), FileVisitOption.FOLLOW_LINKS))));
  }

  // ---- attributes ------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> basicAttributes() {
    return Stream.of(
        compare.same(
            "readAttributes of a file",
            b -> {
              BasicFileAttributes a =
                  Files.readAttributes(b.resolve("f"), BasicFileAttributes.class);
              return a.isRegularFile()
                  + " "
                  + a.isDirectory()
                  + " "
                  + a.isSymbolicLink()
                  + " "
                  + a.isOther()
                  + " "
                  + a.size()
                  + " "
                  + (a.fileKey() != null)
                  + " "
                  + !a.lastModifiedTime().toInstant().isAfter(Instant.now());
            }),
        compare.same(
            "readAttributes of a link",
            b -> {
              BasicFileAttributes a =
                  Files.readAttributes(b.resolve("ld"), BasicFileAttributes.class);
              BasicFileAttributes l =
                  Files.readAttributes(b.resolve("ld"), BasicFileAttributes.class, NOFOLLOW_LINKS);
              return a.isDirectory()
                  + " "
                  + a.isSymbolicLink()
                  + " "
                  + l.isDirectory()
                  + " "
                  + l.isSymbolicLink();
            }),
        compare.same(
            "readAttributes of a missing file",
            b -> Files.readAttributes(b.resolve("zz"), BasicFileAttributes.class)),
        compare.same(
            "readAttributes of a dangling link",
            b -> Files.readAttributes(b.resolve("dang"), BasicFileAttributes.class)),
        compare.likeLinux(
            "readAttributes of a link loop",
            b -> Files.readAttributes(b.resolve("loop"), BasicFileAttributes.class),
            "!FileSystemException(loop)",
            "!IOException"),
        compare.same(
            "readAttributes fileKey of hard links",
            b -> {
              Files.createLink(b.resolve("h"), b.resolve("f"));
              Object k1 = Files.readAttributes(b.resolve("h"), BasicFileAttributes.class).fileKey();
              Object k2 = Files.readAttributes(b.resolve("f"), BasicFileAttributes.class).fileKey();
              Object k3 =
                  Files.readAttributes(b.resolve("f2"), BasicFileAttributes.class).fileKey();
              return k1.equals(k2) + " " + k1.equals(k3);
            }),
        compare.same(
            "BasicFileAttributeView.setTimes",
            b -> {
              Files.getFileAttributeView(b.resolve("f"), BasicFileAttributeView.class)
                  .setTimes(FileTime.fromMillis(1000), FileTime.fromMillis(2000), null);
              BasicFileAttributes a =
                  Files.readAttributes(b.resolve("f"), BasicFileAttributes.class);
              return a.lastModifiedTime().toMillis() + " " + a.lastAccessTime().toMillis();
            }),
        compare.same(
            "setLastModifiedTime through a link",
            b -> {
              Files.setLastModifiedTime(b.resolve("lf"), FileTime.fromMillis(5000));
              return Files.getLastModifiedTime(b.resolve("f")).toMillis();
            }),
        compare.same(
            "BasicFileAttributeView.readAttributes of a missing file",
            b ->
                Files.getFileAttributeView(b.resolve("zz"), BasicFileAttributeView.class)
                    .readAttributes()),
        // the size of a link is the length of its target; Jimfs says 0
        compare.likeLinux(
            "readAttributes size of links with NOFOLLOW_LINKS",
            b ->
                Files.readAttributes(b.resolve("ld"), BasicFileAttributes.class, NOFOLLOW_LINKS)
                        .size()
                    + " "
                    + Files.readAttributes(
                            b.resolve("dang"), BasicFileAttributes.class, NOFOLLOW_LINKS)
                        .size(),
            "1 7",
            "0 0"),
        // a directory's size is a block on ext4 (daxfs reports its block size); Jimfs says 0
        compare.likeLinuxUnchecked(
            "size of a directory", b -> Files.size(b.resolve("e")), "4096", "0"));
  }

  @TestFactory
  Stream<DynamicTest> attributesByName() {
    return Stream.of(
        compare.same(
            "readAttributes(\"*\") names", b -> Files.readAttributes(b.resolve("f"), "*").keySet()),
        compare.same(
            "readAttributes(\"posix:*\") names",
            b -> Files.readAttributes(b.resolve("f"), "posix:*").keySet()),
        compare.same(
            "readAttributes(\"unix:*\") names",
            b -> Files.readAttributes(b.resolve("f"), "unix:*").keySet()),
        compare.same(
            "readAttributes(\"owner:*\") names",
            b -> Files.readAttributes(b.resolve("f"), "owner:*").keySet()),
        compare.same(
            "readAttributes of some basic attributes by name",
            b ->
                Files.readAttributes(
                    b.resolve("f"), "size,isDirectory,isRegularFile,isSymbolicLink,isOther")),
        compare.same(
            "readAttributes of some basic attributes by name of a link with NOFOLLOW_LINKS",
            b ->
                Files.readAttributes(
                    b.resolve("ld"), "basic:isDirectory,isSymbolicLink", NOFOLLOW_LINKS)),
        compare.same(
            "getAttribute size and basic:isDirectory",
            b ->
                Files.getAttribute(b.resolve("f"), "size")
                    + " "
                    + Files.getAttribute(b.resolve("d"), "basic:isDirectory")),
        // a directory's link count counts its subdirectories' ".." on ext4 and tmpfs (btrfs says 1)
        compare.likeLinuxUnchecked(
            "getAttribute unix:nlink of directories and a file",
            b ->
                Files.getAttribute(b.resolve("d"), "unix:nlink")
                    + " "
                    + Files.getAttribute(b.resolve("e"), "unix:nlink")
                    + " "
                    + Files.getAttribute(b.resolve("f"), "unix:nlink"),
            "3 2 1",
            "3 2 1"),
        compare.same(
            "readAttributes of an unknown name (basic:foo)",
            b -> Files.readAttributes(b.resolve("f"), "basic:foo")),
        compare.same(
            "getAttribute of an empty name (posix:)",
            b -> Files.getAttribute(b.resolve("f"), "posix:")),
        compare.same(
            "readAttributes by name of a missing file",
            b -> Files.readAttributes(b.resolve("zz"), "size")),
        compare.same(
            "setAttribute lastModifiedTime",
            b -> {
              Files.setAttribute(b.resolve("f"), "lastModifiedTime", FileTime.fromMillis(7000));
              return Files.getAttribute(b.resolve("f"), "basic:lastModifiedTime");
            }),
        compare.same(
            "setAttribute of a read-only attribute",
            b -> {
              Files.setAttribute(b.resolve("f"), "size", 3L);
              return "set";
            }),
        compare.same(
            "setAttribute of a missing file",
            b -> {
              Files.setAttribute(b.resolve("zz"), "lastModifiedTime", FileTime.fromMillis(7000));
              return "set";
            }),
        // Linux supports a "dos" view (in extended attributes), so an unknown view needs another
        // name.
        // Jimfs fails it with a NullPointerException
        compare.likeLinux(
            "readAttributes of an unknown view (foo:*)",
            b -> Files.readAttributes(b.resolve("f"), "foo:*"),
            "!UnsupportedOperationException",
            "!NullPointerException"),
        compare.same(
            "setAttribute of an unknown view",
            b -> {
              Files.setAttribute(b.resolve("f"), "foo:bar", 1);
              return "set";
            }),
        // a value of the wrong type: the JDK casts it (ClassCastException); Jimfs checks it
        compare.likeLinux(
            "setAttribute with a wrong type",
            b -> {
              Files.setAttribute(b.resolve("f"), "lastModifiedTime", 5L);
              return "set";
            },
            "!ClassCastException",
            "!IllegalArgumentException"),
        // the unix view's numbers and the mode's type bits, as stat(2) has them; Jimfs has an
        // Integer
        // inode and no type bits
        compare.likeLinux(
            "getAttribute unix:mode and unix:ino",
            b -> {
              Files.setPosixFilePermissions(
                  b.resolve("f"), PosixFilePermissions.fromString("rw-r-----"));
              Files.setPosixFilePermissions(
                  b.resolve("d"), PosixFilePermissions.fromString("rwxr-x---"));
              return Integer.toOctalString(
                      (Integer) Files.getAttribute(b.resolve("f"), "unix:mode"))
                  + " "
                  + Integer.toOctalString((Integer) Files.getAttribute(b.resolve("d"), "unix:mode"))
                  + " "
                  + Files.getAttribute(b.resolve("f"), "unix:ino").getClass().getSimpleName();
            },
            "100640 40750 Long",
            "640 750 Integer"));
  }

  @TestFactory
  Stream<DynamicTest> posixAttributes() {
    return Stream.of(
        compare.same(
            "setPosixFilePermissions",
            b -> {
              Files.setPosixFilePermissions(
                  b.resolve("f"), PosixFilePermissions.fromString("rwx--x-w-"));
              return perms(Files.getPosixFilePermissions(b.resolve("f")))
                  + " "
                  + perms(
                      Files.readAttributes(b.resolve("f"), PosixFileAttributes.class)
                          .permissions());
            }),
        compare.same(
            "setPosixFilePermissions through a link",
            b -> {
              Files.setPosixFilePermissions(
                  b.resolve("lf"), PosixFilePermissions.fromString("r--------"));
              return perms(Files.getPosixFilePermissions(b.resolve("f")));
            }),
        compare.same(
            "setAttribute posix:permissions",
            b -> {
              Files.setAttribute(
                  b.resolve("f"),
                  "posix:permissions",
                  PosixFilePermissions.fromString("rw-rw----"));
              return Files.getAttribute(b.resolve("f"), "posix:permissions");
            }),
        compare.same(
            "createFile with permissions the umask leaves",
            b -> {
              Files.createFile(
                  b.resolve("n"),
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rw-------")));
              Files.createDirectory(
                  b.resolve("m"),
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rwx------")));
              return perms(Files.getPosixFilePermissions(b.resolve("n")))
                  + " "
                  + perms(Files.getPosixFilePermissions(b.resolve("m")));
            }),
        compare.same(
            "getOwner",
            b ->
                Files.getOwner(b.resolve("f"))
                    .getName()
                    .equals(
                        Files.readAttributes(b.resolve("f"), PosixFileAttributes.class)
                            .owner()
                            .getName())),
        // a link's own permissions are rwxrwxrwx; Jimfs gives it its default
        compare.likeLinux(
            "getPosixFilePermissions of a link with NOFOLLOW_LINKS",
            b -> Files.getPosixFilePermissions(b.resolve("lf"), NOFOLLOW_LINKS),
            "rwxrwxrwx",
            "rw-r--r--"),
        // Linux applies the umask (daxfs's is 022 by default) to the mode asked for; Jimfs does not
        compare.likeLinuxUnchecked(
            "createFile and createDirectory with rwxrwxrwx",
            b -> {
              Set<PosixFilePermission> all = PosixFilePermissions.fromString("rwxrwxrwx");
              Files.createFile(b.resolve("n"), PosixFilePermissions.asFileAttribute(all));
              Files.createDirectory(b.resolve("m"), PosixFilePermissions.asFileAttribute(all));
              return perms(Files.getPosixFilePermissions(b.resolve("n")))
                  + " "
                  + perms(Files.getPosixFilePermissions(b.resolve("m")));
            },
            "rwxr-xr-x rwxr-xr-x",
            "rwxrwxrwx rwxrwxrwx"),
        // a new directory is 0777 less the umask, Jimfs gives it the file default
        compare.likeLinuxUnchecked(
            "getPosixFilePermissions of a new directory",
            b -> Files.getPosixFilePermissions(b.resolve("e")),
            "rwxr-xr-x",
            "rw-r--r--"));
  }

  @TestFactory
  Stream<DynamicTest> checksAndPredicates() {
    List<DynamicTest> tests = new ArrayList<>();
    String[] names = {"f", "d", "lf", "ld", "dang", "loop", "zz", "f/x", "ld/g", "d/.."};
    for (String n : names) {
      tests.add(
          compare.same(
              "exists, isRegularFile, isDirectory, isSymbolicLink, isReadable, isWritable of " + n,
              b -> {
                Path p = b.resolve(n);
                return "exists="
                    + Files.exists(p)
                    + ","
                    + Files.exists(p, NOFOLLOW_LINKS)
                    + " regular="
                    + Files.isRegularFile(p)
                    + ","
                    + Files.isRegularFile(p, NOFOLLOW_LINKS)
                    + " dir="
                    + Files.isDirectory(p)
                    + ","
                    + Files.isDirectory(p, NOFOLLOW_LINKS)
                    + " link="
                    + Files.isSymbolicLink(p)
                    + " readable="
                    + Files.isReadable(p)
                    + " writable="
                    + Files.isWritable(p);
              }));
      if (!n.equals("f/x")) {
        tests.add(
            compare.same(
                "notExists of " + n,
                b ->
                    Files.notExists(b.resolve(n))
                        + " "
                        + Files.notExists(b.resolve(n), NOFOLLOW_LINKS)));
      }
    }
    return Stream.concat(
        tests.stream(),
        Stream.of(
            compare.likeLinuxOnJdk17(
                "notExists under a file", b -> Files.notExists(b.resolve("f/x")), "false", "true"),
            compare.same(
                "size of a file and of a link to it",
                b -> Files.size(b.resolve("f")) + " " + Files.size(b.resolve("lf"))),
            compare.same("size of a missing file", b -> Files.size(b.resolve("zz"))),
            compare.likeLinux(
                "size of a link loop",
                b -> Files.size(b.resolve("loop")),
                "!FileSystemException(loop)",
                "!IOException"),
            compare.same(
                "isHidden of .x, f, d/.., the root and x/.",
                b ->
                    Files.isHidden(b.resolve(".x"))
                        + " "
                        + Files.isHidden(b.resolve("f"))
                        + " "
                        + Files.isHidden(b.resolve("d/.."))
                        + " "
                        + Files.isHidden(b.getRoot())
                        + " "
                        + Files.isHidden(b.resolve("x/."))),
            // (not checked on the host, whose temporary directory may be mounted noexec)
            compare.likeLinuxUnchecked(
                "isExecutable of a directory and of an executable",
                b -> {
                  Files.setPosixFilePermissions(
                      b.resolve("f"), PosixFilePermissions.fromString("rwxr--r--"));
                  return Files.isExecutable(b.resolve("d"))
                      + " "
                      + Files.isExecutable(b.resolve("f"));
                },
                "true true",
                "true true"),
            compare.same(
                "checkAccess of a missing file",
                b -> {
                  b.getFileSystem().provider().checkAccess(b.resolve("zz"));
                  return "ok";
                }),
            // execute needs an x bit, even for root; Jimfs does not check
            compare.likeLinux(
                "checkAccess EXECUTE of a file without x bits",
                b -> {
                  b.getFileSystem().provider().checkAccess(b.resolve("f"), AccessMode.EXECUTE);
                  return "ok";
                },
                "!AccessDeniedException(f)",
                "ok"),
            compare.likeLinux(
                "isExecutable of a file without x bits",
                b -> Files.isExecutable(b.resolve("f")),
                "false",
                "true")));
  }

  @TestFactory
  Stream<DynamicTest> isSameFile() {
    return Stream.of(
        compare.same(
            "isSameFile of one file, through links, and of two files",
            b ->
                Files.isSameFile(b.resolve("f"), b.resolve("f"))
                    + " "
                    + Files.isSameFile(b.resolve("lf"), b.resolve("f"))
                    + " "
                    + Files.isSameFile(b.resolve("ld/g"), b.resolve("d/g"))
                    + " "
                    + Files.isSameFile(b.resolve("d/.."), b)
                    + " "
                    + Files.isSameFile(b.resolve("f"), b.resolve("f2"))
                    + " "
                    + Files.isSameFile(b.resolve("zz"), b.resolve("zz"))),
        compare.same(
            "isSameFile of hard links",
            b -> {
              Files.createLink(b.resolve("h"), b.resolve("f"));
              return Files.isSameFile(b.resolve("h"), b.resolve("f"));
            }),
        // Linux stats both paths; Jimfs answers false for a missing one
        compare.likeLinux(
            "isSameFile with a missing file",
            b -> Files.isSameFile(b.resolve("f"), b.resolve("zz")),
            "!NoSuchFileException(zz)",
            "false"),
        compare.likeLinux(
            "isSameFile with a dangling link",
            b -> Files.isSameFile(b.resolve("dang"), b.resolve("f")),
            "!NoSuchFileException(dang)",
            "false"));
  }

  @TestFactory
  Stream<DynamicTest> realPaths() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String n :
        new String[] {
          "f", "lf", "ld/g", "ld/sub/../g", "ld/..", "d/./sub", ".", "dang", "zz", "ld/zz"
        }) {
      tests.add(compare.same("toRealPath of " + n, b -> b.resolve(n).toRealPath()));
    }
    tests.add(
        compare.likeLinux(
            "toRealPath of a link loop",
            b -> b.resolve("loop").toRealPath(),
            "!FileSystemException(loop)",
            "!IOException"));
    tests.add(
        compare.likeLinux(
            "toRealPath of f/.",
            b -> b.resolve("f/.").toRealPath(),
            "!FileSystemException(f/.)",
            "!NoSuchFileException(f/.)"));
    for (String n : new String[] {"f", "lf", "dang", "loop", "d/sub/..", "e/./."}) {
      tests.add(
          compare.same(
              "toRealPath of " + n + " with NOFOLLOW_LINKS",
              b -> b.resolve(n).toRealPath(NOFOLLOW_LINKS)));
    }
    return Stream.concat(
        tests.stream(),
        Stream.of(
            // With NOFOLLOW_LINKS the JDK resolves no link at all, not even one on the way: it
            // drops "." and
            // a ".." after a name that is not a link, then checks the result exists; Jimfs resolves
            // the links
            // on the way, and names the path as given in its errors
            compare.likeLinux(
                "toRealPath of ld/g with NOFOLLOW_LINKS",
                b -> b.resolve("ld/g").toRealPath(NOFOLLOW_LINKS),
                "ld/g",
                "d/g"),
            compare.likeLinux(
                "toRealPath of ld/sub/../g with NOFOLLOW_LINKS",
                b -> b.resolve("ld/sub/../g").toRealPath(NOFOLLOW_LINKS),
                "ld/g",
                "d/g"),
            compare.likeLinux(
                "toRealPath of ld/../f with NOFOLLOW_LINKS",
                b -> b.resolve("ld/../f").toRealPath(NOFOLLOW_LINKS),
                "ld/../f",
                "f"),
            compare.likeLinux(
                "toRealPath of f/.. with NOFOLLOW_LINKS",
                b -> b.resolve("f/..").toRealPath(NOFOLLOW_LINKS),
                ".",
                "!NoSuchFileException(f/..)"),
            compare.likeLinux(
                "toRealPath of zz/../f with NOFOLLOW_LINKS",
                b -> b.resolve("zz/../f").toRealPath(NOFOLLOW_LINKS),
                "!NoSuchFileException(zz)",
                "!NoSuchFileException(zz/../f)"),
            compare.likeLinux(
                "toRealPath of ld/sub/../zz with NOFOLLOW_LINKS",
                b -> b.resolve("ld/sub/../zz").toRealPath(NOFOLLOW_LINKS),
                "!NoSuchFileException(ld/zz)",
                "!NoSuchFileException(ld/sub/../zz)")));
  }

  // ---- links -----------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> symbolicLinks() {
    return Stream.of(
        compare.same(
            "createSymbolicLink, readSymbolicLink",
            b -> {
              FileSystem fs = b.getFileSystem();
              Files.createSymbolicLink(b.resolve("n"), fs.getPath("d/g"));
              Files.createSymbolicLink(b.resolve("up"), fs.getPath("../x/./y/"));
              Files.createSymbolicLink(b.resolve("abs"), b.resolve("d"));
              return Files.readSymbolicLink(b.resolve("n"))
                  + " "
                  + Files.readSymbolicLink(b.resolve("up"))
                  + " "
                  + render(b, Files.readSymbolicLink(b.resolve("abs")))
                  + " "
                  + Files.readAllBytes(b.resolve("n")).length
                  + " "
                  + Files.exists(b.resolve("abs/g"));
            }),
        compare.same(
            "size through a relative link, which resolves from its directory",
            b -> {
              Files.createSymbolicLink(b.resolve("d/up"), b.getFileSystem().getPath("../f"));
              return Files.size(b.resolve("d/up")) + " " + Files.size(b.resolve("ld/up"));
            }),
        compare.same(
            "readSymbolicLink, size and toRealPath through a chain of links",
            b -> {
              Files.createSymbolicLink(b.resolve("l2"), b.getFileSystem().getPath("lf"));
              return Files.readSymbolicLink(b.resolve("l2"))
                  + " "
                  + Files.size(b.resolve("l2"))
                  + " "
                  + render(b, b.resolve("l2").toRealPath());
            }),
        compare.same(
            "size and exists through 40 links, and through 41",
            b -> {
              for (int i = 1; i <= 41; i++) {
                Files.createSymbolicLink(
                    b.resolve("c" + i), b.getFileSystem().getPath(i == 1 ? "f" : "c" + (i - 1)));
              }
              return Files.size(b.resolve("c40"))
                  + " "
                  + Files.exists(b.resolve("c41"))
                  + " "
                  + Files.notExists(b.resolve("c41"));
            }),
        compare.same(
            "createSymbolicLink over a file",
            b -> Files.createSymbolicLink(b.resolve("f"), b.getFileSystem().getPath("x"))),
        compare.same(
            "createSymbolicLink over a dangling link",
            b -> Files.createSymbolicLink(b.resolve("dang"), b.getFileSystem().getPath("x"))),
        compare.same(
            "createSymbolicLink without its directory",
            b -> Files.createSymbolicLink(b.resolve("x/y"), b.getFileSystem().getPath("f"))),
        compare.same("readSymbolicLink of a file", b -> Files.readSymbolicLink(b.resolve("f"))),
        compare.same(
            "readSymbolicLink of a missing file", b -> Files.readSymbolicLink(b.resolve("zz"))),
        compare.same(
            "readSymbolicLink through a link", b -> Files.readSymbolicLink(b.resolve("ld/../lf"))),
        compare.same(
            "isSymbolicLink, exists, notExists and readSymbolicLink of a link loop",
            b ->
                Files.isSymbolicLink(b.resolve("loop"))
                    + " "
                    + Files.exists(b.resolve("loop"))
                    + " "
                    + Files.notExists(b.resolve("loop"))
                    + " "
                    + Files.readSymbolicLink(b.resolve("loop"))),
        compare.likeLinux(
            "createSymbolicLink under a file",
            b -> Files.createSymbolicLink(b.resolve("f/x"), b.getFileSystem().getPath("f")),
            "!FileSystemException(f/x)",
            "!NoSuchFileException(f/x)"),
        // symlink(2) refuses an empty target (ENOENT); Jimfs makes the link
        compare.likeLinux(
            "createSymbolicLink to an empty path",
            b -> Files.createSymbolicLink(b.resolve("n"), b.getFileSystem().getPath("")),
            "!NoSuchFileException(n)",
            "n"),
        // the JDK refuses initial attributes for a link; Jimfs takes them
        compare.likeLinux(
            "createSymbolicLink with permissions",
            b ->
                Files.createSymbolicLink(
                    b.resolve("n"),
                    b.resolve("f"),
                    PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------"))),
            "!UnsupportedOperationException",
            "n"));
  }

  @TestFactory
  Stream<DynamicTest> hardLinks() {
    return Stream.of(
        compare.same(
            "createLink",
            b -> {
              Files.createLink(b.resolve("h"), b.resolve("f"));
              Files.write(b.resolve("h"), new byte[] {7}, APPEND);
              Files.delete(b.resolve("f"));
              return Arrays.toString(Files.readAllBytes(b.resolve("h")))
                  + " "
                  + Files.getAttribute(b.resolve("h"), "unix:nlink");
            }),
        compare.same(
            "createLink through a link to a directory",
            b -> {
              Files.createLink(b.resolve("h"), b.resolve("ld/g"));
              return Files.isSameFile(b.resolve("h"), b.resolve("d/g"))
                  + " "
                  + Files.getAttribute(b.resolve("d/g"), "unix:nlink");
            }),
        compare.same(
            "createLink to a directory", b -> Files.createLink(b.resolve("h"), b.resolve("d"))),
        // link(2)'s errors name both paths in the JDK; Jimfs names one
        compare.likeLinux(
            "createLink over an existing name",
            b -> Files.createLink(b.resolve("f2"), b.resolve("f")),
            "!FileAlreadyExistsException(f2 -> f)",
            "!FileAlreadyExistsException(f2)"),
        compare.likeLinux(
            "createLink to a missing file",
            b -> Files.createLink(b.resolve("h"), b.resolve("zz")),
            "!NoSuchFileException(h -> zz)",
            "!NoSuchFileException(zz)"),
        compare.likeLinux(
            "createLink without its directory",
            b -> Files.createLink(b.resolve("x/h"), b.resolve("f")),
            "!NoSuchFileException(x/h -> f)",
            "!NoSuchFileException(x/h)"),
        // link(2) does not follow a link: it links the link itself. Jimfs follows it
        compare.likeLinux(
            "createLink to a link",
            b -> {
              Files.createLink(b.resolve("h"), b.resolve("lf"));
              return Files.isSymbolicLink(b.resolve("h"))
                  + " "
                  + Files.isSameFile(b.resolve("h"), b.resolve("f"));
            },
            "true true",
            "false true"),
        compare.likeLinux(
            "createLink to a dangling link",
            b -> {
              Files.createLink(b.resolve("h"), b.resolve("dang"));
              return Files.readSymbolicLink(b.resolve("h"));
            },
            "nowhere",
            "!NoSuchFileException(dang)"));
  }

  // ---- stores ----------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> fileStores() {
    return Stream.of(
        compare.same(
            "getFileStore of a file and of a link",
            b -> Files.getFileStore(b.resolve("f")).equals(Files.getFileStore(b.resolve("ld")))),
        // Linux stats the path; Jimfs answers for any path
        compare.likeLinux(
            "getFileStore of a missing file",
            b -> Files.getFileStore(b.resolve("zz")) != null,
            "!NoSuchFileException(zz)",
            "true"),
        compare.likeLinux(
            "getFileStore of a dangling link",
            b -> Files.getFileStore(b.resolve("dang")) != null,
            "!NoSuchFileException(dang)",
            "true"));
  }

  @Test
  void theFileStoreDescribesTheDevice() throws IOException {
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
    assertThatThrownBy(() -> store.getAttribute("foo"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  // ---- secure directory streams ----------------------------------------------------------------

  private interface SdsOp {
    Object run(Path base, SecureDirectoryStream<Path> stream) throws Exception;
  }

  /**
   * {@code op} on a secure stream of the fixture, with relative paths from {@code base}'s
   * filesystem.
   */
  private static ThreeWayComparison.Op secure(SdsOp op) {
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

  @TestFactory
  Stream<DynamicTest> secureDirectoryStreams() {
    return Stream.of(
        compare.same(
            "SecureDirectoryStream.deleteFile, deleteDirectory",
            secure(
                (b, s) -> {
                  s.deleteFile(rel(b, "f"));
                  s.deleteFile(rel(b, "ld"));
                  s.deleteDirectory(rel(b, "e"));
                  s.deleteFile(rel(b, "d/g"));
                  return names(Files.newDirectoryStream(b))
                      + " "
                      + names(Files.newDirectoryStream(b.resolve("d")));
                })),
        compare.same(
            "SecureDirectoryStream.deleteFile of a directory",
            secure(
                (b, s) -> {
                  s.deleteFile(rel(b, "e"));
                  return "deleted";
                })),
        compare.same(
            "SecureDirectoryStream.deleteDirectory of a file",
            secure(
                (b, s) -> {
                  s.deleteDirectory(rel(b, "f"));
                  return "deleted";
                })),
        compare.same(
            "SecureDirectoryStream.deleteDirectory of a link to a directory",
            secure(
                (b, s) -> {
                  s.deleteDirectory(rel(b, "ld"));
                  return "deleted";
                })),
        compare.same(
            "SecureDirectoryStream.deleteFile of a missing file",
            secure(
                (b, s) -> {
                  s.deleteFile(rel(b, "zz"));
                  return "deleted";
                })),
        compare.same(
            "SecureDirectoryStream.deleteFile with an absolute path",
            secure(
                (b, s) -> {
                  s.deleteFile(b.resolve("f2"));
                  return Files.exists(b.resolve("f2"));
                })),
        compare.same(
            "SecureDirectoryStream.newByteChannel to create and to read through a link",
            secure(
                (b, s) -> {
                  try (SeekableByteChannel ch =
                      s.newByteChannel(rel(b, "n"), Set.of(WRITE, CREATE_NEW))) {
                    ch.write(ByteBuffer.wrap(new byte[] {1, 2}));
                  }
                  try (SeekableByteChannel ch = s.newByteChannel(rel(b, "lf"), Set.of(READ))) {
                    return Files.size(b.resolve("n")) + " " + ch.size();
                  }
                })),
        compare.same(
            "SecureDirectoryStream.newByteChannel of a directory",
            secure((b, s) -> s.newByteChannel(rel(b, "d"), Set.of(WRITE)))),
        compare.same(
            "SecureDirectoryStream.newByteChannel after its directory is renamed",
            b -> {
              try (SecureDirectoryStream<Path> s =
                  (SecureDirectoryStream<Path>) Files.newDirectoryStream(b.resolve("d"))) {
                Files.move(b.resolve("d"), b.resolve("moved"));
                try (SeekableByteChannel ch = s.newByteChannel(rel(b, "g"), Set.of(READ))) {
                  return ch.size()
                      + " "
                      + s.getFileAttributeView(BasicFileAttributeView.class)
                          .readAttributes()
                          .isDirectory();
                }
              }
            }),
        compare.same(
            "SecureDirectoryStream.move to another stream's directory",
            b -> {
              try (SecureDirectoryStream<Path> s =
                      (SecureDirectoryStream<Path>) Files.newDirectoryStream(b.resolve("d"));
                  SecureDirectoryStream<Path> t =
                      (SecureDirectoryStream<Path>) Files.newDirectoryStream(b.resolve("e"))) {
                s.move(rel(b, "g"), t, rel(b, "g2"));
                return names(Files.newDirectoryStream(b.resolve("d")))
                    + " "
                    + names(Files.newDirectoryStream(b.resolve("e")));
              }
            }),
        compare.likeLinux(
            "SecureDirectoryStream.move of a missing file",
            secure(
                (b, s) -> {
                  s.move(rel(b, "zz"), s, rel(b, "n"));
                  return "moved";
                }),
            "!NoSuchFileException(zz -> n)",
            "!NoSuchFileException(zz)"),
        compare.same(
            "SecureDirectoryStream.newDirectoryStream through a link",
            secure(
                (b, s) -> {
                  try (SecureDirectoryStream<Path> sub = s.newDirectoryStream(rel(b, "ld"))) {
                    List<String> l = new ArrayList<>();
                    sub.forEach(p -> l.add(p.toString()));
                    l.sort(null);
                    return l;
                  }
                })),
        compare.same(
            "SecureDirectoryStream.newDirectoryStream of a file",
            secure((b, s) -> s.newDirectoryStream(rel(b, "f")))),
        compare.same(
            "SecureDirectoryStream.getFileAttributeView of the directory, a file and a link",
            secure(
                (b, s) ->
                    s.getFileAttributeView(rel(b, "f"), BasicFileAttributeView.class)
                            .readAttributes()
                            .size()
                        + " "
                        + s.getFileAttributeView(BasicFileAttributeView.class)
                            .readAttributes()
                            .isDirectory()
                        + " "
                        + s.getFileAttributeView(
                                rel(b, "lf"), BasicFileAttributeView.class, NOFOLLOW_LINKS)
                            .readAttributes()
                            .isSymbolicLink()
                        + " "
                        + s.getFileAttributeView(rel(b, "f"), PosixFileAttributeView.class)
                            .readAttributes()
                            .permissions()
                            .size())),
        compare.same(
            "SecureDirectoryStream.deleteFile on a closed stream",
            b -> {
              SecureDirectoryStream<Path> s =
                  (SecureDirectoryStream<Path>) Files.newDirectoryStream(b);
              s.close();
              s.deleteFile(rel(b, "f"));
              return "deleted";
            }),
        // SecureDirectoryStream.move is renameat(2): it replaces an existing target, and refuses a
        // non-empty directory with ENOTEMPTY; Jimfs refuses any existing target
        compare.likeLinux(
            "SecureDirectoryStream.move over a file",
            secure(
                (b, s) -> {
                  s.move(rel(b, "f2"), s, rel(b, "f"));
                  return Files.size(b.resolve("f"));
                }),
            "2",
            "!FileAlreadyExistsException(f)"),
        compare.likeLinux(
            "SecureDirectoryStream.move over a non-empty directory",
            secure(
                (b, s) -> {
                  s.move(rel(b, "e"), s, rel(b, "d"));
                  return "moved";
                }),
            "!FileSystemException(e -> d)",
            "!FileAlreadyExistsException(d)"),
        // opening a link as a directory with NOFOLLOW_LINKS is ELOOP; Jimfs says it is no directory
        compare.likeLinux(
            "SecureDirectoryStream.newDirectoryStream of a link with NOFOLLOW_LINKS",
            secure((b, s) -> s.newDirectoryStream(rel(b, "ld"), NOFOLLOW_LINKS)),
            "!FileSystemException(ld)",
            "!NotDirectoryException(ld)"));
  }

  // ---- across filesystems ----------------------------------------------------------------------

  /**
   * An operation from a fixture under {@code source} to an almost empty directory {@code target}.
   */
  @FunctionalInterface
  private interface CrossOp {
    Object run(Path source, Path target) throws Exception;
  }

  private final AtomicInteger crossings = new AtomicInteger();

  /**
   * What {@code op} does from a fresh fixture in {@code from} to a fresh directory in {@code to}.
   */
  private String cross(Path from, Path to, CrossOp op) {
    int n = crossings.getAndIncrement();
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

  private static final List<CrossCheck> CROSS_CHECKS =
      List.of(
          new CrossCheck(
              "copy a file",
              (s, t) ->
                  Files.copy(s.resolve("f"), t.resolve("n"))
                      + " "
                      + Arrays.toString(Files.readAllBytes(t.resolve("n")))
                      + " "
                      + (Files.getLastModifiedTime(t.resolve("n")).toMillis() > 123_000)),
          new CrossCheck(
              "copy a file with COPY_ATTRIBUTES",
              (s, t) ->
                  Files.copy(s.resolve("f"), t.resolve("n"), COPY_ATTRIBUTES)
                      + " "
                      + Files.getLastModifiedTime(t.resolve("n")).toMillis()),
          new CrossCheck(
              "copy over a file", (s, t) -> Files.copy(s.resolve("f"), t.resolve("exists"))),
          new CrossCheck(
              "copy over a file, REPLACE_EXISTING",
              (s, t) ->
                  Files.copy(s.resolve("f"), t.resolve("exists"), REPLACE_EXISTING)
                      + " "
                      + Files.size(t.resolve("exists"))),
          new CrossCheck(
              "copy over a non-empty directory, REPLACE_EXISTING",
              (s, t) -> Files.copy(s.resolve("f"), t.resolve("full"), REPLACE_EXISTING)),
          new CrossCheck(
              "copy a directory",
              (s, t) ->
                  Files.copy(s.resolve("d"), t.resolve("n"))
                      + " "
                      + names(Files.newDirectoryStream(t.resolve("n")))),
          new CrossCheck(
              "copy a link",
              (s, t) ->
                  Files.copy(s.resolve("lf"), t.resolve("n"))
                      + " "
                      + Files.isSymbolicLink(t.resolve("n"))
                      + " "
                      + Files.size(t.resolve("n"))),
          new CrossCheck(
              "copy a missing file", (s, t) -> Files.copy(s.resolve("zz"), t.resolve("n"))),
          new CrossCheck(
              "copy into a missing directory",
              (s, t) -> Files.copy(s.resolve("f"), t.resolve("x/y"))),
          new CrossCheck(
              "copy a stream",
              (s, t) -> {
                try (InputStream in = Files.newInputStream(s.resolve("f"))) {
                  return Files.copy(in, t.resolve("n"))
                      + " "
                      + Arrays.toString(Files.readAllBytes(t.resolve("n")));
                }
              }),
          new CrossCheck(
              "move a file",
              (s, t) ->
                  Files.move(s.resolve("f"), t.resolve("n"))
                      + " "
                      + Files.exists(s.resolve("f"))
                      + " "
                      + Files.getLastModifiedTime(t.resolve("n")).toMillis()),
          new CrossCheck(
              "move an empty directory",
              (s, t) ->
                  Files.move(s.resolve("e"), t.resolve("n"))
                      + " "
                      + Files.exists(s.resolve("e"))
                      + " "
                      + Files.isDirectory(t.resolve("n"))),
          new CrossCheck(
              "move over a file", (s, t) -> Files.move(s.resolve("f"), t.resolve("exists"))),
          new CrossCheck(
              "move over a file, REPLACE_EXISTING",
              (s, t) ->
                  Files.move(s.resolve("f"), t.resolve("exists"), REPLACE_EXISTING)
                      + " "
                      + Files.size(t.resolve("exists"))));

  private record CrossCheck(String what, CrossOp op) {}

  /**
   * Whether {@code op} with daxfs on one side ({@code daxFrom} to {@code daxTo}) answers as it does
   * with another filesystem in daxfs's place ({@code otherFrom} to {@code otherTo}).
   */
  private DynamicTest crossSame(
      String what,
      CrossOp op,
      Path daxFrom,
      Path daxTo,
      String other,
      Path otherFrom,
      Path otherTo) {
    return dynamicTest(
        what,
        () -> {
          String withDax = cross(daxFrom, daxTo, op);
          String withOther = cross(otherFrom, otherTo, op);
          if (!withDax.equals(withOther)) {
            throw new AssertionFailedError(
                what
                    + ": they answered\n    with daxfs: "
                    + withDax
                    + "\n    with "
                    + other
                    + " in its place: "
                    + withOther,
                withOther,
                withDax);
          }
        });
  }

  /**
   * Copies and moves between providers go through the JDK's generic code, which sees daxfs only
   * through its streams and attributes: daxfs as the source (or target) must give what Jimfs (or
   * the default filesystem) gives in its place.
   */
  @TestFactory
  Stream<DynamicTest> copyAndMoveAcrossProviders() throws IOException {
    Path jimfsTarget = Files.createDirectory(jimfs.getPath("/cross"));
    Path daxTarget = Files.createDirectory(dax.getPath("/cross"));
    Path host = Files.createDirectory(tmp.resolve("cross"));
    FileSystem otherJimfs = Jimfs.newFileSystem(JIMFS_UNIX);
    alsoOpen.add(otherJimfs);
    Path otherJimfsRoot = otherJimfs.getPath("/");
    return CROSS_CHECKS.stream()
        .flatMap(
            c ->
                Stream.of(
                    crossSame(
                        c.what + ", from daxfs to Jimfs",
                        c.op,
                        daxRoot,
                        jimfsTarget,
                        "the default filesystem",
                        host,
                        jimfsTarget),
                    crossSame(
                        c.what + ", from Jimfs to daxfs",
                        c.op,
                        otherJimfsRoot,
                        daxTarget,
                        "the default filesystem",
                        otherJimfsRoot,
                        host),
                    crossSame(
                        c.what + ", from daxfs to the default filesystem",
                        c.op,
                        daxRoot,
                        host,
                        "Jimfs",
                        otherJimfsRoot,
                        host)));
  }

  /** {@code op} between two daxfs filesystems and between two Jimfs ones answers as written. */
  private DynamicTest betweenTwo(
      String what, CrossOp op, Path daxTarget, String daxfs, Path jimfsTarget, String jimfs) {
    return dynamicTest(
        what,
        () -> {
          String d = cross(daxRoot, daxTarget, op);
          String j = cross(jimfsRoot, jimfsTarget, op);
          if (!d.equals(daxfs) || !j.equals(jimfs)) {
            String want = "    daxfs: " + daxfs + "\n    Jimfs: " + jimfs;
            String got = "    daxfs: " + d + "\n    Jimfs: " + j;
            throw new AssertionFailedError(
                what + ": want\n" + want + "\n  answered\n" + got, want, got);
          }
        });
  }

  /** Between two daxfs filesystems daxfs copies itself: as Jimfs does between two of its own. */
  @TestFactory
  Stream<DynamicTest> copyAndMoveBetweenTwoDaxFileSystems() throws IOException {
    FileSystem dax2 =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(16 << 20).build());
    alsoOpen.add(dax2);
    FileSystem jimfs2 = Jimfs.newFileSystem(JIMFS_UNIX);
    alsoOpen.add(jimfs2);
    List<CrossCheck> checks = new ArrayList<>(CROSS_CHECKS);
    checks.add(
        new CrossCheck(
            "copy a link with NOFOLLOW_LINKS",
            (s, t) ->
                Files.copy(s.resolve("lf"), t.resolve("n"), NOFOLLOW_LINKS)
                    + " "
                    + Files.readSymbolicLink(t.resolve("n"))));
    checks.add(
        new CrossCheck(
            "move a link",
            (s, t) ->
                Files.move(s.resolve("lf"), t.resolve("n"))
                    + " "
                    + Files.readSymbolicLink(t.resolve("n"))
                    + " "
                    + Files.exists(s.resolve("lf"), NOFOLLOW_LINKS)));
    checks.add(
        new CrossCheck(
            "move a non-empty directory", (s, t) -> Files.move(s.resolve("d"), t.resolve("n"))));
    Path daxTarget = dax2.getPath("/");
    Path jimfsTarget = jimfs2.getPath("/");
    Stream<DynamicTest> likeJimfs =
        checks.stream()
            .map(
                c ->
                    crossSame(
                        c.what + ", between two daxfs filesystems",
                        c.op,
                        daxRoot,
                        daxTarget,
                        "two Jimfs filesystems",
                        jimfsRoot,
                        jimfsTarget));
    // Two filesystems are two devices: rename(2) fails with EXDEV, which the JDK reports as
    // AtomicMoveNotSupportedException and link(2) as a FileSystemException; Jimfs moves, and
    // refuses the link with IllegalArgumentException
    CrossOp atomic = (s, t) -> Files.move(s.resolve("f"), t.resolve("n"), ATOMIC_MOVE);
    CrossOp link = (s, t) -> Files.createLink(t.resolve("n"), s.resolve("f"));
    // Across devices the JDK copies with COPY_ATTRIBUTES, and moves, keeping the permissions;
    // Jimfs keeps only the basic attributes between two of its filesystems
    CrossOp copyWithAttributes =
        (s, t) -> {
          Files.setPosixFilePermissions(
              s.resolve("f"), PosixFilePermissions.fromString("rwx------"));
          Files.copy(s.resolve("f"), t.resolve("n"), COPY_ATTRIBUTES);
          return perms(Files.getPosixFilePermissions(t.resolve("n")));
        };
    CrossOp moveKeepsPermissions =
        (s, t) -> {
          Files.setPosixFilePermissions(
              s.resolve("f"), PosixFilePermissions.fromString("rwx------"));
          Files.move(s.resolve("f"), t.resolve("n"));
          return perms(Files.getPosixFilePermissions(t.resolve("n")));
        };
    return Stream.concat(
        likeJimfs,
        Stream.of(
            betweenTwo(
                "move with ATOMIC_MOVE between two filesystems",
                atomic,
                daxTarget,
                "!AtomicMoveNotSupportedException(f -> n)",
                jimfsTarget,
                "n"),
            betweenTwo(
                "createLink between two filesystems",
                link,
                daxTarget,
                "!FileSystemException(n -> f)",
                jimfsTarget,
                "!IllegalArgumentException"),
            dynamicTest(
                "isSameFile of the roots of two daxfs filesystems",
                () -> assertThat(Files.isSameFile(daxRoot, daxTarget)).isFalse()),
            betweenTwo(
                "copy with COPY_ATTRIBUTES between two filesystems",
                copyWithAttributes,
                daxTarget,
                "rwx------",
                jimfsTarget,
                "rw-r--r--"),
            betweenTwo(
                "move between two filesystems",
                moveKeepsPermissions,
                daxTarget,
                "rwx------",
                jimfsTarget,
                "rw-r--r--")));
  }

  // ---- URIs and the provider's filesystems -----------------------------------------------------

  @Test
  void uriRoundTrip() throws IOException {
    Path dir = Files.createDirectories(dax.getPath("/u/a dir"));
    Path file = Files.createFile(dir.resolve("f%#?\u00e9"));
    for (Path p :
        List.of(dir, file, dax.getPath("/"), dax.getPath("/missing/x"), dax.getPath("rel"))) {
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
      assertThatThrownBy(() -> FileSystems.newFileSystem(uri, Map.of()))
          .isInstanceOf(FileSystemAlreadyExistsException.class);
      Path p = Paths.get(URI.create("dax://comparison-test/a/b"));
      assertThat(p.getFileSystem()).isSameAs(fs);
      assertThat(p.toString()).isEqualTo("/a/b");
      Files.createDirectories(p);
      assertThat(Files.isDirectory(fs.getPath("/a/b"))).isTrue();
      assertThat(Paths.get(p.toUri())).isEqualTo(p);
      assertThatThrownBy(
              () ->
                  FileSystems.newFileSystem(
                      URI.create("dax://other"), Map.of("deviceSize", "lots")))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(
              () -> FileSystems.newFileSystem(URI.create("dax://other"), Map.of("noSuchKey", "1")))
          .isInstanceOf(IllegalArgumentException.class);
    } finally {
      fs.close();
    }
    assertThat(fs.isOpen()).isFalse();
    assertThatThrownBy(() -> FileSystems.getFileSystem(uri))
        .isInstanceOf(FileSystemNotFoundException.class);
    assertThatThrownBy(() -> Paths.get(URI.create("dax://comparison-test/a")))
        .isInstanceOf(FileSystemNotFoundException.class);
    // the name is free again
    FileSystems.newFileSystem(uri, Map.of()).close();
  }
}
