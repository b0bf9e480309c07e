package io.daxfs.nio;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.SPARSE;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaxFileChannelTest {
  private FileSystem fs;
  private Path file;

  @BeforeEach
  void setUp() throws IOException {
    fs = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(16 << 20).build());
    file = fs.getPath("/f");
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  private static byte[] pattern(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void relativeAndPositionalReadWrite() throws IOException {
    byte[] data = pattern(10_000, 1);
    try (FileChannel ch = FileChannel.open(file, CREATE, READ, WRITE)) {
      assertThat(ch.write(ByteBuffer.wrap(data))).isEqualTo(data.length);
      assertThat(ch.position()).isEqualTo(data.length);
      assertThat(ch.size()).isEqualTo(data.length);
      ByteBuffer buf = ByteBuffer.allocateDirect(100);
      assertThat(ch.read(buf, 5000)).isEqualTo(100);
      assertThat(ch.position()).isEqualTo(data.length); // positional reads leave the position alone
      byte[] got = new byte[100];
      buf.flip().get(got);
      assertThat(got).isEqualTo(Arrays.copyOfRange(data, 5000, 5100));
      ch.position(9990);
      ByteBuffer tail = ByteBuffer.allocate(100);
      assertThat(ch.read(tail)).isEqualTo(10);
      assertThat(ch.read(tail)).isEqualTo(-1);
      assertThat(ch.read(ByteBuffer.allocate(0), 1 << 20))
          .isZero(); // no room: 0, not -1, as the JDK
    }
  }

  @Test
  void writePastEndLeavesAHoleOfZerosThatTakesNoBlocks() throws IOException {
    FileStore store = Files.getFileStore(fs.getPath("/"));
    long free = store.getUnallocatedSpace();
    try (FileChannel ch = FileChannel.open(file, CREATE_NEW, WRITE, READ, SPARSE)) {
      ch.write(ByteBuffer.wrap(new byte[] {7}), 8 << 20);
      assertThat(ch.size()).isEqualTo((8 << 20) + 1);
      ByteBuffer buf = ByteBuffer.allocate(4096);
      ch.read(buf, 4 << 20);
      assertThat(buf.array()).containsOnly(0);
    }
    assertThat(free - store.getUnallocatedSpace()).isEqualTo(4096);
  }

  @Test
  void scatterAndGather() throws IOException {
    try (FileChannel ch = FileChannel.open(file, CREATE, READ, WRITE)) {
      ByteBuffer[] srcs = {
        ByteBuffer.wrap("ab".getBytes()), ByteBuffer.allocate(0), ByteBuffer.wrap("cde".getBytes())
      };
      assertThat(ch.write(srcs, 0, 3)).isEqualTo(5);
      ch.position(0);
      ByteBuffer a = ByteBuffer.allocate(3);
      ByteBuffer b = ByteBuffer.allocate(10);
      assertThat(ch.read(new ByteBuffer[] {a, b})).isEqualTo(5);
      assertThat(new String(a.array(), 0, 3)).isEqualTo("abc");
      assertThat(new String(b.array(), 0, 2)).isEqualTo("de");
      assertThat(ch.read(new ByteBuffer[] {ByteBuffer.allocate(1)})).isEqualTo(-1);
      assertThatThrownBy(() -> ch.read(new ByteBuffer[2], 1, 2))
          .isInstanceOf(IndexOutOfBoundsException.class);
    }
  }

  @Test
  void appendGoesToTheEndEvenForPositionalWrites() throws IOException {
    Files.writeString(file, "abc");
    try (FileChannel ch = FileChannel.open(file, APPEND)) {
      assertThat(ch.position()).isEqualTo(3);
      ch.write(ByteBuffer.wrap("de".getBytes()));
      ch.write(ByteBuffer.wrap("f".getBytes()), 0); // pwrite on an O_APPEND file appends on Linux
      assertThat(ch.position()).isEqualTo(6);
    }
    assertThat(Files.readString(file)).isEqualTo("abcdef");
  }

  @Test
  void truncateShrinksClampsPositionAndNeverGrows() throws IOException {
    try (FileChannel ch = FileChannel.open(file, CREATE, READ, WRITE)) {
      ch.write(ByteBuffer.wrap(pattern(10_000, 2)));
      ch.truncate(20_000);
      assertThat(ch.size()).isEqualTo(10_000);
      ch.truncate(4100);
      assertThat(ch.size()).isEqualTo(4100);
      assertThat(ch.position()).isEqualTo(4100);
      // growing again exposes zeros, not the old bytes of the last block
      ch.write(ByteBuffer.wrap(new byte[] {1}), 8000);
      ByteBuffer buf = ByteBuffer.allocate(3899);
      ch.read(buf, 4101);
      assertThat(buf.array()).containsOnly(0);
      assertThatThrownBy(() -> ch.truncate(-1)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void modeChecks() throws IOException {
    Files.writeString(file, "x");
    try (FileChannel r = FileChannel.open(file, READ);
        FileChannel w = FileChannel.open(file, WRITE)) {
      assertThatThrownBy(() -> r.write(ByteBuffer.allocate(1)))
          .isInstanceOf(NonWritableChannelException.class);
      assertThatThrownBy(() -> r.truncate(0)).isInstanceOf(NonWritableChannelException.class);
      assertThatThrownBy(() -> w.read(ByteBuffer.allocate(1)))
          .isInstanceOf(NonReadableChannelException.class);
      assertThatThrownBy(() -> r.lock(0, 1, false)).isInstanceOf(NonWritableChannelException.class);
      assertThatThrownBy(() -> w.lock(0, 1, true)).isInstanceOf(NonReadableChannelException.class);
      assertThatThrownBy(() -> r.read(ByteBuffer.allocate(1).asReadOnlyBuffer()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> r.read(ByteBuffer.allocate(1), -1))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> r.position(-1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> r.read((ByteBuffer) null)).isInstanceOf(NullPointerException.class);
    }
  }

  @Test
  void closedChannelThrowsClosedChannelException() throws IOException {
    FileChannel ch = FileChannel.open(file, CREATE, READ, WRITE);
    ch.close();
    assertThat(ch.isOpen()).isFalse();
    assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(1)))
        .isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(1), 0))
        .isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(ch::size).isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(ch::position).isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> ch.force(true)).isInstanceOf(ClosedChannelException.class);
    ch.close(); // idempotent
  }

  @Test
  void interruptedCallerClosesTheChannel() throws Exception {
    try (FileChannel ch = FileChannel.open(file, CREATE, READ, WRITE)) {
      Thread.currentThread().interrupt();
      try {
        assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(1)))
            .isInstanceOf(ClosedByInterruptException.class);
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
      } finally {
        Thread.interrupted();
      }
      assertThat(ch.isOpen()).isFalse();
    }
  }

  @Test
  @SuppressWarnings(
      "try") // b is closed inside the try on purpose: its close must release its locks
  void locksConflictWithinTheJvmAndAreReleasedOnClose() throws IOException {
    Files.write(file, new byte[100]);
    try (FileChannel a = FileChannel.open(file, READ, WRITE);
        FileChannel b = FileChannel.open(file, READ, WRITE)) {
      FileLock l1 = a.lock(0, 50, false);
      assertThat(l1.isValid()).isTrue();
      assertThat(l1.isShared()).isFalse();
      assertThatThrownBy(() -> b.tryLock(10, 5, true))
          .isInstanceOf(OverlappingFileLockException.class);
      assertThatThrownBy(() -> a.lock(49, 10, false))
          .isInstanceOf(OverlappingFileLockException.class);
      FileLock l2 = b.tryLock(50, 50, true);
      assertThat(l2.isShared()).isTrue();
      l1.release();
      assertThat(l1.isValid()).isFalse();
      FileLock l3 = b.lock(0, 10, false);
      b.close();
      assertThat(l3.isValid()).isFalse();
      assertThat(l2.isValid()).isFalse();
      assertThatThrownBy(l3::release).isInstanceOf(ClosedChannelException.class);
      try (FileLock whole = a.lock()) {
        assertThat(whole.overlaps(1L << 40, 1)).isTrue();
      }
    }
  }

  @Test
  void deletedFileStaysReadableThroughOpenChannelsAndIsFreedOnLastClose() throws IOException {
    FileStore store = Files.getFileStore(fs.getPath("/"));
    long free = store.getUnallocatedSpace();
    byte[] data = pattern(100_000, 3);
    Files.write(file, data);
    FileChannel ch = FileChannel.open(file, READ);
    Files.delete(file);
    assertThat(Files.exists(file)).isFalse();
    ByteBuffer buf = ByteBuffer.allocate(data.length);
    while (buf.hasRemaining() && ch.read(buf) > 0) {
      // read it all
    }
    assertThat(buf.array()).isEqualTo(data);
    assertThat(store.getUnallocatedSpace()).isLessThan(free);
    ch.close();
    assertThat(store.getUnallocatedSpace()).isEqualTo(free);
  }

  @Test
  void deleteOnClose() throws IOException {
    try (FileChannel ch = FileChannel.open(file, CREATE_NEW, WRITE, DELETE_ON_CLOSE)) {
      ch.write(ByteBuffer.wrap("tmp".getBytes()));
      assertThat(Files.exists(file)).isTrue();
    }
    assertThat(Files.exists(file)).isFalse();
  }

  @Test
  void fullDeviceFailsTheWriteWithNoSpaceAndChangesNothing() throws IOException {
    FileStore store = Files.getFileStore(fs.getPath("/"));
    Files.write(fs.getPath("/big"), new byte[(int) store.getUnallocatedSpace() - 8192]);
    byte[] before = "keep me".getBytes();
    Files.write(file, before);
    try (FileChannel ch = FileChannel.open(file, WRITE)) {
      assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(20_000), 0))
          .isInstanceOf(FileSystemException.class)
          .hasMessageContaining("No space left on device")
          .satisfies(e -> assertThat(((FileSystemException) e).getFile()).isEqualTo("/f"));
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    Files.delete(fs.getPath("/big"));
    Files.write(file, new byte[20_000]); // room again: the filesystem is consistent
    assertThat(Files.size(file)).isEqualTo(20_000);
  }

  @Test
  void transfersWithChannelsOfOtherProviders(@TempDir Path tmp) throws IOException {
    byte[] data = pattern(700_000, 4);
    Files.write(file, data);
    try (FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix())) {
      Path j = jimfs.getPath("/j");
      Path d = tmp.resolve("d");
      try (FileChannel src = FileChannel.open(file, READ);
          FileChannel toJ = FileChannel.open(j, CREATE, WRITE);
          FileChannel toD = FileChannel.open(d, CREATE, WRITE)) {
        assertThat(src.transferTo(0, Long.MAX_VALUE, toJ)).isEqualTo(data.length);
        assertThat(src.transferTo(100, 1000, toD)).isEqualTo(1000);
        assertThat(src.transferTo(data.length + 1, 10, toD)).isZero();
      }
      assertThat(Files.readAllBytes(j)).isEqualTo(data);
      assertThat(Files.readAllBytes(d)).isEqualTo(Arrays.copyOfRange(data, 100, 1100));
      Path back = fs.getPath("/back");
      try (FileChannel in = FileChannel.open(j, READ);
          FileChannel out = FileChannel.open(back, CREATE, WRITE)) {
        assertThat(out.transferFrom(in, 0, Long.MAX_VALUE)).isEqualTo(data.length);
        assertThat(out.transferFrom(in, data.length + 5, 10)).isZero(); // beyond the end: nothing
      }
      assertThat(Files.readAllBytes(back)).isEqualTo(data);
    }
  }

  @Test
  void asynchronousChannel() throws Exception {
    try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, CREATE, READ, WRITE)) {
      Future<Integer> w = ch.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), 3);
      assertThat(w.get(10, TimeUnit.SECONDS)).isEqualTo(5);
      ByteBuffer buf = ByteBuffer.allocate(5);
      assertThat(ch.read(buf, 3).get(10, TimeUnit.SECONDS)).isEqualTo(5);
      assertThat(new String(buf.array(), StandardCharsets.US_ASCII)).isEqualTo("hello");
      assertThat(ch.size()).isEqualTo(8);
      FileLock l = ch.lock().get(10, TimeUnit.SECONDS);
      assertThat(l.isValid()).isTrue();
      l.release();
    }
    assertThatThrownBy(() -> AsynchronousFileChannel.open(file, APPEND))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void optionConflictsAreRejectedAsTheJdkDoes() {
    assertThatThrownBy(() -> FileChannel.open(file, READ, APPEND))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FileChannel.open(file, APPEND, TRUNCATE_EXISTING))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void closingTheFileSystemClosesChannelsAndStreams() throws IOException {
    FileChannel ch = FileChannel.open(file, CREATE, WRITE);
    var in = Files.newInputStream(file);
    fs.close();
    assertThat(ch.isOpen()).isFalse();
    assertThatThrownBy(in::read).isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> Files.size(file)).isInstanceOf(ClosedFileSystemException.class);
    assertThatThrownBy(() -> FileChannel.open(file, READ))
        .isInstanceOf(ClosedFileSystemException.class);
  }
}
