package io.daxfs;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One test per row of the table in {@code linux-dax-semantics.md}, under each model where the row
 * differs, and the two recovery stories of the reference thread. Unless a test says otherwise the
 * file is three contiguous 4 KiB blocks and the poison sits on file bytes [4608, 5120): sector 9 of
 * the file, inside its second block.
 */
class MediaErrorScenarioTest {
  private static final int SIZE = 3 * 4096;
  private static final FileRange BAD = new FileRange(4608, 512);

  private FileSystem fs;
  private PmemDevice device;
  private Path file;
  private byte[] data;

  private void setUp(MediaErrorModel model) throws IOException {
    fs =
        DaxFileSystems.newFileSystem(
            DaxConfiguration.builder().deviceSize(16 << 20).mediaErrorModel(model).build());
    device = DaxFileSystems.device(fs);
    file = fs.getPath("/data");
    data = new byte[SIZE];
    new Random(42).nextBytes(data);
    Files.write(file, data);
  }

  @AfterEach
  void tearDown() throws IOException {
    if (fs != null) {
      fs.close();
    }
  }

  private long sectorOf(long fileOffset) throws IOException {
    for (FileExtent e : DaxFiles.extents(file)) {
      if (fileOffset >= e.logicalOffset() && fileOffset < e.logicalOffset() + e.length()) {
        return (e.physicalOffset() + fileOffset - e.logicalOffset()) / device.sectorSize();
      }
    }
    throw new AssertionError("not mapped: " + fileOffset);
  }

  private byte[] range(long offset, int length) {
    return Arrays.copyOfRange(data, (int) offset, (int) offset + length);
  }

  private byte[] read(FileChannel ch, long pos, int len) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(len);
    while (buf.hasRemaining()) {
      if (ch.read(buf, pos + buf.position()) < 0) {
        break;
      }
    }
    return Arrays.copyOf(buf.array(), buf.position());
  }

  // ---- DAX reads -------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(MediaErrorModel.class)
  void daxReadOfAKnownBadSectorFailsTheWholeStepBeforeCopying(MediaErrorModel model)
      throws IOException {
    setUp(model);
    DaxFiles.injectError(file, BAD.offset(), 1);
    long sector = sectorOf(BAD.offset());
    try (FileChannel ch = FileChannel.open(file, READ)) {
      assertThat(read(ch, 0, 4096)).isEqualTo(range(0, 4096)); // the bad sector is elsewhere
      ByteBuffer buf = ByteBuffer.allocate(SIZE);
      assertThatThrownBy(() -> ch.read(buf, 0))
          .isInstanceOfSatisfying(
              MediaErrorException.class,
              e -> {
                assertThat(e.getFile()).isEqualTo("/data");
                assertThat(e.getReason()).isEqualTo("Input/output error");
                assertThat(e.operation()).isEqualTo(MediaErrorException.Operation.READ);
                assertThat(e.position()).isZero();
                assertThat(e.badRanges()).containsExactly(BAD);
                assertThat(e.badBlocks()).containsExactly(new BadBlock(sector, 1));
                assertThat(e.accessPath()).isEqualTo(AccessPath.DAX);
              });
      assertThat(buf.position())
          .isZero(); // nothing copied, not even the good bytes before the bad sector
    }
  }

  @Test
  void daxReadReturnsTheEarlierExtentsThenFailsAtTheBadOne() throws IOException {
    setUp(MediaErrorModel.DIRECT_BYPASS);
    // Interleave appends with another file so /data gets a second extent.
    Path other = fs.getPath("/other");
    Files.write(other, new byte[4096]);
    Files.write(file, new byte[4096], java.nio.file.StandardOpenOption.APPEND);
    List<FileExtent> extents = DaxFiles.extents(file);
    assertThat(extents).hasSize(2);
    long secondStart = extents.get(1).logicalOffset();
    DaxFiles.injectError(file, secondStart + 100, 1);
    try (FileChannel ch = FileChannel.open(file, READ)) {
      ByteBuffer buf = ByteBuffer.allocate(SIZE + 4096);
      assertThat(ch.read(buf, 0)).isEqualTo((int) secondStart);
      assertThat(Arrays.copyOf(buf.array(), SIZE)).isEqualTo(data);
      assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(10), secondStart))
          .isInstanceOfSatisfying(
              MediaErrorException.class,
              e -> assertThat(e.badRanges()).containsExactly(new FileRange(secondStart, 512)));
    }
  }

  @ParameterizedTest
  @EnumSource(MediaErrorModel.class)
  void latentPoisonStopsADaxReadAtThePoisonAndBecomesKnown(MediaErrorModel model)
      throws IOException {
    setUp(model);
    DaxFiles.injectLatentError(file, BAD.offset(), 1);
    assertThat(device.badblocks()).isEmpty();
    assertThat(DaxFiles.badRanges(file)).isEmpty();
    try (FileChannel ch = FileChannel.open(file, READ)) {
      ByteBuffer buf = ByteBuffer.allocate(SIZE);
      assertThat(ch.read(buf, 0)).isEqualTo((int) BAD.offset()); // a short count: the copy stopped
      assertThat(Arrays.copyOf(buf.array(), (int) BAD.offset()))
          .isEqualTo(range(0, (int) BAD.offset()));
      assertThat(device.badblocks()).containsExactly(new BadBlock(sectorOf(BAD.offset()), 1));
      assertThat(DaxFiles.badRanges(file)).containsExactly(BAD);
      assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(100), BAD.offset()))
          .isInstanceOf(MediaErrorException.class);
    }
  }

  @Test
  void latentPoisonAtTheStartOfAReadIsAnErrorNotAnEmptyRead() throws IOException {
    setUp(MediaErrorModel.DIRECT_BYPASS);
    DaxFiles.injectLatentError(file, BAD.offset(), 1);
    try (FileChannel ch = FileChannel.open(file, READ)) {
      assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(10), BAD.offset() + 5))
          .isInstanceOfSatisfying(
              MediaErrorException.class, e -> assertThat(e.badRanges()).containsExactly(BAD));
    }
  }

  // ---- DAX writes ------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(
      value = MediaErrorModel.class,
      names = {"DIRECT_BYPASS", "CLEAR_ON_ZERO"})
  void daxWriteOverABadRangeFailsAndChangesNothing(MediaErrorModel model) throws IOException {
    setUp(model);
    DaxFiles.injectError(file, BAD.offset(), 1);
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      ByteBuffer src = ByteBuffer.wrap(new byte[1200]);
      assertThatThrownBy(() -> ch.write(src, 4000))
          .isInstanceOfSatisfying(
              MediaErrorException.class,
              e -> {
                assertThat(e.operation()).isEqualTo(MediaErrorException.Operation.WRITE);
                assertThat(e.position()).isEqualTo(4000);
                assertThat(e.badRanges()).containsExactly(BAD);
              });
      assertThat(src.position()).isZero();
      assertThat(read(ch, 4000, 608))
          .isEqualTo(range(4000, 608)); // good bytes before the bad sector unchanged
      assertThat(read(ch, 5120, 1000)).isEqualTo(range(5120, 1000));
    }
    assertThat(DaxFiles.badRanges(file)).containsExactly(BAD);
  }

  @Test
  void recoveryWriteOfWholeAlignedPagesClearsAndWrites() throws IOException {
    setUp(MediaErrorModel.RECOVERY_WRITE);
    DaxFiles.injectError(file, BAD.offset(), 1);
    byte[] page = new byte[4096];
    Arrays.fill(page, (byte) 7);
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      assertThat(ch.write(ByteBuffer.wrap(page), 4096)).isEqualTo(4096);
      assertThat(read(ch, 4096, 4096)).isEqualTo(page);
    }
    assertThat(device.badblocks()).isEmpty();
  }

  @Test
  void recoveryWriteThatIsNotWholePagesFailsWithThePagesToRewrite() throws IOException {
    setUp(MediaErrorModel.RECOVERY_WRITE);
    DaxFiles.injectError(file, BAD.offset(), 1);
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(new byte[100]), 4700))
          .isInstanceOfSatisfying(
              MediaErrorException.class,
              e ->
                  assertThat(e.recovery())
                      .isEqualTo(
                          new Recovery(Recovery.Kind.REWRITE_PAGES, new FileRange(4096, 4096))));
      // Linux hands the recovery write one chunk from the start up to the bad page: [0, 6000) is
      // not whole pages, so even the healthy first page is not written.
      assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(new byte[6000]), 0))
          .isInstanceOf(MediaErrorException.class);
      assertThat(read(ch, 0, 4096)).isEqualTo(range(0, 4096));
    }
    assertThat(DaxFiles.badRanges(file)).containsExactly(BAD);
  }

  @Test
  void recoveryWriteReturnsAShortCountWhenLaterPagesCannotBeRecovered() throws IOException {
    setUp(MediaErrorModel.RECOVERY_WRITE);
    Files.write(file, new byte[5 * 4096]);
    DaxFiles.injectError(file, 4096 + 100, 1); // page 1
    DaxFiles.injectError(file, 4 * 4096 + 600, 1); // page 4, its second sector
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      byte[] ones = new byte[18_000];
      Arrays.fill(ones, (byte) 1);
      // chunk [0, 8192) holds page 1's poison and is whole pages: cleared and written; the next
      // chunk runs to the end of page 4, the page of the next bad sector, and is cut at 18000: not
      // whole pages, so the write stops after 8192 bytes. (Were the bad sector the first of page 4,
      // the chunk would end before it, as PAGE_ALIGN(first_bad - sector) makes it.)
      assertThat(ch.write(ByteBuffer.wrap(ones), 0)).isEqualTo(8192);
      assertThat(read(ch, 0, 8192)).containsOnly(1);
      assertThat(read(ch, 8192, 4096)).containsOnly(0);
    }
    assertThat(DaxFiles.badRanges(file)).containsExactly(new FileRange(4 * 4096 + 512, 512));
  }

  // ---- the DIRECT path
  // ---------------------------------------------------------------------------

  @Test
  void directPathEnforcesTheBlockDriverAlignmentAsTheJdkReportsIt() throws IOException {
    setUp(MediaErrorModel.DIRECT_BYPASS);
    try (FileChannel ch = FileChannel.open(file, READ, WRITE, ExtendedOpenOption.DIRECT)) {
      assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(512), 1))
          .hasMessage("Channel position (1) is not a multiple of the block size (512)");
      assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(100), 0))
          .hasMessage("Number of remaining bytes (100) is not a multiple of the block size (512)");
      ByteBuffer misaligned =
          ByteBuffer.allocateDirect(2048).alignedSlice(512).position(1).limit(513);
      assertThatThrownBy(() -> ch.read(misaligned, 0))
          .hasMessage(
              "Current location of the bytebuffer (1) is not a multiple of the block size (512)");
      ByteBuffer aligned = ByteBuffer.allocateDirect(2048).alignedSlice(512).limit(512);
      assertThat(ch.read(aligned, 512)).isEqualTo(512);
      assertThat(ch.read(ByteBuffer.allocate(1024).position(1).limit(513), 0))
          .as("heap buffers have no address rule: the JDK bounces them through an aligned buffer")
          .isEqualTo(512);
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }

  @Test
  void directReadOfABadSectorFailsAsAWhole() throws IOException {
    setUp(MediaErrorModel.DIRECT_BYPASS);
    DaxFiles.injectLatentError(file, BAD.offset(), 1);
    try (FileChannel ch = FileChannel.open(file, READ, ExtendedOpenOption.DIRECT)) {
      ByteBuffer buf = ByteBuffer.allocate(SIZE);
      assertThatThrownBy(() -> ch.read(buf, 0))
          .isInstanceOfSatisfying(
              MediaErrorException.class,
              e -> {
                assertThat(e.accessPath()).isEqualTo(AccessPath.DIRECT);
                assertThat(e.badRanges()).containsExactly(BAD);
                assertThat(e.recovery()).isEqualTo(new Recovery(Recovery.Kind.REWRITE_DIRECT, BAD));
              });
      assertThat(buf.position()).isZero();
    }
    assertThat(DaxFiles.badRanges(file))
        .containsExactly(BAD); // the driver consumed the poison: known now
  }

  @Test
  void directWholeSectorWriteClearsTheBadSectorsThenWrites() throws IOException {
    setUp(MediaErrorModel.DIRECT_BYPASS);
    DaxFiles.injectError(file, BAD.offset(), 1);
    try (FileChannel ch = FileChannel.open(file, WRITE, ExtendedOpenOption.DIRECT)) {
      assertThat(ch.write(ByteBuffer.wrap(range(BAD.offset(), 512)), BAD.offset())).isEqualTo(512);
    }
    assertThat(device.badblocks()).isEmpty();
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }

  @ParameterizedTest
  @EnumSource(
      value = MediaErrorModel.class,
      names = {"CLEAR_ON_ZERO", "RECOVERY_WRITE"})
  void directBehavesAsDaxUnderTheLinuxModels(MediaErrorModel model) throws IOException {
    setUp(model);
    DaxFiles.injectError(file, BAD.offset(), 1);
    try (FileChannel ch = FileChannel.open(file, READ, WRITE, ExtendedOpenOption.DIRECT)) {
      assertThat(read(ch, 1, 100)).isEqualTo(range(1, 100)); // no alignment rule
      assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(new byte[512]), BAD.offset() + 1))
          .isInstanceOfSatisfying(
              MediaErrorException.class, e -> assertThat(e.accessPath()).isEqualTo(AccessPath.DAX));
    }
    if (model == MediaErrorModel.CLEAR_ON_ZERO) {
      try (FileChannel ch = FileChannel.open(file, WRITE, ExtendedOpenOption.DIRECT)) {
        assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(new byte[512]), BAD.offset()))
            .as("a whole-sector DIRECT write never clears under Linux 4.7-5.18")
            .isInstanceOf(MediaErrorException.class);
      }
      assertThat(DaxFiles.badRanges(file)).containsExactly(BAD);
    }
  }

  // ---- what clears: zeroing --------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(MediaErrorModel.class)
  void newBlocksAreZeroedThroughTheDriverSoRestoringAFileRepairsTheMedia(MediaErrorModel model)
      throws IOException {
    setUp(model);
    long sector = sectorOf(BAD.offset());
    DaxFiles.injectError(file, BAD.offset(), 1);
    assertThatThrownBy(() -> Files.readAllBytes(file)).isInstanceOf(MediaErrorException.class);
    Files.delete(file);
    assertThat(device.badblocks())
        .containsExactly(new BadBlock(sector, 1)); // freeing does not clear
    Files.write(file, data); // restore from the backup: the new blocks are zeroed first
    assertThat(sectorOf(BAD.offset())).isEqualTo(sector); // the same blocks again
    assertThat(device.badblocks()).isEmpty();
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }

  @ParameterizedTest
  @EnumSource(MediaErrorModel.class)
  void sectorAlignedTruncateZeroesThroughTheDriverAndClears(MediaErrorModel model)
      throws IOException {
    setUp(model);
    DaxFiles.injectError(file, BAD.offset(), 1);
    try (FileChannel ch = FileChannel.open(file, WRITE)) {
      ch.truncate(BAD.offset());
    }
    assertThat(device.badblocks()).isEmpty();
    assertThat(Files.readAllBytes(file)).isEqualTo(range(0, (int) BAD.offset()));
  }

  @ParameterizedTest
  @EnumSource(MediaErrorModel.class)
  void unalignedTruncateZeroesThroughDaxAndFailsOnABadSectorLeavingTheFile(MediaErrorModel model)
      throws IOException {
    setUp(model);
    DaxFiles.injectError(file, BAD.offset(), 1);
    try (FileChannel ch = FileChannel.open(file, WRITE)) {
      assertThatThrownBy(() -> ch.truncate(4700))
          .isInstanceOfSatisfying(
              MediaErrorException.class,
              e -> assertThat(e.operation()).isEqualTo(MediaErrorException.Operation.TRUNCATE));
      assertThat(ch.size()).isEqualTo(SIZE);
    }
    assertThat(DaxFiles.badRanges(file)).containsExactly(BAD);
  }

  @Test
  void aHolePunchWhoseLastZeroingMeetsABadSectorChangesNothing() throws IOException {
    setUp(MediaErrorModel.DIRECT_BYPASS);
    DaxFiles.injectError(file, BAD.offset(), 1); // in the second block
    // Zeroes [1000, 4096) of the first block, then [4096, 4700) of the second through DAX: it meets
    // the bad sector. The whole call fails, and the first block's bytes are as they were.
    assertThatThrownBy(() -> DaxFiles.punchHole(file, 1000, 3700))
        .isInstanceOf(MediaErrorException.class);
    try (FileChannel ch = FileChannel.open(file, READ)) {
      assertThat(read(ch, 0, 4096)).isEqualTo(range(0, 4096));
    }
  }

  @Test
  void punchingAHoleAndRewritingIsTheRepairUnderClearOnZero() throws IOException {
    setUp(MediaErrorModel.CLEAR_ON_ZERO);
    DaxFiles.injectError(file, BAD.offset(), 1);
    MediaErrorException e = null;
    try (FileChannel ch = FileChannel.open(file, READ)) {
      ch.read(ByteBuffer.allocate(10), BAD.offset());
    } catch (MediaErrorException caught) {
      e = caught;
    }
    assertThat(e).isNotNull();
    assertThat(e.recovery())
        .isEqualTo(new Recovery(Recovery.Kind.REALLOCATE, new FileRange(4096, 4096)));
    FileRange r = e.recovery().range();
    DaxFiles.punchHole(file, r.offset(), r.length());
    assertThat(DaxFiles.badRanges(file)).isEmpty(); // the file no longer owns the bad block
    try (FileChannel ch = FileChannel.open(file, WRITE)) {
      ch.write(ByteBuffer.wrap(range(r.offset(), (int) r.length())), r.offset());
    }
    assertThat(device.badblocks()).isEmpty();
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }

  // ---- the exception through the APIs built on channels
  // ------------------------------------------

  @Test
  void theExceptionComesUnchangedThroughFilesStreamsAndTransfers() throws IOException {
    setUp(MediaErrorModel.DIRECT_BYPASS);
    DaxFiles.injectError(file, BAD.offset(), 1);
    assertThatThrownBy(() -> Files.readAllBytes(file)).isInstanceOf(MediaErrorException.class);
    try (InputStream in = Files.newInputStream(file)) {
      assertThat(in.readNBytes((int) BAD.offset() - 8)).isEqualTo(range(0, (int) BAD.offset() - 8));
      assertThatThrownBy(() -> in.readNBytes(100)).isInstanceOf(MediaErrorException.class);
    }
    try (FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix());
        FileChannel src = FileChannel.open(file, READ);
        FileChannel dst = FileChannel.open(jimfs.getPath("/copy"), CREATE, WRITE)) {
      assertThatThrownBy(() -> src.transferTo(BAD.offset(), 100, dst))
          .isInstanceOf(MediaErrorException.class);
    }
    assertThatThrownBy(() -> Files.copy(file, fs.getPath("/copy")))
        .isInstanceOf(MediaErrorException.class);
    // The JDK's copy on Linux unlinks a target it could not finish: no partial copy is left behind
    // to pass for a good one.
    assertThat(fs.getPath("/copy")).doesNotExist();
    assertThatThrownBy(
            () -> Files.copy(file, fs.getPath("/copy"), StandardCopyOption.COPY_ATTRIBUTES))
        .isInstanceOf(MediaErrorException.class);
    assertThat(fs.getPath("/copy")).doesNotExist();
    long free = Files.getFileStore(file).getUnallocatedSpace();
    Files.write(fs.getPath("/old"), new byte[] {1});
    assertThatThrownBy(
            () -> Files.copy(file, fs.getPath("/old"), StandardCopyOption.REPLACE_EXISTING))
        .isInstanceOf(MediaErrorException.class);
    assertThat(fs.getPath("/old")).doesNotExist();
    assertThat(Files.getFileStore(file).getUnallocatedSpace()).isEqualTo(free);
  }

  @Test
  void theMessageIsOneLineAPersonCanActOn() throws IOException {
    setUp(MediaErrorModel.DIRECT_BYPASS);
    DaxFiles.injectError(file, BAD.offset(), 1);
    long sector = sectorOf(BAD.offset());
    assertThatThrownBy(() -> Files.readAllBytes(file))
        .hasToString(
            "io.daxfs.MediaErrorException: /data: Input/output error (DAX read at 0: lost bytes "
                + "[4608, 5120) on sectors "
                + sector
                + "+1; to repair, rewrite bytes [4608, 5120) through a "
                + "channel opened with ExtendedOpenOption.DIRECT)");
  }

  // ---- the stories of the reference thread
  // -------------------------------------------------------

  @Test
  void recoveryStoryRewriteTheLostSectorsThroughDirect() throws IOException {
    setUp(MediaErrorModel.DIRECT_BYPASS);
    Path replica = fs.getPath("/replica");
    Files.write(replica, data);

    DaxFiles.injectError(file, BAD.offset(), 1);
    MediaErrorException eio = null;
    try {
      Files.readAllBytes(file);
    } catch (MediaErrorException e) {
      eio = e;
    }
    assertThat(eio).as("the application hits EIO").isNotNull();
    List<FileRange> lost = DaxFiles.badRanges(file);
    assertThat(lost).as("it learns which bytes are lost").containsExactly(BAD);
    try (FileChannel from = FileChannel.open(replica, READ);
        FileChannel to = FileChannel.open(file, WRITE, ExtendedOpenOption.DIRECT)) {
      for (FileRange r : lost) {
        ByteBuffer buf = ByteBuffer.allocateDirect((int) r.length() + 512).alignedSlice(512);
        buf.limit((int) r.length());
        from.read(buf, r.offset());
        buf.flip();
        to.write(buf, r.offset());
      }
    }
    assertThat(Files.readAllBytes(file)).as("the read succeeds again").isEqualTo(data);
    assertThat(device.badblocks()).as("and the badblocks list is empty").isEmpty();
  }

  @Test
  void backupStoryDeleteAndRestore() throws IOException {
    setUp(MediaErrorModel.CLEAR_ON_ZERO);
    byte[] backup = Files.readAllBytes(file);
    DaxFiles.injectError(file, 0, SIZE);
    assertThat(device.badblocks()).hasSize(1);
    Files.delete(file);
    Files.write(file, backup);
    assertThat(device.badblocks()).isEmpty();
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }
}
