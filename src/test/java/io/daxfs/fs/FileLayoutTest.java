package io.daxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxfs.AccessPath;
import io.daxfs.BadBlock;
import io.daxfs.DaxConfiguration;
import io.daxfs.FileExtent;
import io.daxfs.FileRange;
import io.daxfs.device.EmulatedPmem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FileLayoutTest {
  private static final int BLOCK = 4096;
  private static final int SHIFT = 12;
  private static final int SECTOR = 512;
  private static final int SECTORS_PER_BLOCK = BLOCK / SECTOR;

  /**
   * Blocks 0-1 on device blocks 10-11, a hole at 2-3, block 4 on device block 20, then one on 21
   * apart from it.
   */
  private static final ExtentMap MAP = ExtentMap.EMPTY.with(0, 10, 2).with(4, 20, 1).with(5, 30, 1);

  private EmulatedPmem device;

  @BeforeEach
  void setUp() throws Exception {
    device = EmulatedPmem.create(DaxConfiguration.builder().deviceSize(1L << 20).build());
  }

  @AfterEach
  void tearDown() throws Exception {
    device.close();
  }

  private static FileLayout layout(long size) {
    return new FileLayout(MAP, size, SHIFT, SECTOR);
  }

  private static long sectorOf(long deviceBlock, int sectorInBlock) {
    return deviceBlock * SECTORS_PER_BLOCK + sectorInBlock;
  }

  @Test
  void extentsInBytesTheLastFlagged() {
    assertThat(layout(6 * BLOCK).extents())
        .containsExactly(
            new FileExtent(0, 10 * BLOCK, 2 * BLOCK, false),
            new FileExtent(4 * BLOCK, 20 * BLOCK, BLOCK, false),
            new FileExtent(5 * BLOCK, 30 * BLOCK, BLOCK, true));
    assertThat(new FileLayout(ExtentMap.EMPTY, 0, SHIFT, SECTOR).extents()).isEmpty();
  }

  @Test
  void deviceRangesFollowTheExtentsInFileOrder() {
    FileLayout l = layout(6 * BLOCK);
    assertThat(l.deviceRanges(100, 50)).containsExactly(new long[] {10 * BLOCK + 100, 50});
    assertThat(l.deviceRanges(BLOCK - 10, 20))
        .as("inside one extent across a block edge")
        .containsExactly(new long[] {10 * BLOCK + BLOCK - 10, 20});
    assertThat(l.deviceRanges(4 * BLOCK + 5, 2 * BLOCK - 5))
        .containsExactly(new long[] {20 * BLOCK + 5, BLOCK - 5}, new long[] {30 * BLOCK, BLOCK});
  }

  @Test
  void deviceRangesRefuseHolesAndBytesOutsideTheFile() {
    FileLayout l = layout(6 * BLOCK - 1);
    assertThatThrownBy(() -> l.deviceRanges(BLOCK, 2 * BLOCK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bytes from 8192 are a hole: a hole has no sectors");
    assertThatThrownBy(() -> l.deviceRanges(5 * BLOCK, BLOCK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("range 20480+4096 is not inside the file (size 24575)");
    assertThatThrownBy(() -> l.deviceRanges(-1, 2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> l.deviceRanges(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> l.deviceRanges(1, Long.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rangesOnGivesTheFileBytesOnTheSectorsThatHoldData() {
    FileLayout l = layout(5 * BLOCK + 700); // data ends in the second sector of block 5
    List<BadBlock> blocks =
        List.of(
            new BadBlock(sectorOf(30, 0), 3), // block 5: the third sector lies past the data
            new BadBlock(
                sectorOf(11, 7),
                2), // the last sector of block 1, and the first of device block 12 (no file's)
            new BadBlock(sectorOf(40, 0), 8)); // no file's
    assertThat(l.rangesOn(blocks))
        .containsExactly(
            new FileRange(2 * BLOCK - SECTOR, SECTOR), new FileRange(5 * BLOCK, 2 * SECTOR));
    assertThat(l.rangesOn(List.of(new BadBlock(sectorOf(30, 2), 6))))
        .as("wholly past the data")
        .isEmpty();
  }

  @Test
  void badRangesAreTheKnownBadSectorsBehindTheDataMergedAcrossExtents() throws IOException {
    device.injectError(sectorOf(20, 7), 1); // the end of block 4 ...
    device.injectError(
        sectorOf(30, 0), 1); // ... touches the start of block 5, on another device block
    device.injectError(sectorOf(10, 1), 2);
    device.injectError(sectorOf(30, 3), 1); // past the data below
    device.injectError(sectorOf(12, 0), 8); // no file's
    FileLayout l = layout(5 * BLOCK + 3 * SECTOR - 1);
    assertThat(l.badRanges(device))
        .containsExactly(
            new FileRange(SECTOR, 2 * SECTOR), new FileRange(5 * BLOCK - SECTOR, 2 * SECTOR));
    device.injectLatentError(sectorOf(11, 0), 1);
    assertThat(l.badRanges(device)).as("latent poison is not known yet").hasSize(2);
    assertThat(layout(6 * BLOCK).badRanges(device))
        .contains(new FileRange(5 * BLOCK + 3 * SECTOR, SECTOR));
  }

  @Test
  void fileRangesOfOnePieceMapLinearly() {
    assertThat(
            FileLayout.fileRanges(
                List.of(new BadBlock(sectorOf(20, 1), 2), new BadBlock(sectorOf(20, 6), 1)),
                4 * BLOCK + 100,
                20 * BLOCK + 100,
                SECTOR))
        .containsExactly(
            new FileRange(4 * BLOCK + SECTOR, 2 * SECTOR),
            new FileRange(4 * BLOCK + 6 * SECTOR, SECTOR));
  }

  /**
   * A bad sector of the last block past the end of file is no lost data; neither is it once the
   * block is punched out and the file grown past it (a hole there). Only the extents of the first
   * moment cut to the size of the second would report it, so {@code badRanges} must read the two
   * together.
   */
  @Test
  void badRangesNeverMixTheExtentsOfOneMomentWithTheSizeOfAnother() throws Exception {
    Volume volume = Volume.create(DaxConfiguration.builder().deviceSize(16L << 20).build());
    RegularFile file =
        volume.open(volume.root(), new OneName("f"), new Volume.OpenSpec(true, true, true, 0644));
    AtomicBoolean stop = new AtomicBoolean();
    try {
      file.write(AccessPath.DAX, 0, ByteBuffer.allocate(BLOCK + SECTOR));
      CompletableFuture<Integer> cycles =
          CompletableFuture.supplyAsync(
              () -> {
                int n = 0;
                try {
                  while (!stop.get()) {
                    long block1 = file.deviceRanges(BLOCK, 1).get(0)[0] / BLOCK;
                    volume.device().injectError(sectorOf(block1, 2), 1); // past the end of file
                    file.punchHole(BLOCK, BLOCK);
                    file.write(
                        AccessPath.DAX,
                        2 * BLOCK,
                        ByteBuffer.allocate(1)); // over the sector's offset, a hole now
                    file.truncate(BLOCK + SECTOR);
                    file.write(
                        AccessPath.DAX,
                        BLOCK,
                        ByteBuffer.allocate(1)); // block 1 back, zeroed through the driver
                    n++;
                  }
                  return n;
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      List<List<FileRange>> wrong = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (System.nanoTime() < deadline && wrong.size() < 3 && !cycles.isDone()) {
        List<FileRange> lost = file.badRanges();
        if (!lost.isEmpty()) {
          wrong.add(lost);
        }
      }
      stop.set(true);
      assertThat(cycles.get(10, TimeUnit.SECONDS)).as("writer cycles").isPositive();
      assertThat(wrong).as("lost ranges reported while no data was lost").isEmpty();
    } finally {
      stop.set(true);
      file.release();
      volume.close();
    }
  }
}
