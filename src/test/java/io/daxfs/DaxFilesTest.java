package io.daxfs;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The file-level recovery helpers: where a file lives ({@code FIEMAP}), poisoning a file's sectors,
 * translating badblocks back to file ranges, and punching holes.
 */
class DaxFilesTest {
  private static final int BLOCK = 4096;
  private static final int SECTOR = 512;

  private FileSystem fs;

  @AfterEach
  void tearDown() throws IOException {
    if (fs != null) {
      fs.close();
    }
  }

  private FileSystem fs(DaxConfiguration.Builder config) throws IOException {
    fs = DaxFileSystems.newFileSystem(config.deviceSize(16 << 20).build());
    return fs;
  }

  private FileSystem fs() throws IOException {
    return fs(DaxConfiguration.builder());
  }

  private static byte[] pattern(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static List<BadBlock> bb(long... startCountPairs) {
    List<BadBlock> out = new ArrayList<>();
    for (int i = 0; i < startCountPairs.length; i += 2) {
      out.add(new BadBlock(startCountPairs[i], startCountPairs[i + 1]));
    }
    return out;
  }

  /** The device byte of file byte {@code offset}, by the FIEMAP arithmetic a program would use. */
  private static long deviceByte(List<FileExtent> extents, long offset) {
    for (FileExtent e : extents) {
      if (offset >= e.logicalOffset() && offset < e.logicalOffset() + e.length()) {
        return e.physicalOffset() + (offset - e.logicalOffset());
      }
    }
    throw new AssertionError("offset " + offset + " is in no extent of " + extents);
  }

  private static long sectorOf(List<FileExtent> extents, long offset, int sectorSize) {
    return deviceByte(extents, offset) / sectorSize;
  }

  /**
   * Two files grown a block at a time, alternately: each append's goal (just after the file's last
   * block) is taken by the other file, so both end up in many one-block extents.
   */
  private static void writeInterleaved(Path a, Path b, byte[] da, byte[] db) throws IOException {
    try (FileChannel ca = FileChannel.open(a, CREATE, WRITE, APPEND);
        FileChannel cb = FileChannel.open(b, CREATE, WRITE, APPEND)) {
      for (int off = 0; off < Math.max(da.length, db.length); off += BLOCK) {
        if (off < da.length) {
          ca.write(ByteBuffer.wrap(da, off, Math.min(BLOCK, da.length - off)));
        }
        if (off < db.length) {
          cb.write(ByteBuffer.wrap(db, off, Math.min(BLOCK, db.length - off)));
        }
      }
    }
  }

  private static long unallocated(Path p) throws IOException {
    return Files.getFileStore(p).getUnallocatedSpace();
  }

  // ---- extents
  // ------------------------------------------------------------------------------------

  @Test
  void sequentiallyWrittenFileIsOneLastExtentOfWholeBlocks() throws IOException {
    Path p = fs().getPath("/f");
    long freeBefore = unallocated(fs.getPath("/"));
    try (FileChannel ch = FileChannel.open(p, CREATE, WRITE)) {
      for (int i = 0; i < 5; i++) {
        ch.write(ByteBuffer.wrap(pattern(BLOCK, i)));
      }
      ch.write(ByteBuffer.wrap(pattern(100, 9))); // a partial last block
    }

    List<FileExtent> extents = DaxFiles.extents(p);

    assertThat(extents).hasSize(1);
    FileExtent e = extents.get(0);
    assertThat(e.logicalOffset()).isZero();
    assertThat(e.length()).isEqualTo(6L * BLOCK);
    assertThat(e.last()).isTrue();
    assertThat(e.physicalOffset() % BLOCK).isZero();
    assertThat(e.physicalOffset() + e.length())
        .isLessThanOrEqualTo(DaxFileSystems.device(fs).size());
    assertThat(freeBefore - unallocated(p)).as("allocated bytes").isEqualTo(e.length());
  }

  @Test
  void emptyFileHasNoExtents() throws IOException {
    Path p = Files.createFile(fs().getPath("/empty"));
    assertThat(DaxFiles.extents(p)).isEmpty();
    assertThat(DaxFiles.badRanges(p)).isEmpty();
  }

  @Test
  void extentsTellWhereTheBytesAreOnTheDevice() throws IOException {
    Path p = fs().getPath("/f");
    byte[] data = pattern(3 * BLOCK, 1);
    Files.write(p, data);
    long phys = DaxFiles.extents(p).get(0).physicalOffset();

    // Poison exactly the sector the extent says holds file bytes 4608..5119: a read of the byte
    // just before it is fine, a read of its first byte fails.
    DaxFileSystems.device(fs).injectError((phys + 4608) / SECTOR, 1);
    try (FileChannel ch = FileChannel.open(p, READ)) {
      ByteBuffer before = ByteBuffer.allocate(1);
      assertThat(ch.read(before, 4607)).isEqualTo(1);
      assertThat(before.get(0)).isEqualTo(data[4607]);
      assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(1), 4608))
          .isInstanceOf(MediaErrorException.class);
      assertThat(ch.read(ByteBuffer.allocate(1), 5120)).isEqualTo(1);
    }
  }

  @Test
  void fragmentedFileHasSeveralExtentsCoveringItsAllocatedBytes() throws IOException {
    Path a = fs().getPath("/a");
    Path b = fs.getPath("/b");
    long freeBefore = unallocated(fs.getPath("/"));
    writeInterleaved(a, b, pattern(6 * BLOCK, 1), pattern(4 * BLOCK + 1, 2));

    List<FileExtent> ea = DaxFiles.extents(a);
    List<FileExtent> eb = DaxFiles.extents(b);

    assertThat(ea.size()).isGreaterThan(1);
    assertThat(eb.size()).isGreaterThan(1);
    long sumA = ea.stream().mapToLong(FileExtent::length).sum();
    long sumB = eb.stream().mapToLong(FileExtent::length).sum();
    assertThat(sumA).isEqualTo(6L * BLOCK);
    assertThat(sumB).isEqualTo(5L * BLOCK);
    assertThat(freeBefore - unallocated(a)).isEqualTo(sumA + sumB);
    for (List<FileExtent> list : List.of(ea, eb)) {
      long logical = 0;
      for (int i = 0; i < list.size(); i++) {
        FileExtent e = list.get(i);
        assertThat(e.logicalOffset()).as("file order, no gap").isEqualTo(logical);
        assertThat(e.last()).isEqualTo(i == list.size() - 1);
        assertThat(e.physicalOffset() % BLOCK).isZero();
        assertThat(e.physicalOffset() + e.length())
            .isLessThanOrEqualTo(DaxFileSystems.device(fs).size());
        logical += e.length();
      }
    }
    // The two files never share a device byte.
    for (FileExtent x : ea) {
      for (FileExtent y : eb) {
        assertThat(
                x.physicalOffset() + x.length() <= y.physicalOffset()
                    || y.physicalOffset() + y.length() <= x.physicalOffset())
            .as("%s vs %s", x, y)
            .isTrue();
      }
    }
  }

  @Test
  void holesDoNotAppearInExtents() throws IOException {
    Path p = fs().getPath("/sparse");
    try (FileChannel ch = FileChannel.open(p, CREATE, WRITE)) {
      ch.write(ByteBuffer.wrap(pattern(BLOCK, 1)), 0);
      ch.write(ByteBuffer.wrap(pattern(BLOCK, 2)), 10L * BLOCK); // blocks 1..9 are a hole
      ch.write(ByteBuffer.wrap(pattern(10, 3)), 20L * BLOCK + 5); // and 11..19
    }

    List<FileExtent> extents = DaxFiles.extents(p);

    assertThat(extents)
        .extracting(FileExtent::logicalOffset)
        .containsExactly(0L, 10L * BLOCK, 20L * BLOCK);
    assertThat(extents).extracting(FileExtent::length).containsOnly((long) BLOCK);
    assertThat(extents).extracting(FileExtent::last).containsExactly(false, false, true);
  }

  @Test
  void extentsFollowSymbolicLinks() throws IOException {
    Path p = fs().getPath("/target");
    Files.write(p, pattern(2 * BLOCK, 1));
    Path link = Files.createSymbolicLink(fs.getPath("/link"), p);

    assertThat(DaxFiles.extents(link)).isEqualTo(DaxFiles.extents(p));
  }

  // ---- injectError
  // ----------------------------------------------------------------------------------

  @Test
  void injectErrorPoisonsExactlyTheSectorsBehindTheRange() throws IOException {
    Path p = fs().getPath("/f");
    Files.write(p, pattern(4 * BLOCK, 1));
    List<FileExtent> extents = DaxFiles.extents(p);
    PmemDevice device = DaxFileSystems.device(fs);

    // Bytes 1000..2999 lie in sectors 1..5 of the file: rounded out to whole sectors.
    DaxFiles.injectError(p, 1000, 2000);

    long first = sectorOf(extents, 1000, SECTOR);
    assertThat(first).isEqualTo(sectorOf(extents, 0, SECTOR) + 1);
    assertThat(device.badblocks()).isEqualTo(bb(first, 5));
    assertThat(DaxFiles.badRanges(p)).containsExactly(new FileRange(512, 5 * SECTOR));
  }

  @Test
  void injectErrorOfOneByteIsOneSector() throws IOException {
    Path p = fs().getPath("/f");
    Files.write(p, pattern(BLOCK, 1));
    List<FileExtent> extents = DaxFiles.extents(p);

    DaxFiles.injectError(p, 4095, 1); // the file's last byte

    assertThat(DaxFileSystems.device(fs).badblocks())
        .isEqualTo(bb(sectorOf(extents, 4095, SECTOR), 1));
  }

  @Test
  void injectErrorAcrossTwoExtentsPoisonsTwoDeviceRanges() throws IOException {
    Path a = fs().getPath("/a");
    Path b = fs.getPath("/b");
    writeInterleaved(a, b, pattern(4 * BLOCK, 1), pattern(4 * BLOCK, 2));
    List<FileExtent> extents = DaxFiles.extents(a);
    FileExtent e0 = extents.get(0);
    FileExtent e1 = extents.get(1);
    assertThat(e0.physicalOffset() + e0.length())
        .as("not contiguous")
        .isNotEqualTo(e1.physicalOffset());
    long boundary = e1.logicalOffset();

    // The last sector of the first extent and the first two of the second.
    DaxFiles.injectError(a, boundary - 100, 100 + 2 * SECTOR);

    List<BadBlock> expected =
        new ArrayList<>(
            bb(
                sectorOf(extents, boundary - 1, SECTOR), 1,
                sectorOf(extents, boundary, SECTOR), 2));
    expected.sort((x, y) -> Long.compare(x.startSector(), y.startSector()));
    assertThat(DaxFileSystems.device(fs).badblocks()).isEqualTo(expected);
    // Back in file terms, the two device ranges are one lost range, in file order.
    assertThat(DaxFiles.badRanges(a)).containsExactly(new FileRange(boundary - SECTOR, 3 * SECTOR));
    assertThat(DaxFiles.badRanges(b)).as("the other file's blocks are untouched").isEmpty();
  }

  @Test
  void injectErrorRejectsRangesWithNoSectors() throws IOException {
    Path p = fs().getPath("/sparse");
    try (FileChannel ch = FileChannel.open(p, CREATE, WRITE)) {
      ch.write(ByteBuffer.wrap(pattern(BLOCK, 1)), 0);
      ch.write(ByteBuffer.wrap(pattern(BLOCK, 2)), 4L * BLOCK); // blocks 1..3 are a hole
    }

    assertThatThrownBy(() -> DaxFiles.injectError(p, 2L * BLOCK, 10))
        .as("inside a hole")
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaxFiles.injectError(p, BLOCK - 10, 20))
        .as("running into a hole")
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaxFiles.injectError(p, 5L * BLOCK, 1))
        .as("at end of file")
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaxFiles.injectError(p, 5L * BLOCK - 1, 2))
        .as("running past end of file")
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaxFiles.injectError(p, 0, 0))
        .as("empty")
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaxFiles.injectError(p, 0, -1))
        .as("negative length")
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaxFiles.injectError(p, -1, 2))
        .as("negative offset")
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaxFiles.injectError(p, 1, Long.MAX_VALUE))
        .as("overflowing end")
        .isInstanceOf(IllegalArgumentException.class);
    // A rejected range poisons nothing, not even the part of it that had sectors.
    assertThat(DaxFileSystems.device(fs).badblocks()).isEmpty();
  }

  @Test
  void injectLatentErrorIsFoundByTheFirstRead() throws IOException {
    Path p = fs().getPath("/f");
    byte[] data = pattern(2 * BLOCK, 1);
    Files.write(p, data);

    DaxFiles.injectLatentError(p, BLOCK, SECTOR);
    assertThat(DaxFiles.badRanges(p)).as("latent: not known yet").isEmpty();

    try (FileChannel ch = FileChannel.open(p, READ)) {
      ByteBuffer buf = ByteBuffer.allocate(2 * BLOCK);
      // The copy stops at the poison: a short count of exactly the good bytes.
      assertThat(ch.read(buf, 0)).isEqualTo(BLOCK);
      assertThat(Arrays.copyOf(buf.array(), BLOCK)).isEqualTo(Arrays.copyOf(data, BLOCK));
    }
    assertThat(DaxFiles.badRanges(p)).containsExactly(new FileRange(BLOCK, SECTOR));
  }

  @ParameterizedTest
  @ValueSource(ints = {512, 4096})
  void injectErrorRoundsToTheDeviceSectorSize(int sectorSize) throws IOException {
    Path p = fs(DaxConfiguration.builder().sectorSize(sectorSize)).getPath("/f");
    Files.write(p, pattern(3 * BLOCK, 1));
    List<FileExtent> extents = DaxFiles.extents(p);

    DaxFiles.injectError(p, BLOCK + 1, 1);

    assertThat(DaxFileSystems.device(fs).badblocks())
        .isEqualTo(bb(sectorOf(extents, BLOCK + 1, sectorSize), 1));
    assertThat(DaxFiles.badRanges(p)).containsExactly(new FileRange(BLOCK, sectorSize));
  }

  // ---- badRanges
  // ----------------------------------------------------------------------------------

  @Test
  void healthyFileHasNoBadRangesEvenWithBadSectorsElsewhere() throws IOException {
    Path p = fs().getPath("/f");
    Files.write(p, pattern(3 * BLOCK, 1));
    FileExtent e = DaxFiles.extents(p).get(0);
    PmemDevice device = DaxFileSystems.device(fs);
    // Right before and right after the file's blocks.
    if (e.physicalOffset() > 0) {
      device.injectError(e.physicalOffset() / SECTOR - 1, 1);
    }
    device.injectError((e.physicalOffset() + e.length()) / SECTOR, 1);

    assertThat(DaxFiles.badRanges(p)).isEmpty();
  }

  @Test
  void badRangesAreWholeSectorsMergedInFileOrder() throws IOException {
    Path p = fs().getPath("/f");
    Files.write(p, pattern(4 * BLOCK, 1));

    DaxFiles.injectError(p, 3 * BLOCK + 10, 1);
    DaxFiles.injectError(p, 700, 10); // sector 1
    DaxFiles.injectError(p, 1024, 1); // sector 2: adjacent to sector 1, merged
    DaxFiles.injectError(p, 2 * BLOCK, 2 * SECTOR);

    assertThat(DaxFiles.badRanges(p))
        .containsExactly(
            new FileRange(SECTOR, 2 * SECTOR),
            new FileRange(2 * BLOCK, 2 * SECTOR),
            new FileRange(3 * BLOCK, SECTOR));
  }

  @Test
  void badRangesTranslateDeviceSectorsOfAFragmentedFile() throws IOException {
    Path a = fs().getPath("/a");
    Path b = fs.getPath("/b");
    writeInterleaved(a, b, pattern(5 * BLOCK, 1), pattern(5 * BLOCK, 2));
    List<FileExtent> extents = DaxFiles.extents(a);
    assertThat(extents.size()).isGreaterThan(2);
    PmemDevice device = DaxFileSystems.device(fs);

    // Poison through the device, by FIEMAP arithmetic, as an external scrub would find it.
    device.injectError(sectorOf(extents, 4 * BLOCK + 3 * SECTOR, SECTOR), 1);
    device.injectError(sectorOf(extents, BLOCK + 7 * SECTOR, SECTOR), 1); // last sector of block 1
    device.injectError(sectorOf(extents, 2 * BLOCK, SECTOR), 1); // first of block 2

    // Blocks 1 and 2 are on different device ranges, yet their lost bytes are contiguous.
    assertThat(DaxFiles.badRanges(a))
        .containsExactly(
            new FileRange(BLOCK + 7 * SECTOR, 2 * SECTOR),
            new FileRange(4 * BLOCK + 3 * SECTOR, SECTOR));
    assertThat(DaxFiles.badRanges(b)).isEmpty();
  }

  @Test
  void badRangesMatchWhatAFailedReadReports() throws IOException {
    Path p = fs().getPath("/f");
    Files.write(p, pattern(2 * BLOCK, 1));
    DaxFiles.injectError(p, 5000, 10);

    MediaErrorException e;
    try (FileChannel ch = FileChannel.open(p, READ)) {
      e =
          catchThrowableOfType(
              MediaErrorException.class, () -> ch.read(ByteBuffer.allocate(BLOCK), BLOCK));
    }

    assertThat(e.badRanges()).isEqualTo(DaxFiles.badRanges(p));
    assertThat(e.badBlocks()).isEqualTo(DaxFileSystems.device(fs).badblocks());
  }

  // ---- punchHole
  // --------------------------------------------------------------------------------------

  @Test
  void punchHoleFreesWholeBlocksKeepsTheSizeAndReadsAsZeros() throws IOException {
    Path p = fs().getPath("/f");
    byte[] data = pattern(8 * BLOCK, 1);
    Files.write(p, data);
    long freeBefore = unallocated(p);

    // Blocks 2..4 whole; 1500 bytes of block 1 and 100 of block 5.
    long from = 2L * BLOCK - 1500;
    long to = 5L * BLOCK + 100;
    DaxFiles.punchHole(p, from, to - from);

    assertThat(unallocated(p) - freeBefore).isEqualTo(3L * BLOCK);
    assertThat(Files.size(p)).isEqualTo(data.length);
    byte[] expected = data.clone();
    Arrays.fill(expected, (int) from, (int) to, (byte) 0);
    assertThat(Files.readAllBytes(p)).isEqualTo(expected);
    assertThat(DaxFiles.extents(p))
        .extracting(FileExtent::logicalOffset, FileExtent::length)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0L, 2L * BLOCK),
            org.assertj.core.groups.Tuple.tuple(5L * BLOCK, 3L * BLOCK));
  }

  @Test
  void punchHoleInsideOneBlockFreesNothing() throws IOException {
    Path p = fs().getPath("/f");
    byte[] data = pattern(2 * BLOCK, 1);
    Files.write(p, data);
    long freeBefore = unallocated(p);

    DaxFiles.punchHole(p, 100, 1000);

    assertThat(unallocated(p)).isEqualTo(freeBefore);
    byte[] expected = data.clone();
    Arrays.fill(expected, 100, 1100, (byte) 0);
    assertThat(Files.readAllBytes(p)).isEqualTo(expected);
  }

  @Test
  void punchHoleArgumentsAreChecked() throws IOException {
    Path p = fs().getPath("/f");
    Files.write(p, pattern(BLOCK, 1));

    assertThatThrownBy(() -> DaxFiles.punchHole(p, -1, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaxFiles.punchHole(p, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaxFiles.punchHole(p, 10, Long.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rewritingAPunchedBadRangeClearsTheBadblocks() throws IOException {
    Path p =
        fs(DaxConfiguration.builder().mediaErrorModel(MediaErrorModel.CLEAR_ON_ZERO)).getPath("/f");
    byte[] data = pattern(4 * BLOCK, 1);
    Files.write(p, data);
    DaxFiles.injectError(p, BLOCK + 100, 2 * BLOCK); // blocks 1..3
    PmemDevice device = DaxFileSystems.device(fs);
    assertThat(device.badblocks()).isNotEmpty();

    MediaErrorException e;
    try (FileChannel ch = FileChannel.open(p, WRITE)) {
      // Under CLEAR_ON_ZERO no write clears in place...
      e =
          catchThrowableOfType(
              MediaErrorException.class,
              () -> ch.write(ByteBuffer.wrap(data, BLOCK, 3 * BLOCK), BLOCK));
    }
    // ...and the exception says how: reallocate the lost range, block-aligned.
    assertThat(e.recovery().kind()).isEqualTo(Recovery.Kind.REALLOCATE);
    assertThat(e.recovery().range()).isEqualTo(new FileRange(BLOCK, 3 * BLOCK));

    DaxFiles.punchHole(p, e.recovery().range().offset(), e.recovery().range().length());
    try (FileChannel ch = FileChannel.open(p, WRITE)) {
      ByteBuffer src = ByteBuffer.wrap(data, BLOCK, 3 * BLOCK);
      while (src.hasRemaining()) {
        ch.write(src, src.position()); // the buffer index is the file offset
      }
    }

    assertThat(Files.readAllBytes(p)).isEqualTo(data);
    assertThat(DaxFiles.badRanges(p)).isEmpty();
    // The freed blocks are the allocation goal of the rewrite, so it got them back, zeroed through
    // the driver: the media is repaired, not just avoided.
    assertThat(device.badblocks()).isEmpty();
  }

  @Test
  void punchingASectorAlignedPartialBlockClearsItsBadSectors() throws IOException {
    Path p = fs().getPath("/f");
    byte[] data = pattern(2 * BLOCK, 1);
    Files.write(p, data);
    DaxFiles.injectError(p, 2 * SECTOR, SECTOR);

    DaxFiles.punchHole(p, SECTOR, 3 * SECTOR); // aligned: zeroed through the driver

    assertThat(DaxFiles.badRanges(p)).isEmpty();
    assertThat(DaxFileSystems.device(fs).badblocks()).isEmpty();
    byte[] expected = data.clone();
    Arrays.fill(expected, SECTOR, 4 * SECTOR, (byte) 0);
    assertThat(Files.readAllBytes(p)).isEqualTo(expected);
  }

  @Test
  void punchingAnUnalignedPartialBlockOverABadSectorFailsWithAMediaError() throws IOException {
    Path p = fs().getPath("/f");
    byte[] data = pattern(2 * BLOCK, 1);
    Files.write(p, data);
    DaxFiles.injectError(p, 2 * SECTOR, SECTOR);

    MediaErrorException e =
        catchThrowableOfType(
            MediaErrorException.class,
            () -> DaxFiles.punchHole(p, 100, 2000)); // zeroed through DAX, which fails

    assertThat(e.operation()).isEqualTo(MediaErrorException.Operation.PUNCH_HOLE);
    assertThat(e.badRanges()).containsExactly(new FileRange(2 * SECTOR, SECTOR));
    assertThat(e.getFile()).isEqualTo(p.toString());
    assertThat(DaxFiles.badRanges(p)).containsExactly(new FileRange(2 * SECTOR, SECTOR));
    // Nothing was zeroed: the bytes around the bad sector are as they were.
    try (FileChannel ch = FileChannel.open(p, READ)) {
      ByteBuffer head = ByteBuffer.allocate(2 * SECTOR);
      assertThat(ch.read(head, 0)).isEqualTo(2 * SECTOR);
      assertThat(head.array()).isEqualTo(Arrays.copyOf(data, 2 * SECTOR));
    }
  }

  // ---- what the helpers accept
  // -------------------------------------------------------------------------

  @Test
  void pathOfAnotherProviderIsAProviderMismatch() throws IOException {
    fs();
    try (FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix())) {
      Path other = Files.write(jimfs.getPath("/f"), new byte[10]);
      assertThatThrownBy(() -> DaxFiles.extents(other))
          .isInstanceOf(ProviderMismatchException.class);
      assertThatThrownBy(() -> DaxFiles.badRanges(other))
          .isInstanceOf(ProviderMismatchException.class);
      assertThatThrownBy(() -> DaxFiles.injectError(other, 0, 1))
          .isInstanceOf(ProviderMismatchException.class);
      assertThatThrownBy(() -> DaxFiles.injectLatentError(other, 0, 1))
          .isInstanceOf(ProviderMismatchException.class);
      assertThatThrownBy(() -> DaxFiles.punchHole(other, 0, 1))
          .isInstanceOf(ProviderMismatchException.class);
    }
  }

  @Test
  void missingFileIsNoSuchFile() throws IOException {
    Path missing = fs().getPath("/no/such");
    assertThatThrownBy(() -> DaxFiles.extents(missing)).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> DaxFiles.badRanges(missing)).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> DaxFiles.injectError(missing, 0, 1))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> DaxFiles.punchHole(missing, 0, 1))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void directoryIsNotARegularFile() throws IOException {
    Path dir = Files.createDirectory(fs().getPath("/d"));
    List<org.assertj.core.api.ThrowableAssert.ThrowingCallable> calls =
        List.of(
            () -> DaxFiles.extents(dir),
            () -> DaxFiles.badRanges(dir),
            () -> DaxFiles.injectError(dir, 0, 1),
            () -> DaxFiles.punchHole(dir, 0, 1));
    for (var call : calls) {
      FileSystemException e = catchThrowableOfType(FileSystemException.class, call);
      assertThat(e).isNotNull().isNotInstanceOf(NoSuchFileException.class);
      assertThat(e.getReason()).isEqualTo("Is a directory");
      assertThat(e.getFile()).isEqualTo("/d");
    }
  }

  @Test
  void directOptionIsAcceptedForTheRepairWriteUnderDirectBypass() throws IOException {
    // The recovery the default model advertises: an aligned DIRECT rewrite clears the sectors.
    Path p = fs().getPath("/f");
    byte[] data = pattern(2 * BLOCK, 1);
    Files.write(p, data);
    DaxFiles.injectError(p, 1000, 10);
    FileRange lost = DaxFiles.badRanges(p).get(0);

    try (FileChannel ch = FileChannel.open(p, WRITE, ExtendedOpenOption.DIRECT)) {
      ch.write(ByteBuffer.wrap(data, (int) lost.offset(), (int) lost.length()), lost.offset());
    }

    assertThat(DaxFiles.badRanges(p)).isEmpty();
    assertThat(DaxFileSystems.device(fs).badblocks()).isEmpty();
    assertThat(Files.readAllBytes(p)).isEqualTo(data);
  }

  @Test
  void badRangesLeaveOutSectorsPastTheEndOfFileButAGrowingWriteStillMeetsThem() throws IOException {
    FileSystem fs = fs();
    Path file = fs.getPath("/short");
    Files.write(file, pattern(1000, 7));
    DaxFiles.injectError(file, 600, 1); // sector [512, 1024): holds data up to 1000
    long blockStart = DaxFiles.extents(file).get(0).physicalOffset();
    DaxFileSystems.device(fs)
        .injectError((blockStart + 2048) / SECTOR, 1); // past the end, same block
    assertThat(DaxFiles.badRanges(file)).containsExactly(new FileRange(512, 512));
    try (FileChannel ch = FileChannel.open(file, WRITE)) {
      assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(new byte[10]), 2100))
          .as("the gap from 1000 is zeroed first, through DAX as Linux's dax_memzero does")
          .isInstanceOfSatisfying(
              MediaErrorException.class,
              e ->
                  assertThat(e.badRanges())
                      .containsExactly(new FileRange(512, 512), new FileRange(2048, 512)));
      assertThat(ch.size()).as("nothing written").isEqualTo(1000);
    }
  }
}
