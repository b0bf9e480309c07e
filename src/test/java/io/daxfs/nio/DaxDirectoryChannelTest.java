package io.daxfs.nio;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.DSYNC;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.SPARSE;
import static java.nio.file.StandardOpenOption.SYNC;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directories open as read-only channels, as on Linux, so that {@code force} can make their entries
 * durable. Each operation is compared with the JDK's default provider on the host, class and
 * message, where the host is Linux.
 */
class DaxDirectoryChannelTest {
  private static final boolean LINUX = System.getProperty("os.name", "").equals("Linux");

  @TempDir Path tmp;
  private FileSystem fs;
  private Path dir;

  @BeforeEach
  void setUp() throws IOException {
    fs = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(16 << 20).build());
    dir = Files.createDirectory(fs.getPath("/d"));
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  /**
   * An operation on a channel opened on a directory, with a regular file {@code file} beside it.
   */
  @FunctionalInterface
  interface ChannelOp {
    Object run(FileChannel dirChannel, Path file) throws Exception;
  }

  /** What an operation comes to: its result, or the exception's class and message. */
  private static String outcome(Path dir, ChannelOp op) throws IOException {
    Path file = dir.resolveSibling(dir.getFileName() + "-file");
    Files.write(file, new byte[] {1, 2, 3, 4, 5});
    try (FileChannel ch = FileChannel.open(dir, READ)) {
      Object result = op.run(ch, file);
      return result instanceof FileLock l
          ? "lock " + l.position() + "+" + l.size() + " shared=" + l.isShared()
          : String.valueOf(result);
    } catch (Exception e) {
      return "!" + e.getClass().getName() + ": " + e.getMessage();
    } finally {
      Files.delete(file);
    }
  }

  private final List<String> mismatches = new ArrayList<>();

  /** The op gives {@code expected} on daxfs and, on a Linux host, the same there. */
  private void check(String what, String expected, ChannelOp op) throws IOException {
    String dax = outcome(dir, op);
    String host = LINUX ? outcome(Files.createTempDirectory(tmp, "d"), op) : expected;
    if (!dax.equals(expected) || !host.equals(expected)) {
      mismatches.add(what + ": want " + expected + "\n    daxfs: " + dax + "\n    host:  " + host);
    }
  }

  @Test
  void operationsFailOrSucceedAsOnLinux() throws IOException {
    String isDir = "!java.io.IOException: Is a directory";
    String nonWritable = "!java.nio.channels.NonWritableChannelException: null";
    check("read", isDir, (ch, f) -> ch.read(ByteBuffer.allocate(10)));
    check("read into a direct buffer", isDir, (ch, f) -> ch.read(ByteBuffer.allocateDirect(10)));
    check("read asking nothing", "0", (ch, f) -> ch.read(ByteBuffer.allocate(0)));
    check("read at a position", isDir, (ch, f) -> ch.read(ByteBuffer.allocate(10), 0));
    check("read far past the size", isDir, (ch, f) -> ch.read(ByteBuffer.allocate(10), 1 << 20));
    check("read at a position asking nothing", "0", (ch, f) -> ch.read(ByteBuffer.allocate(0), 0));
    check(
        "read into a read-only buffer",
        "!java.lang.IllegalArgumentException: Read-only buffer",
        (ch, f) -> ch.read(ByteBuffer.allocate(10).asReadOnlyBuffer()));
    check(
        "scattering read",
        isDir,
        (ch, f) -> ch.read(new ByteBuffer[] {ByteBuffer.allocate(0), ByteBuffer.allocate(4)}));
    check(
        "scattering read asking nothing",
        "0",
        (ch, f) -> ch.read(new ByteBuffer[] {ByteBuffer.allocate(0)}));
    check("write", nonWritable, (ch, f) -> ch.write(ByteBuffer.allocate(10)));
    check("write at a position", nonWritable, (ch, f) -> ch.write(ByteBuffer.allocate(10), 0));
    check(
        "gathering write",
        nonWritable,
        (ch, f) -> ch.write(new ByteBuffer[] {ByteBuffer.allocate(10)}));
    check("truncate", nonWritable, (ch, f) -> ch.truncate(0));
    check(
        "truncate to a negative size",
        "!java.lang.IllegalArgumentException: Negative size",
        (ch, f) -> ch.truncate(-1));
    check(
        "position",
        "0 7 7",
        (ch, f) -> ch.position() + " " + ch.position(7).position() + " " + ch.position());
    check(
        "force(true)",
        "done",
        (ch, f) -> {
          ch.force(true);
          return "done";
        });
    check(
        "force(false)",
        "done",
        (ch, f) -> {
          ch.force(false);
          return "done";
        });
    check("shared tryLock", "lock 0+10 shared=true", (ch, f) -> ch.tryLock(0, 10, true));
    check("shared lock", "lock 3+4 shared=true", (ch, f) -> ch.lock(3, 4, true));
    check("exclusive tryLock", nonWritable, (ch, f) -> ch.tryLock(0, 10, false));
    check("exclusive lock", nonWritable, (ch, f) -> ch.lock());
    check(
        "map READ_ONLY",
        "!java.io.IOException: No such device",
        (ch, f) -> ch.map(MapMode.READ_ONLY, 0, 10));
    check(
        "map READ_ONLY of nothing",
        "0 true",
        (ch, f) -> {
          var m = ch.map(MapMode.READ_ONLY, 0, 0);
          return m.capacity() + " " + m.isReadOnly();
        });
    check("map READ_WRITE", nonWritable, (ch, f) -> ch.map(MapMode.READ_WRITE, 0, 10));
    check("map PRIVATE", nonWritable, (ch, f) -> ch.map(MapMode.PRIVATE, 0, 10));
    check(
        "transferTo a stream",
        isDir,
        (ch, f) -> ch.transferTo(0, 10, Channels.newChannel(new ByteArrayOutputStream())));
    check(
        "transferTo nothing",
        "0",
        (ch, f) -> ch.transferTo(0, 0, Channels.newChannel(new ByteArrayOutputStream())));
    check(
        "transferTo from past the size",
        "0",
        (ch, f) -> ch.transferTo(1 << 20, 10, Channels.newChannel(new ByteArrayOutputStream())));
    check(
        "transferTo a read-only file channel",
        nonWritable,
        (ch, f) -> {
          try (FileChannel target = FileChannel.open(f, READ)) {
            return ch.transferTo(0, 10, target);
          }
        });
    check(
        "transferFrom a stream",
        nonWritable,
        (ch, f) ->
            ch.transferFrom(Channels.newChannel(new ByteArrayInputStream(new byte[5])), 0, 5));
    check(
        "a file's transferTo the directory",
        nonWritable,
        (ch, f) -> {
          try (FileChannel src = FileChannel.open(f, READ)) {
            return src.transferTo(0, 5, ch);
          }
        });
    check(
        "operations after close",
        "ClosedChannelException x10",
        (ch, f) -> {
          ch.close();
          int closed = 0;
          List<ChannelOp> ops =
              List.of(
                  (c, x) -> c.size(),
                  (c, x) -> c.position(),
                  (c, x) -> c.position(1),
                  (c, x) -> c.read(ByteBuffer.allocate(1)),
                  (c, x) -> c.write(ByteBuffer.allocate(1)),
                  (c, x) -> {
                    c.force(true);
                    return null;
                  },
                  (c, x) -> c.map(MapMode.READ_ONLY, 0, 1),
                  (c, x) -> c.tryLock(0, 1, true),
                  (c, x) -> c.truncate(0),
                  (c, x) -> c.transferTo(0, 1, Channels.newChannel(new ByteArrayOutputStream())));
          for (ChannelOp op : ops) {
            try {
              op.run(ch, f);
            } catch (ClosedChannelException e) {
              closed++;
            }
          }
          return "ClosedChannelException x" + closed;
        });
    assertThat(mismatches).isEmpty();
  }

  /**
   * Transfers between a directory and a file channel: JDK 17 fails them with "No such device" (it
   * tries a mapping first), newer JDKs with "Is a directory", as daxfs does: the answer of read(2)
   * that every other path gives. The host is checked on the newer JDKs.
   */
  @Test
  void transfersBetweenADirectoryAndAFileFailAsTheNewerJdks() throws IOException {
    String isDir = "!java.io.IOException: Is a directory";
    ChannelOp to =
        (ch, f) -> {
          try (FileChannel target = FileChannel.open(f, WRITE)) {
            return ch.transferTo(0, 10, target);
          }
        };
    ChannelOp from =
        (ch, f) -> {
          try (FileChannel target = FileChannel.open(f, WRITE)) {
            try {
              return target.transferFrom(ch, 0, 5);
            } catch (IOException e) {
              return "!"
                  + e.getClass().getName()
                  + ": "
                  + e.getMessage()
                  + " | file "
                  + (Files.readAllBytes(f).length == 5 ? "unchanged" : "changed");
            }
          }
        };
    if (Runtime.version().feature() > 17) {
      check("transferTo a file channel", isDir, to);
      check("a file's transferFrom the directory", isDir + " | file unchanged", from);
    } else {
      assertThat(outcome(dir, to)).isEqualTo(isDir);
      assertThat(outcome(dir, from)).isEqualTo(isDir + " | file unchanged");
    }
    assertThat(mismatches).isEmpty();
  }

  @Test
  void sizeIsTheDirectorysSizeAsStatReportsIt() throws IOException {
    try (FileChannel ch = FileChannel.open(dir, READ)) {
      assertThat(ch.size()).isEqualTo(Files.size(dir)).isEqualTo(4096);
    }
  }

  /**
   * What opening a directory with some options comes to: the size of the channel, or the exception.
   */
  @SuppressWarnings("try") // whether the open succeeds is the result; the channel is only closed
  private static String open(Path dir, Set<? extends OpenOption> options) {
    try (FileChannel ch = FileChannel.open(dir, options)) {
      return "opened " + Files.exists(dir);
    } catch (Exception e) {
      String s = "!" + e.getClass().getName();
      if (e instanceof FileSystemException f) {
        s +=
            "("
                + (f.getFile().equals(dir.toString()) ? "dir" : f.getFile())
                + "): "
                + f.getReason();
      }
      return s;
    }
  }

  @Test
  void openOptionsAsOpen2TreatsADirectory() throws IOException {
    String isDir = "!java.nio.file.FileSystemException(dir): Is a directory";
    String opened = "opened true";
    Object[][] cases = {
      {Set.of(READ), opened},
      {Set.of(), opened},
      {Set.of(READ, CREATE), opened},
      {Set.of(READ, CREATE_NEW), opened}, // without WRITE, creation options are ignored
      {Set.of(READ, TRUNCATE_EXISTING), opened},
      {Set.of(READ, DELETE_ON_CLOSE), opened}, // and the directory stays
      {Set.of(READ, LinkOption.NOFOLLOW_LINKS), opened},
      {Set.of(READ, SYNC), opened},
      {Set.of(READ, DSYNC), opened},
      {Set.of(READ, SPARSE), opened},
      {
        Set.of(READ, ExtendedOpenOption.DIRECT),
        "!java.nio.file.FileSystemException(dir): Invalid argument"
      },
      {Set.of(WRITE), isDir},
      {Set.of(APPEND), isDir},
      {Set.of(READ, WRITE), isDir},
      {Set.of(WRITE, CREATE), isDir},
      {Set.of(WRITE, TRUNCATE_EXISTING), isDir},
      {Set.of(WRITE, DELETE_ON_CLOSE), isDir},
      {Set.of(WRITE, ExtendedOpenOption.DIRECT), isDir},
      {Set.of(WRITE, CREATE_NEW), "!java.nio.file.FileAlreadyExistsException(dir): null"},
    };
    Path hostDir = LINUX ? Files.createDirectory(tmp.resolve("d")) : null;
    List<String> mismatches = new ArrayList<>();
    for (Object[] c : cases) {
      @SuppressWarnings("unchecked")
      Set<OpenOption> options = (Set<OpenOption>) c[0];
      String dax = open(dir, options);
      String host = hostDir == null ? (String) c[1] : open(hostDir, options);
      if (!dax.equals(c[1]) || !host.equals(c[1])) {
        mismatches.add(options + ": want " + c[1] + "\n    daxfs: " + dax + "\n    host:  " + host);
      }
    }
    assertThat(mismatches).isEmpty();
  }

  @Test
  void everyWayOfOpeningReachesTheDirectory() throws Exception {
    try (SeekableByteChannel ch = Files.newByteChannel(dir)) {
      assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(1))).hasMessage("Is a directory");
    }
    try (InputStream in = Files.newInputStream(dir)) {
      assertThatThrownBy(in::read)
          .isExactlyInstanceOf(IOException.class)
          .hasMessage("Is a directory");
    }
    try (FileChannel ch =
        FileChannel.open(fs.getPath("d"), READ)) { // relative to the working directory "/"
      ch.force(true);
    }
    Files.createSymbolicLink(fs.getPath("/ld"), fs.getPath("d"));
    try (FileChannel ch = FileChannel.open(fs.getPath("/ld"), READ)) {
      assertThat(ch.size()).isEqualTo(4096);
    }
    assertThatThrownBy(() -> FileChannel.open(fs.getPath("/ld"), READ, LinkOption.NOFOLLOW_LINKS))
        .isInstanceOf(FileSystemException.class);
    try (var stream = (SecureDirectoryStream<Path>) Files.newDirectoryStream(fs.getPath("/"))) {
      try (SeekableByteChannel ch = stream.newByteChannel(fs.getPath("d"), Set.of(READ))) {
        ((FileChannel) ch).force(true);
        assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(1))).hasMessage("Is a directory");
      }
      assertThatThrownBy(() -> stream.newByteChannel(fs.getPath("d"), Set.of(WRITE)))
          .isExactlyInstanceOf(FileSystemException.class)
          .hasMessage("d: Is a directory");
    }
    try (var stream = (SecureDirectoryStream<Path>) Files.newDirectoryStream(dir)) {
      try (SeekableByteChannel ch = stream.newByteChannel(fs.getPath("."), Set.of(READ))) {
        assertThat(ch.size()).isEqualTo(4096);
      }
    }
  }

  @Test
  void asynchronousChannelsOnADirectory() throws Exception {
    try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(dir, READ)) {
      ch.force(true);
      assertThat(ch.size()).isEqualTo(4096);
      assertThat(ch.read(ByteBuffer.allocate(0), 0).get(10, TimeUnit.SECONDS)).isZero();
      assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(1), 0).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isExactlyInstanceOf(IOException.class)
          .hasMessage("Is a directory");
      assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(1), 0))
          .isInstanceOf(NonWritableChannelException.class);
      assertThatThrownBy(() -> ch.truncate(0)).isInstanceOf(NonWritableChannelException.class);
      assertThatThrownBy(() -> ch.lock(0, 1, false))
          .isInstanceOf(NonWritableChannelException.class);
      FileLock lock = ch.lock(0, 1, true).get(10, TimeUnit.SECONDS);
      assertThat(lock.isValid()).isTrue();
    }
    assertThatThrownBy(() -> AsynchronousFileChannel.open(dir, WRITE))
        .isExactlyInstanceOf(FileSystemException.class)
        .hasMessage("/d: Is a directory");
  }

  @Test
  void locksOnADirectoryConflictAcrossChannelsAndGoWithTheirChannel() throws IOException {
    try (FileChannel a = FileChannel.open(dir, READ)) {
      FileLock held;
      try (FileChannel b = FileChannel.open(dir, READ)) {
        held = b.tryLock(0, 10, true);
        assertThatThrownBy(() -> a.tryLock(5, 10, true))
            .isInstanceOf(OverlappingFileLockException.class);
        assertThat(a.tryLock(10, 10, true)).isNotNull(); // adjacent, not overlapping
      }
      assertThat(held.isValid()).isFalse();
      assertThat(a.tryLock(0, 10, true).isValid()).isTrue(); // the closed channel's lock is gone
      FileLock released = a.tryLock(100, 1, true);
      released.release();
      assertThat(released.isValid()).isFalse();
      assertThat(a.tryLock(100, 1, true)).isNotNull();
    }
  }

  @Test
  void interruptedForceClosesTheChannel() throws IOException {
    FileChannel ch = FileChannel.open(dir, READ);
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> ch.force(true)).isInstanceOf(ClosedByInterruptException.class);
    } finally {
      Thread.interrupted();
    }
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void closingTheFileSystemClosesDirectoryChannels() throws IOException {
    FileChannel ch = FileChannel.open(dir, READ);
    fs.close();
    assertThat(ch.isOpen()).isFalse();
    assertThatThrownBy(() -> ch.force(true)).isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> FileChannel.open(dir, READ))
        .isInstanceOf(ClosedFileSystemException.class);
  }

  @Test
  void deletingTheDirectoryLeavesItsOpenChannelWorking() throws IOException {
    try (FileChannel ch = FileChannel.open(dir, READ)) {
      Files.delete(dir);
      ch.force(true); // fsync of an unlinked directory succeeds on Linux too
      assertThat(ch.size()).isEqualTo(4096);
    }
  }

  @Test
  void theHostAgreesOnDeletingAnOpenDirectory() throws IOException {
    assumeTrue(LINUX);
    Path host = Files.createDirectory(tmp.resolve("gone"));
    try (FileChannel ch = FileChannel.open(host, READ)) {
      Files.delete(host);
      ch.force(true);
    }
  }
}
