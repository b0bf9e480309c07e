package io.daxfs.nio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxfs.AccessPath;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.MediaErrorException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import jdk.nio.mapmode.ExtendedMapMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code FileChannel.map(MapMode, long, long, Arena)} on JDK 22+: the file's own memory as a
 * segment.
 */
class SegmentMappingTest {
  @TempDir Path tmp;
  private FileSystem fs;
  private FileStore store;

  @BeforeEach
  void setUp() throws IOException {
    fs = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(16 << 20).build());
    store = Files.getFileStore(fs.getPath("/"));
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  /** The arenas Lucene and others map with. */
  enum Kind {
    CONFINED(Arena::ofConfined),
    SHARED(Arena::ofShared),
    AUTO(Arena::ofAuto),
    GLOBAL(Arena::global);

    final Supplier<Arena> open;

    Kind(Supplier<Arena> open) {
      this.open = open;
    }
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private Path file(String name, byte[] content) throws IOException {
    Path p = fs.getPath("/" + name);
    Files.write(p, content);
    return p;
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theSegmentIsTheFilesMemoryInEveryKindOfArena(Kind kind) throws IOException {
    Path p = file("f", bytes(3 * 4096, 1));
    Arena arena = kind.open.get();
    try (FileChannel ch = FileChannel.open(p, READ, WRITE)) {
      MemorySegment s = ch.map(MapMode.READ_WRITE, 0, 3 * 4096, arena);
      MappedByteBuffer b = ch.map(MapMode.READ_ONLY, 4096, 4096);
      assertThat(s.byteSize()).isEqualTo(3 * 4096);
      assertThat(s.get(JAVA_BYTE, 7)).isEqualTo(bytes(3 * 4096, 1)[7]);
      s.set(JAVA_BYTE, 5000, (byte) 42);
      assertThat(b.get(5000 - 4096)).isEqualTo((byte) 42);
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, 5000);
      assertThat(one.get(0)).isEqualTo((byte) 42);
      ch.write(ByteBuffer.wrap(new byte[] {9, 8}), 100);
      assertThat(s.get(JAVA_BYTE, 100)).isEqualTo((byte) 9);
      assertThat(s.get(JAVA_BYTE, 101)).isEqualTo((byte) 8);
      assertThat(s.isMapped()).isTrue();
      s.force();
    } finally {
      if (kind == Kind.CONFINED || kind == Kind.SHARED) {
        arena.close();
      }
    }
  }

  @Test
  void aSharedArenaMapsFromAnyThreadAndItsSegmentOutlivesTheChannel() throws Exception {
    Path p = file("f", bytes(4096, 2));
    try (Arena arena = Arena.ofShared()) {
      MemorySegment s;
      try (FileChannel ch = FileChannel.open(p, READ)) {
        s =
            CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        return ch.map(MapMode.READ_ONLY, 0, 4096, arena);
                      } catch (IOException e) {
                        throw new RuntimeException(e);
                      }
                    })
                .get();
      }
      assertThat(s.isReadOnly()).isTrue();
      assertThat(s.toArray(JAVA_BYTE)).isEqualTo(bytes(4096, 2));
      fs.close();
      assertThat(s.get(JAVA_BYTE, 4095))
          .isEqualTo(bytes(4096, 2)[4095]); // the filesystem is closed
    }
  }

  @Test
  void aSegmentOfAFilesystemThatLostPowerReachesNoFileOfTheRestartedOneUntilItsArenaCloses()
      throws IOException {
    FileSystem tracked =
        DaxFileSystems.newFileSystem(
            DaxConfiguration.builder()
                .deviceSize(16 << 20)
                .powerFailModel(io.daxfs.PowerFailModel.STRICT)
                .build());
    Path p = Files.write(tracked.getPath("/f"), bytes(64 << 10, 3));
    DaxFileSystems.sync(tracked);
    Arena arena = Arena.ofShared();
    MemorySegment s;
    try (FileChannel ch = FileChannel.open(p, READ, WRITE)) {
      s = ch.map(MapMode.READ_WRITE, 0, 64 << 10, arena);
    }
    s.set(JAVA_BYTE, 0, (byte) 7); // before the cut: durable as it is made
    try (FileSystem after = DaxFileSystems.powerFail(tracked, 0)) {
      s.set(JAVA_BYTE, 1, (byte) 7); // after it: the old filesystem's memory only
      byte[] expected = bytes(64 << 10, 3);
      expected[0] = 7;
      assertThat(Files.readAllBytes(after.getPath("/f"))).isEqualTo(expected);
      FileStore restarted = Files.getFileStore(after.getPath("/"));
      long total = restarted.getTotalSpace();
      assertThat(restarted.getUnallocatedSpace()).isEqualTo(total - (128 << 10));
      arena.close();
      Files.write(after.getPath("/g"), new byte[1]); // an allocation reaps the closed arena
      assertThat(restarted.getUnallocatedSpace()).isEqualTo(total - (64 << 10) - 4096);
    }
  }

  @Test
  void readWritePastTheEndGrowsTheFileAndHolesGetZeroedBlocks() throws IOException {
    Path p = file("f", new byte[100]);
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(p, READ, WRITE)) {
      MemorySegment s = ch.map(MapMode.READ_WRITE, 0, 40_000, arena);
      assertThat(ch.size()).isEqualTo(40_000);
      assertThat(s.get(JAVA_BYTE, 39_000)).isZero();
      s.set(JAVA_LONG_UNALIGNED, 39_990, 0x1122334455667788L);
    }
    assertThat(Files.size(p)).isEqualTo(40_000);
    assertThat(
            ByteBuffer.wrap(Files.readAllBytes(p), 39_990, 8)
                .order(java.nio.ByteOrder.nativeOrder())
                .getLong())
        .isEqualTo(0x1122334455667788L);
  }

  @Test
  void aReadOnlyChannelCannotMapPastTheEnd() throws IOException {
    Path p = file("f", new byte[100]);
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(p, READ)) {
      assertThatThrownBy(() -> ch.map(MapMode.READ_ONLY, 0, 200, arena))
          .isExactlyInstanceOf(IOException.class);
      assertThat(Files.size(p)).isEqualTo(100);
    }
  }

  @Test
  void privateSegmentsAreCopyOnWrite() throws IOException {
    byte[] data = bytes(8192, 3);
    Path p = file("f", data);
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(p, READ, WRITE)) {
      MemorySegment s = ch.map(MapMode.PRIVATE, 0, 8192, arena);
      s.set(JAVA_BYTE, 10, (byte) (data[10] + 1));
      assertThat(s.get(JAVA_BYTE, 10)).isEqualTo((byte) (data[10] + 1));
    }
    assertThat(Files.readAllBytes(p)).isEqualTo(data);
  }

  @Test
  void aFragmentedRangeIsMovedToContiguousBlocks() throws IOException {
    Path a = fs.getPath("/a");
    Path b = fs.getPath("/b");
    byte[] data = bytes(4 * 4096, 4);
    try (FileChannel ca = FileChannel.open(a, CREATE, WRITE);
        FileChannel cb = FileChannel.open(b, CREATE, WRITE)) {
      for (int i = 0; i < 4; i++) { // interleaved appends fragment both files
        ca.write(ByteBuffer.wrap(data, i * 4096, 4096));
        cb.write(ByteBuffer.wrap(new byte[4096]));
      }
    }
    assertThat(DaxFiles.extents(a)).hasSizeGreaterThan(1);
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(a, READ)) {
      MemorySegment s = ch.map(MapMode.READ_ONLY, 0, 4 * 4096, arena);
      assertThat(DaxFiles.extents(a)).hasSize(1);
      assertThat(s.toArray(JAVA_BYTE)).isEqualTo(data);
    }
  }

  @Test
  void poisonInTheRangeFailsTheMapOnTheMmapPath() throws IOException {
    Path p = file("f", bytes(8192, 5));
    DaxFiles.injectError(p, 4096, 512);
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(p, READ)) {
      assertThatThrownBy(() -> ch.map(MapMode.READ_ONLY, 0, 8192, arena))
          .isInstanceOfSatisfying(
              MediaErrorException.class,
              e -> assertThat(e.accessPath()).isEqualTo(AccessPath.MMAP));
      assertThat(ch.map(MapMode.READ_ONLY, 0, 4096, arena).byteSize()).isEqualTo(4096);
    }
  }

  // ---- the JDK's checks
  // ------------------------------------------------------------------------------

  @Test
  @SuppressWarnings(
      "try") // r is closed inside the try on purpose: map on a closed channel is checked
  void theChannelChecksAreTheJdks() throws IOException {
    Path p = file("f", new byte[100]);
    Path host = Files.write(tmp.resolve("f"), new byte[100]);
    for (Path f : new Path[] {p, host}) {
      try (Arena arena = Arena.ofConfined();
          FileChannel r = FileChannel.open(f, READ);
          FileChannel w = FileChannel.open(f, WRITE)) {
        assertThatThrownBy(() -> r.map(MapMode.READ_WRITE, 0, 10, arena))
            .isInstanceOf(NonWritableChannelException.class);
        assertThatThrownBy(() -> r.map(MapMode.PRIVATE, 0, 10, arena))
            .isInstanceOf(NonWritableChannelException.class);
        assertThatThrownBy(() -> w.map(MapMode.READ_ONLY, 0, 10, arena))
            .isInstanceOf(NonReadableChannelException.class);
        assertThatThrownBy(() -> r.map(MapMode.READ_ONLY, -1, 10, arena))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.map(MapMode.READ_ONLY, 0, -1, arena))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.map(MapMode.READ_ONLY, Long.MAX_VALUE, 10, arena))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.map(null, 0, 10, arena))
            .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> r.map(MapMode.READ_ONLY, 0, 10, null))
            .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> r.map(ExtendedMapMode.READ_WRITE_SYNC, 0, 10, arena))
            .isInstanceOf(NonWritableChannelException.class);
        assertThatThrownBy(() -> w.map(ExtendedMapMode.READ_ONLY_SYNC, 0, 10, arena))
            .isInstanceOf(NonReadableChannelException.class);
        Arena closed = Arena.ofConfined();
        closed.close();
        assertThatThrownBy(() -> r.map(MapMode.READ_ONLY, 0, 10, closed))
            .isInstanceOf(IllegalStateException.class);
        r.close();
        assertThatThrownBy(() -> r.map(MapMode.READ_ONLY, 0, 10, arena))
            .isInstanceOf(ClosedChannelException.class);
      }
    }
  }

  @Test
  void anArenaConfinedToAnotherThreadFailsAndChangesNothing() throws Exception {
    Path p = file("f", new byte[100]);
    long free = store.getUnallocatedSpace();
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(p, READ, WRITE)) {
      Throwable failure =
          CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      ch.map(MapMode.READ_WRITE, 0, 1 << 20, arena);
                      return null;
                    } catch (Throwable t) {
                      return t;
                    }
                  })
              .get();
      assertThat(failure).isInstanceOf(WrongThreadException.class);
      assertThat(ch.size()).isEqualTo(100);
    }
    assertThat(store.getUnallocatedSpace()).isEqualTo(free);
  }

  @Test
  void sizesAbove2GiBAreAcceptedAndFailOnlyForWantOfSpace() throws IOException {
    Path p = file("f", new byte[100]);
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(p, READ, WRITE)) {
      assertThatThrownBy(() -> ch.map(MapMode.READ_WRITE, 0, 3L << 30, arena))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("No space left on device");
      assertThat(ch.size()).isEqualTo(100);
    }
  }

  @Test
  void theJep352SyncModesMapTheFileItself() throws IOException {
    Path p = file("f", bytes(4096, 6));
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(p, READ, WRITE)) {
      MemorySegment rw = ch.map(ExtendedMapMode.READ_WRITE_SYNC, 0, 4096, arena);
      MemorySegment ro = ch.map(ExtendedMapMode.READ_ONLY_SYNC, 0, 4096, arena);
      rw.set(JAVA_BYTE, 1, (byte) 77);
      rw.force();
      assertThat(ro.isReadOnly()).isTrue();
      assertThat(ro.get(JAVA_BYTE, 1)).isEqualTo((byte) 77);
    }
    assertThat(Files.readAllBytes(p)[1]).isEqualTo((byte) 77);
  }

  // ---- lifetimes
  // -------------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(
      value = Kind.class,
      names = {"CONFINED", "SHARED"})
  void closingTheArenaReturnsADeletedFilesBlocksWithoutCollection(Kind kind) throws IOException {
    long free = store.getUnallocatedSpace();
    Path p = file("f", bytes(64 << 10, 7));
    Arena arena = kind.open.get();
    MemorySegment s;
    try (FileChannel ch = FileChannel.open(p, READ, WRITE)) {
      s = ch.map(MapMode.READ_WRITE, 0, 64 << 10, arena);
    }
    Files.delete(p);
    Path other = file("other", new byte[0]);
    // The deleted file's blocks stay its own while the arena is open: fill the device, then check.
    fillDevice(other);
    s.set(JAVA_BYTE, 0, (byte) 1);
    assertThat(s.get(JAVA_BYTE, 1)).isEqualTo(bytes(64 << 10, 7)[1]);
    Files.delete(other);
    assertThat(store.getUnallocatedSpace()).isEqualTo(free - (64 << 10));
    arena.close();
    assertThat(store.getUnallocatedSpace()).isEqualTo(free);
  }

  private void fillDevice(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, WRITE)) {
      ByteBuffer block = ByteBuffer.wrap(bytes(4096, 8));
      while (true) {
        try {
          ch.write(block.clear());
        } catch (IOException full) {
          break;
        }
      }
    }
    assertThat(store.getUnallocatedSpace()).isLessThan(4096);
  }

  @Test
  void aGlobalArenaKeepsADeletedFilesBlocksForever() throws IOException {
    long free = store.getUnallocatedSpace();
    Path p = file("f", bytes(8192, 9));
    try (FileChannel ch = FileChannel.open(p, READ)) {
      ch.map(MapMode.READ_ONLY, 0, 8192, Arena.global());
    }
    Files.delete(p);
    System.gc();
    assertThat(store.getUnallocatedSpace()).isEqualTo(free - 8192);
  }

  @Test
  void anAutomaticArenaReturnsADeletedFilesBlocksOnceCollected() throws Exception {
    long free = store.getUnallocatedSpace();
    Path p = file("f", bytes(8192, 10));
    try (FileChannel ch = FileChannel.open(p, READ)) {
      ch.map(MapMode.READ_ONLY, 0, 8192, Arena.ofAuto()).get(JAVA_BYTE, 0);
    }
    Files.delete(p);
    // Bounded wait: the collector must find the arena unreachable; failing to free is the bug.
    for (int i = 0; i < 200 && store.getUnallocatedSpace() != free; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(store.getUnallocatedSpace()).isEqualTo(free);
  }

  @Test
  void theDeviceMemoryOutlivesTheFileSystemWhileAnArenaIsOpen() throws IOException {
    Path p = file("f", bytes(4096, 11));
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s;
      try (FileChannel ch = FileChannel.open(p, READ, WRITE)) {
        s = ch.map(MapMode.READ_WRITE, 0, 4096, arena);
      }
      fs.close();
      s.set(JAVA_BYTE, 0, (byte) 5);
      assertThat(s.toArray(JAVA_BYTE)[100]).isEqualTo(bytes(4096, 11)[100]);
    }
  }

  @Test
  void anInterruptedCallerClosesTheChannelAsTheJdkDoes() throws IOException {
    Path p = file("f", new byte[4096]);
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(p, READ)) {
      Thread.currentThread().interrupt();
      try {
        assertThatThrownBy(() -> ch.map(MapMode.READ_ONLY, 0, 4096, arena))
            .isInstanceOf(java.nio.channels.ClosedByInterruptException.class);
      } finally {
        assertThat(Thread.interrupted()).isTrue();
      }
      assertThat(ch.isOpen()).isFalse();
    }
    // the filesystem still maps: the interrupt closed the caller's channel only
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(p, READ)) {
      assertThat(ch.map(MapMode.READ_ONLY, 0, 4096, arena).byteSize()).isEqualTo(4096);
    }
  }
}
