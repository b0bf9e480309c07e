package io.daxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.AccessPath;
import io.daxfs.DaxConfiguration;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RegularFile}'s locking protocol: who waits for an in-place write under way. The write is
 * held open through the file's {@link InPlaceWrites}, as a thread in the middle of its copy would
 * hold it, so each case is deterministic: a reader that must not see a write in progress waits, one
 * that may goes on. Each read and write is sized at the edge of the threshold that picks its path
 * ({@link RegularFile#LOCK_FREE_MAX} for reads, {@link RegularFile#IN_PLACE_MIN} for writes), so
 * that a change of either is a change these cases see.
 */
class RegularFileLockingTest {
  private static final int BLOCK = 4096;

  /** The longest read that runs without a lock. */
  private static final int LOCK_FREE_READ = RegularFile.LOCK_FREE_MAX;

  /** The shortest read that takes the read lock. */
  private static final int LOCKED_READ = RegularFile.LOCK_FREE_MAX + 1;

  /** The shortest write that writes in place, holding only its range. */
  private static final int IN_PLACE_WRITE = RegularFile.IN_PLACE_MIN;

  /** The longest write that holds stripes instead of a range. */
  private static final int SMALL_WRITE = RegularFile.IN_PLACE_MIN - 1;

  /** How long an operation that must wait is watched not to finish. */
  private static final long WATCH_MILLIS = 200;

  private Volume volume;
  private RegularFile file;

  @BeforeEach
  void setUp() throws Exception {
    volume = Volume.create(DaxConfiguration.builder().deviceSize(16L << 20).build());
    file =
        volume.open(volume.root(), new OneName("f"), new Volume.OpenSpec(true, true, true, 0644));
    ByteBuffer data = ByteBuffer.allocate(8 * BLOCK); // room for the longest small write, twice
    while (data.hasRemaining()) {
      data.put((byte) 7);
    }
    file.write(AccessPath.DAX, 0, data.flip());
  }

  @AfterEach
  void tearDown() throws Exception {
    file.release();
    volume.close();
  }

  /** Runs {@code op} on another thread. */
  private static <T> CompletableFuture<T> async(Callable<T> op) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return op.call();
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        });
  }

  private CompletableFuture<Integer> readAsync(long pos, int length) {
    return async(() -> file.read(AccessPath.DAX, pos, ByteBuffer.allocate(length)));
  }

  private void assertWaitsForTheWrite(
      CompletableFuture<?> op, InPlaceWrites writes, long start, long end) throws Exception {
    assertWaits(op, () -> writes.endWrite(start, end));
  }

  private void assertWaitsForTheSmallWrite(
      CompletableFuture<?> op, InPlaceWrites writes, long start, long end) throws Exception {
    assertWaits(op, () -> writes.endSmallWrite(start, end));
  }

  private static void assertWaits(CompletableFuture<?> op, Runnable endOfTheWrite)
      throws Exception {
    Thread.sleep(WATCH_MILLIS);
    assertThat(op).as("finished while the write was under way").isNotDone();
    endOfTheWrite.run();
    op.get(10, TimeUnit.SECONDS);
  }

  private CompletableFuture<Long> writeAsync(long pos, int length) {
    return async(() -> file.write(AccessPath.DAX, pos, ByteBuffer.allocate(length)));
  }

  @Test
  void aLockFreeReadOfBytesUnderAWriteWaitsForIt() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    assertThat(writes.tryBeginWrite(BLOCK, 2 * BLOCK)).isTrue();
    assertWaitsForTheWrite(readAsync(BLOCK + 100, LOCK_FREE_READ), writes, BLOCK, 2 * BLOCK);
  }

  @Test
  void aLockedReadOfBytesUnderAWriteWaitsForIt() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    assertThat(writes.tryBeginWrite(BLOCK, 2 * BLOCK)).isTrue();
    assertWaitsForTheWrite(readAsync(BLOCK - 1, LOCKED_READ), writes, BLOCK, 2 * BLOCK);
  }

  @Test
  void readsOfOtherBytesGoOnWhileAWriteIsUnderWay() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    assertThat(writes.tryBeginWrite(BLOCK, 2 * BLOCK)).isTrue();
    assertThat(readAsync(BLOCK - LOCK_FREE_READ, LOCK_FREE_READ).get(10, TimeUnit.SECONDS))
        .isEqualTo(LOCK_FREE_READ);
    assertThat(readAsync(2 * BLOCK, LOCKED_READ).get(10, TimeUnit.SECONDS)).isEqualTo(LOCKED_READ);
    writes.endWrite(BLOCK, 2 * BLOCK);
  }

  @Test
  void aTruncateWaitsForTheWritesUnderWay() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    assertThat(writes.tryBeginWrite(3 * BLOCK, 3 * BLOCK + 10)).isTrue();
    CompletableFuture<Boolean> truncate =
        async(() -> file.truncate(0)); // frees the blocks the write is copying to
    assertWaitsForTheWrite(truncate, writes, 3 * BLOCK, 3 * BLOCK + 10);
    assertThat(file.size()).isZero();
  }

  @Test
  void aSmallWriteOfBytesUnderAWriteWaitsForIt() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    assertThat(writes.tryBeginWrite(BLOCK, 2 * BLOCK)).isTrue();
    assertWaitsForTheWrite(writeAsync(2 * BLOCK - 1, SMALL_WRITE), writes, BLOCK, 2 * BLOCK);
  }

  @Test
  void aSmallWriteOfOtherBytesGoesOnWhileAWriteIsUnderWay() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    assertThat(writes.tryBeginWrite(0, 10)).isTrue();
    assertThat(writeAsync(3 * BLOCK, SMALL_WRITE).get(10, TimeUnit.SECONDS))
        .isEqualTo(3 * BLOCK + SMALL_WRITE);
    writes.endWrite(0, 10);
  }

  @Test
  void readsOfBytesUnderASmallWriteWaitForIt() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    assertThat(writes.tryBeginSmallWrite(BLOCK, BLOCK + 64)).isTrue();
    assertWaitsForTheSmallWrite(readAsync(BLOCK + 32, LOCK_FREE_READ), writes, BLOCK, BLOCK + 64);
    assertThat(writes.tryBeginSmallWrite(BLOCK, BLOCK + 64)).isTrue();
    assertWaitsForTheSmallWrite(readAsync(0, LOCKED_READ + BLOCK), writes, BLOCK, BLOCK + 64);
  }

  @Test
  void aSmallWriteWaitsForOneUnderWayInItsStripeAndNotForOneElsewhere() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    // A stripe covers InPlaceWrites.STRIPE_BYTES of the file: here a block.
    assertThat(InPlaceWrites.STRIPE_BYTES).isEqualTo(BLOCK);
    assertThat(writes.tryBeginSmallWrite(BLOCK, BLOCK + 64)).isTrue();
    assertThat(writeAsync(2 * BLOCK, SMALL_WRITE).get(10, TimeUnit.SECONDS))
        .isEqualTo(2 * BLOCK + SMALL_WRITE);
    assertWaitsForTheSmallWrite(
        writeAsync(BLOCK - 100, SMALL_WRITE), writes, BLOCK, BLOCK + 64); // across into it
  }

  @Test
  void aSmallWriteAcrossStripesWaitsForOneUnderWayInItsLastStripe() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    long last = BLOCK - 100 + SMALL_WRITE - 10; // in the fifth stripe of the write below
    assertThat(writes.tryBeginSmallWrite(last, last + 1)).isTrue();
    assertWaitsForTheSmallWrite(writeAsync(BLOCK - 100, SMALL_WRITE), writes, last, last + 1);
  }

  @Test
  void aLargeWriteOverASmallWriteUnderWayWaitsForIt() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    assertThat(writes.tryBeginSmallWrite(BLOCK, BLOCK + 64)).isTrue();
    assertWaitsForTheSmallWrite(writeAsync(BLOCK, IN_PLACE_WRITE), writes, BLOCK, BLOCK + 64);
  }

  @Test
  void aTruncateWaitsForTheSmallWritesUnderWay() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    assertThat(writes.tryBeginSmallWrite(3 * BLOCK, 3 * BLOCK + 10)).isTrue();
    CompletableFuture<Boolean> truncate = async(() -> file.truncate(0));
    assertWaitsForTheSmallWrite(truncate, writes, 3 * BLOCK, 3 * BLOCK + 10);
    assertThat(file.size()).isZero();
  }

  @Test
  void aLargeWriteOfOtherBytesGoesOnWhileAWriteIsUnderWay() throws Exception {
    InPlaceWrites writes = file.inPlaceWrites();
    assertThat(writes.tryBeginWrite(0, 10)).isTrue();
    long end =
        async(() -> file.write(AccessPath.DAX, BLOCK, ByteBuffer.allocate(IN_PLACE_WRITE)))
            .get(10, TimeUnit.SECONDS);
    assertThat(end).isEqualTo(BLOCK + IN_PLACE_WRITE);
    writes.endWrite(0, 10);
  }
}
