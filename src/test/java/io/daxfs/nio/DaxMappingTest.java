package io.daxfs.nio;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.AccessPath;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jdk.nio.mapmode.ExtendedMapMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DaxMappingTest {
  @TempDir static Path tmp;
  private static int counter;

  private FileSystem fs;
  private PmemDevice device;

  @BeforeEach
  void setUp() throws IOException {
    fs = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(16 << 20).build());
    device = DaxFileSystems.device(fs);
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  /**
   * The contract tests run on daxfs and on the default filesystem, to show daxfs maps as the JDK
   * does.
   */
  enum Where {
    DAXFS,
    DEFAULT_FILESYSTEM
  }

  private Path file(Where where) {
    String name = "f" + ++counter;
    return where == Where.DAXFS ? fs.getPath("/" + name) : tmp.resolve(name);
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  // ---- the FileChannel.map contract, beside the JDK
  // ------------------------------------------------

  @ParameterizedTest
  @EnumSource(Where.class)
  void storesAndChannelWritesAreSeenBothWaysAndByOtherMappings(Where where) throws IOException {
    Path file = file(where);
    Files.write(file, bytes(3 * 4096, 1));
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      MappedByteBuffer a = ch.map(MapMode.READ_WRITE, 0, 3 * 4096);
      MappedByteBuffer b = ch.map(MapMode.READ_ONLY, 4096, 4096);
      a.put(5000, (byte) 42);
      assertThat(b.get(5000 - 4096)).isEqualTo((byte) 42);
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, 5000);
      assertThat(one.get(0)).isEqualTo((byte) 42);
      ch.write(ByteBuffer.wrap(new byte[] {9, 8}), 100);
      assertThat(a.get(100)).isEqualTo((byte) 9);
      assertThat(a.get(101)).isEqualTo((byte) 8);
    }
  }

  @ParameterizedTest
  @EnumSource(Where.class)
  void readWriteBeyondTheEndGrowsTheFile(Where where) throws IOException {
    Path file = file(where);
    Files.write(file, new byte[100]);
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      MappedByteBuffer m = ch.map(MapMode.READ_WRITE, 0, 10_000);
      assertThat(ch.size()).isEqualTo(10_000);
      m.put(9_999, (byte) 1);
      assertThat(m.get(5_000)).isZero();
    }
    assertThat(Files.size(file)).isEqualTo(10_000);
    assertThat(Files.readAllBytes(file)[9_999]).isEqualTo((byte) 1);
  }

  @ParameterizedTest
  @EnumSource(Where.class)
  void aReadOnlyChannelCannotMapPastTheEnd(Where where) throws IOException {
    Path file = file(where);
    Files.write(file, new byte[100]);
    try (FileChannel ch = FileChannel.open(file, READ)) {
      assertThatThrownBy(() -> ch.map(MapMode.READ_ONLY, 0, 200))
          .isExactlyInstanceOf(IOException.class);
      assertThat(ch.map(MapMode.READ_ONLY, 0, 100).capacity()).isEqualTo(100);
    }
  }

  @ParameterizedTest
  @EnumSource(Where.class)
  void privateMappingsAreCopyOnWrite(Where where) throws IOException {
    Path file = file(where);
    byte[] data = bytes(8192, 2);
    Files.write(file, data);
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      MappedByteBuffer p = ch.map(MapMode.PRIVATE, 0, 8192);
      assertThat(p.get(10)).isEqualTo(data[10]);
      p.put(10, (byte) (data[10] + 1));
      assertThat(p.get(10)).isEqualTo((byte) (data[10] + 1));
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }

  @ParameterizedTest
  @EnumSource(Where.class)
  void modeAndArgumentErrors(Where where) throws IOException {
    Path file = file(where);
    Files.write(file, new byte[100]);
    try (FileChannel r = FileChannel.open(file, READ);
        FileChannel w = FileChannel.open(file, WRITE)) {
      assertThatThrownBy(() -> r.map(MapMode.READ_WRITE, 0, 10))
          .isInstanceOf(NonWritableChannelException.class);
      assertThatThrownBy(() -> r.map(MapMode.PRIVATE, 0, 10))
          .isInstanceOf(NonWritableChannelException.class);
      assertThatThrownBy(() -> w.map(MapMode.READ_ONLY, 0, 10))
          .isInstanceOf(NonReadableChannelException.class);
      assertThatThrownBy(() -> r.map(MapMode.READ_ONLY, -1, 10))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> r.map(MapMode.READ_ONLY, 0, -1))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> r.map(MapMode.READ_ONLY, 0, Integer.MAX_VALUE + 1L))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> r.map(MapMode.READ_ONLY, Long.MAX_VALUE, 10))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> r.map(null, 0, 10)).isInstanceOf(NullPointerException.class);
      assertThat(r.map(MapMode.READ_ONLY, 0, 0).capacity()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Where.class)
  void aMappingStaysValidAfterItsChannelCloses(Where where) throws IOException {
    Path file = file(where);
    Files.write(file, new byte[4096]);
    MappedByteBuffer m;
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      m = ch.map(MapMode.READ_WRITE, 0, 4096);
    }
    m.put(7, (byte) 3);
    m.force();
    assertThat(Files.readAllBytes(file)[7]).isEqualTo((byte) 3);
  }

  // ---- daxfs: zero copy, contiguity, pinning
  // ------------------------------------------------------

  @Test
  void aFragmentedRangeIsMadeContiguousWithItsDataIntact() throws IOException {
    Path file = fs.getPath("/frag");
    Path other = fs.getPath("/other");
    byte[] expected = new byte[0];
    for (int i = 0; i < 4; i++) {
      byte[] chunk = bytes(4096, 10 + i);
      Files.write(file, chunk, CREATE, APPEND);
      Files.write(other, new byte[4096], CREATE, APPEND);
      byte[] grown = new byte[expected.length + chunk.length];
      System.arraycopy(expected, 0, grown, 0, expected.length);
      System.arraycopy(chunk, 0, grown, expected.length, chunk.length);
      expected = grown;
    }
    assertThat(DaxFiles.extents(file)).hasSize(4);
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      MappedByteBuffer m = ch.map(MapMode.READ_WRITE, 100, 4 * 4096 - 100);
      byte[] got = new byte[m.capacity()];
      m.get(0, got);
      assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(expected, 100, expected.length));
      m.put(0, (byte) 77);
    }
    assertThat(DaxFiles.extents(file)).hasSize(1);
    assertThat(Files.readAllBytes(file)[100]).isEqualTo((byte) 77);
    assertThat(Files.readAllBytes(other)).containsOnly(0);
  }

  @Test
  void blocksUnderALiveMappingAreNeverHandedToAnotherFileEvenAfterDelete() throws IOException {
    Path file = fs.getPath("/mapped");
    byte[] data = bytes(8192, 3);
    Files.write(file, data);
    FileExtent mapped = DaxFiles.extents(file).get(0);
    MappedByteBuffer m;
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      m = ch.map(MapMode.READ_WRITE, 0, 8192);
    }
    Files.delete(file);
    FileStore store = Files.getFileStore(fs.getPath("/"));
    // Fill the device: every free block goes to some file, none of them the mapped ones.
    List<Path> fillers = new ArrayList<>();
    for (int i = 0; store.getUnallocatedSpace() >= 4096; i++) {
      Path f = fs.getPath("/fill" + i);
      Files.write(f, bytes(4096, 100 + i));
      fillers.add(f);
    }
    for (Path f : fillers) {
      for (FileExtent e : DaxFiles.extents(f)) {
        boolean overlaps =
            e.physicalOffset() < mapped.physicalOffset() + mapped.length()
                && mapped.physicalOffset() < e.physicalOffset() + e.length();
        assertThat(overlaps).as("%s got blocks of a live mapping", f).isFalse();
      }
    }
    byte[] got = new byte[8192];
    m.get(0, got);
    assertThat(got).isEqualTo(data);
    m.put(0, (byte) 1); // still the deleted file's memory, nobody else's
    for (Path f : fillers) {
      assertThat(Files.readAllBytes(f)).isEqualTo(bytes(4096, 100 + fillers.indexOf(f)));
    }
  }

  @Test
  void theBlocksOfAnUnreachableMappingAreFreedAfterCollection() throws Exception {
    FileStore store = Files.getFileStore(fs.getPath("/"));
    long free = store.getUnallocatedSpace();
    Path file = fs.getPath("/gone");
    Files.write(file, new byte[64 << 10]);
    mapAndDrop(file);
    Files.delete(file);
    // Bounded wait: the collector must find the buffer unreachable; failing to free is the bug.
    for (int i = 0; i < 200 && store.getUnallocatedSpace() != free; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(store.getUnallocatedSpace()).isEqualTo(free);
  }

  @Test
  void pinsAreReleasedWithoutAnyDaxfsThread() throws Exception {
    FileStore store = Files.getFileStore(fs.getPath("/"));
    long free = store.getUnallocatedSpace();
    Path file = fs.getPath("/gone");
    Files.write(file, new byte[64 << 10]);
    mapAndDrop(file);
    Files.delete(file);
    assertThat(store.getUnallocatedSpace()).isEqualTo(free - (64 << 10)); // pinned until collected
    for (int i = 0; i < 200 && store.getUnallocatedSpace() != free; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(store.getUnallocatedSpace()).isEqualTo(free);
    // Frameworks that check for leaked threads must find none that watches mappings.
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .noneMatch(name -> name.startsWith("daxfs-mapping"));
  }

  @Test
  void aWriteThatNeedsTheBlocksOfACollectedMappingGetsThem() throws Exception {
    Path file = fs.getPath("/gone");
    Files.write(file, new byte[8 << 20]); // half the device
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      ch.map(MapMode.READ_WRITE, 0, 8 << 20).put(0, (byte) 1);
    }
    Files.delete(file);
    byte[] big = bytes(12 << 20, 12);
    try (FileChannel ch = FileChannel.open(fs.getPath("/other"), CREATE, READ, WRITE)) {
      // Retried with nothing else in between: only the allocation itself can reap the collected
      // mapping (a failed write allocates nothing and frees nothing).
      boolean written = false;
      for (int i = 0; i < 200 && !written; i++) {
        System.gc();
        Thread.sleep(20);
        try {
          ch.write(ByteBuffer.wrap(big), 0);
          written = true;
        } catch (IOException full) {
          assertThat(full).hasMessageContaining("No space left on device");
        }
      }
      assertThat(written).isTrue();
    }
    assertThat(Files.readAllBytes(fs.getPath("/other"))).isEqualTo(big);
  }

  private static void mapAndDrop(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      ch.map(MapMode.READ_WRITE, 0, 64 << 10).slice().put(0, (byte) 1);
    }
  }

  @Test
  void aMappingOutlivesItsFileSystem() throws IOException {
    Path file = fs.getPath("/f");
    Files.write(file, bytes(4096, 4));
    MappedByteBuffer m;
    try (FileChannel ch = FileChannel.open(file, READ)) {
      m = ch.map(MapMode.READ_ONLY, 0, 4096);
    }
    fs.close();
    assertThat(m.get(5)).isEqualTo(bytes(4096, 4)[5]);
  }

  // ---- JEP 352 map modes
  // ----------------------------------------------------------------------------

  @Test
  void theSyncModesMapTheFileItselfAndForceWorks() throws IOException {
    Path file = fs.getPath("/f");
    Files.write(file, bytes(8192, 20));
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      MappedByteBuffer rw = ch.map(ExtendedMapMode.READ_WRITE_SYNC, 0, 8192);
      MappedByteBuffer ro = ch.map(ExtendedMapMode.READ_ONLY_SYNC, 0, 8192);
      assertThat(ro.isReadOnly()).isTrue();
      assertThat(rw.isReadOnly()).isFalse();
      rw.put(4100, (byte) 55);
      rw.force();
      rw.force(4096, 16);
      assertThat(ro.get(4100)).isEqualTo((byte) 55);
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, 4100);
      assertThat(one.get(0)).isEqualTo((byte) 55);
    }
  }

  @Test
  void theSyncModesFollowTheChannelRules() throws IOException {
    Path file = fs.getPath("/f");
    Files.write(file, new byte[100]);
    try (FileChannel r = FileChannel.open(file, READ);
        FileChannel w = FileChannel.open(file, WRITE)) {
      assertThatThrownBy(() -> r.map(ExtendedMapMode.READ_WRITE_SYNC, 0, 10))
          .isInstanceOf(NonWritableChannelException.class);
      assertThatThrownBy(() -> w.map(ExtendedMapMode.READ_ONLY_SYNC, 0, 10))
          .isInstanceOf(NonReadableChannelException.class);
      assertThat(r.map(ExtendedMapMode.READ_ONLY_SYNC, 0, 100).capacity()).isEqualTo(100);
    }
  }

  /**
   * How pmem libraries (e.g. mashona's PmemUtil) tell a DAX filesystem: a MAP_SYNC mapping works.
   */
  private static boolean mapSyncWorksIn(Path dir) throws IOException {
    Path probe = dir.resolve("pmem-probe");
    try (FileChannel ch = FileChannel.open(probe, CREATE, READ, WRITE)) {
      ch.map(ExtendedMapMode.READ_WRITE_SYNC, 0, 4096);
      return true;
    } catch (IOException | UnsupportedOperationException notPmem) {
      return false;
    } finally {
      Files.deleteIfExists(probe);
    }
  }

  @Test
  void pmemDetectionByASyncMappingSaysYes() throws IOException {
    assertThat(mapSyncWorksIn(fs.getPath("/"))).isTrue();
  }

  // ---- media errors on the mapping path
  // ------------------------------------------------------------

  @Test
  void mapOverAKnownBadSectorFailsAtMapTimeAndWorksAfterRepair() throws IOException {
    Path file = fs.getPath("/f");
    byte[] data = bytes(3 * 4096, 5);
    Files.write(file, data);
    DaxFiles.injectError(file, 5000, 1);
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      assertThat(ch.map(MapMode.READ_ONLY, 0, 4096).get(0)).isEqualTo(data[0]); // elsewhere: fine
      assertThatThrownBy(() -> ch.map(MapMode.READ_WRITE, 0, 3 * 4096))
          .isInstanceOfSatisfying(
              MediaErrorException.class,
              e -> {
                assertThat(e.operation()).isEqualTo(MediaErrorException.Operation.MAP);
                assertThat(e.accessPath()).isEqualTo(AccessPath.MMAP);
                assertThat(e.badRanges()).containsExactly(new FileRange(4608, 512));
                assertThat(e.recovery().range()).isEqualTo(new FileRange(4608, 512));
              });
    }
    try (FileChannel direct = FileChannel.open(file, WRITE, ExtendedOpenOption.DIRECT)) {
      direct.write(ByteBuffer.wrap(java.util.Arrays.copyOfRange(data, 4608, 5120)), 4608);
    }
    try (FileChannel ch = FileChannel.open(file, READ)) {
      MappedByteBuffer m = ch.map(MapMode.READ_ONLY, 0, 3 * 4096);
      assertThat(m.get(5000)).isEqualTo(data[5000]);
    }
  }

  @Test
  void latentPoisonInTheRangeIsConsumedAtMapTime() throws IOException {
    Path file = fs.getPath("/f");
    Files.write(file, new byte[8192]);
    DaxFiles.injectLatentError(file, 6000, 1);
    try (FileChannel ch = FileChannel.open(file, READ)) {
      assertThatThrownBy(() -> ch.map(MapMode.READ_ONLY, 4096, 4096))
          .isInstanceOf(MediaErrorException.class);
    }
    assertThat(DaxFiles.badRanges(file)).containsExactly(new FileRange(5632, 512));
  }

  @Test
  @SuppressWarnings("try") // the listener's registration is held open, never used by name
  void poisonUnderALiveMappingIsAnnouncedAndStoresDoNotClearIt() throws Exception {
    Path file = fs.getPath("/f");
    Files.write(file, new byte[8192]);
    BlockingQueue<List<FileRange>> told = new LinkedBlockingQueue<>();
    try (FileChannel ch = FileChannel.open(file, READ, WRITE);
        AutoCloseable watch =
            DaxFiles.onMediaError(
                file,
                (p, lost) -> {
                  assertThat(p).isEqualTo(file);
                  told.add(lost);
                })) {
      MappedByteBuffer m = ch.map(MapMode.READ_WRITE, 0, 8192);
      DaxFiles.injectError(file, 4096, 1024);
      assertThat(told.poll(10, TimeUnit.SECONDS)).containsExactly(new FileRange(4096, 1024));
      m.put(4096, (byte) 5); // the mapping keeps running
      assertThat(m.get(4096)).isEqualTo((byte) 5);
      assertThat(DaxFiles.badRanges(file)).containsExactly(new FileRange(4096, 1024));
      device.injectLatentError(device.sectorCount() - 1, 1);
      device.scrub(); // found elsewhere on the device: not this file's news
      DaxFiles.injectError(file, 0, 1);
      assertThat(told.poll(10, TimeUnit.SECONDS)).containsExactly(new FileRange(0, 512));
    }
  }
}
