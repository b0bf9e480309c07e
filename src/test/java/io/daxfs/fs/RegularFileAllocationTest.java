package io.daxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.AccessPath;
import io.daxfs.DaxConfiguration;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reads and writes over the DAX path are memory copies and allocate nothing once compiled: the
 * extent walk keeps its cursor in the caller's locals. Each case runs rounds of operations until
 * the JIT has compiled them and a round allocates less than a byte per operation; an operation that
 * allocates every time never gets there.
 */
class RegularFileAllocationTest {
  private static final int BLOCK = 4096;
  private static final int OPS_PER_ROUND = 20_000;
  private static final int MAX_ROUNDS = 150;

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private Volume volume;
  private RegularFile file;

  @BeforeEach
  void setUp() throws Exception {
    volume = Volume.create(DaxConfiguration.builder().deviceSize(16L << 20).build());
    file =
        volume.open(volume.root(), new OneName("f"), new Volume.OpenSpec(true, true, true, 0644));
    // Blocks 0-7 in two extents apart on the device, a hole at 8, block 9 after it: walks cross
    // extents and holes.
    file.write(AccessPath.DAX, 0, ByteBuffer.allocate(4 * BLOCK));
    long next = (file.fileExtents().get(0).physicalOffset() >>> 12) + 4;
    assertThat(volume.allocateContiguous(next, 1))
        .as("taken as another file's, so the next extent lies apart")
        .isEqualTo(next);
    file.write(AccessPath.DAX, 4 * BLOCK, ByteBuffer.allocate(4 * BLOCK));
    file.write(AccessPath.DAX, 9 * BLOCK, ByteBuffer.allocate(BLOCK));
    assertThat(file.fileExtents()).hasSize(3);
  }

  @AfterEach
  void tearDown() throws Exception {
    file.release();
    volume.close();
  }

  /** One operation at the i-th of a few offsets. */
  @FunctionalInterface
  private interface Op {
    void run(int i) throws IOException;
  }

  /** Reads: in one block, across an extent edge, into the hole, in the last extent. */
  private static final long[] READS = {100, 4 * BLOCK - 32, 8 * BLOCK - 32, 9 * BLOCK + 7};

  /** Writes stay off the hole: a write there allocates a block, once, and changes the extents. */
  private static final long[] WRITES = {100, 4 * BLOCK - 32, 9 * BLOCK, 2 * BLOCK + 7};

  private static double leastBytesPerOp(Op op) throws IOException {
    double least = Double.MAX_VALUE;
    for (int round = 0; round < MAX_ROUNDS && least >= 1; round++) {
      long before = THREADS.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < OPS_PER_ROUND; i++) {
        op.run(i);
      }
      least =
          Math.min(
              least, (double) (THREADS.getCurrentThreadAllocatedBytes() - before) / OPS_PER_ROUND);
    }
    return least;
  }

  @Test
  void shortReadsWithoutTheLockAllocateNothing() throws IOException {
    ByteBuffer dst = ByteBuffer.allocateDirect(64);
    assertThat(leastBytesPerOp(i -> file.read(AccessPath.DAX, READS[i & 3], dst.clear())))
        .isLessThan(1);
  }

  @Test
  void readsUnderTheLockAllocateNothing() throws IOException {
    ByteBuffer dst = ByteBuffer.allocate(BLOCK);
    assertThat(leastBytesPerOp(i -> file.read(AccessPath.DAX, READS[i & 3], dst.clear())))
        .isLessThan(1);
  }

  @Test
  void inPlaceWritesAllocateNothing() throws IOException {
    ByteBuffer src = ByteBuffer.allocateDirect(BLOCK);
    assertThat(leastBytesPerOp(i -> file.write(AccessPath.DAX, WRITES[i & 3], src.clear())))
        .isLessThan(1);
  }

  @Test
  void shortWritesUnderTheLockAllocateNothing() throws IOException {
    ByteBuffer src = ByteBuffer.allocate(64);
    assertThat(leastBytesPerOp(i -> file.write(AccessPath.DAX, WRITES[i & 3], src.clear())))
        .isLessThan(1);
  }
}
