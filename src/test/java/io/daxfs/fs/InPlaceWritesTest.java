package io.daxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InPlaceWritesTest {
  private final InPlaceWrites writes = new InPlaceWrites();

  @Test
  void disjointWritesHoldTheirRangesTogetherAndOverlappingOnesAreRefused() {
    assertThat(writes.tryBeginWrite(0, 100)).isTrue();
    assertThat(writes.tryBeginWrite(100, 200)).as("adjacent, not overlapping").isTrue();
    assertThat(writes.tryBeginWrite(99, 101)).isFalse();
    assertThat(writes.tryBeginWrite(150, 151)).isFalse();
    writes.endWrite(0, 100);
    assertThat(writes.tryBeginWrite(50, 60)).isTrue();
  }

  @Test
  void smallWritesTakeTurnsInAStripeAndGoAheadOnlyWhileNoRangeIsHeld() {
    assertThat(writes.tryBeginSmallWrite(0, 64)).isTrue();
    assertThat(
            writes.tryBeginSmallWrite(InPlaceWrites.STRIPE_BYTES, InPlaceWrites.STRIPE_BYTES + 64))
        .as("another stripe")
        .isTrue();
    writes.endSmallWrite(0, 64);
    writes.endSmallWrite(InPlaceWrites.STRIPE_BYTES, InPlaceWrites.STRIPE_BYTES + 64);

    assertThat(writes.tryBeginWrite(100_000, 100_100)).isTrue();
    assertThat(writes.tryBeginSmallWrite(0, 64))
        .as("a range is held: take the table's path")
        .isFalse();
    writes.endWrite(100_000, 100_100);
    writes.beginRead(100_000, 100_100);
    assertThat(writes.tryBeginSmallWrite(0, 64)).as("a locked read is under way").isFalse();
    writes.endRead(100_000, 100_100);
    assertThat(writes.tryBeginSmallWrite(0, 64)).isTrue();
    writes.endSmallWrite(0, 64);
  }

  @Test
  void aSmallWriteHoldsEveryStripeItsBytesFallInAroundThePastTheLast() {
    int stripe = InPlaceWrites.STRIPE_BYTES;
    int count = InPlaceWrites.STRIPE_COUNT;
    // The longest small write, from inside the second-to-last stripe: two stripes, then around.
    long start = (count - 2L) * stripe + 100;
    long end = start + InPlaceWrites.SMALL_MAX;
    assertThat(writes.tryBeginSmallWrite(start, end)).isTrue();
    List<Integer> held = new ArrayList<>();
    for (int s = 0; s < count; s++) {
      long far = (long) (s + 5 * count) * stripe; // the same stripe, at another place in the file
      if (writes.stripeStamp(far, far + 1) < 0) {
        held.add(s);
      }
    }
    assertThat(held).containsExactly(0, 1, 2, count - 2, count - 1);
    assertThat(writes.stripeStamp(0, (long) count * stripe)).as("a range over all").isNegative();
    writes.endSmallWrite(start, end);
    assertThat(writes.stripeStamp(0, (long) count * stripe)).isNotNegative();
  }

  @Test
  void stripeMasksRunFromTheFirstByteAndWrapAround() {
    int stripe = InPlaceWrites.STRIPE_BYTES;
    int count = InPlaceWrites.STRIPE_COUNT;
    assertThat(InPlaceWrites.stripeMask(0, 1)).isEqualTo(1L);
    assertThat(InPlaceWrites.stripeMask(stripe - 1, stripe + 1)).isEqualTo(0b11L);
    assertThat(InPlaceWrites.stripeMask((long) count * stripe + 3, (long) (count + 1) * stripe))
        .as("a whole stripe, the first again")
        .isEqualTo(1L);
    assertThat(InPlaceWrites.stripeMask((count - 1L) * stripe, count * stripe + 1L))
        .isEqualTo(1L | 1L << (count - 1));
    assertThat(InPlaceWrites.stripeMask(5, 5 + (long) count * stripe))
        .as("more than all of them")
        .isEqualTo(allStripes(count));
    assertThat(InPlaceWrites.stripeMask(7L * stripe, (7L + count - 1) * stripe))
        .as("all but one")
        .isEqualTo(allStripes(count) & ~(1L << 6));
  }

  private static long allStripes(int count) {
    return count == Long.SIZE ? -1L : (1L << count) - 1;
  }

  @Test
  void theStripeStampSaysWhetherASmallWriteOfTheRangeIsUnderWayAndChangesWithEach() {
    int stripe = InPlaceWrites.STRIPE_BYTES;
    long idle = writes.stripeStamp(100, 200);
    assertThat(idle).isNotNegative();
    assertThat(writes.stripesUnchanged(idle, 100, 200)).isTrue();

    assertThat(writes.tryBeginSmallWrite(stripe - 10, stripe + 10)).isTrue(); // two stripes
    assertThat(writes.stripeStamp(100, 200)).as("held").isNegative();
    assertThat(writes.stripeStamp(stripe + 100, stripe + 200)).as("held").isNegative();
    assertThat(writes.stripeStamp(2 * stripe, 2 * stripe + 10)).as("not held").isNotNegative();
    assertThat(writes.stamp()).as("the table's stamp does not see small writes").isZero();
    writes.endSmallWrite(stripe - 10, stripe + 10);

    assertThat(writes.stripeStamp(100, 200)).isNotNegative();
    assertThat(writes.stripesUnchanged(idle, 100, 200))
        .as("a small write came and went: the stamp never comes back")
        .isFalse();
    long other = writes.stripeStamp(2 * stripe, 2 * stripe + 10);
    assertThat(writes.tryBeginSmallWrite(0, 10)).isTrue();
    writes.endSmallWrite(0, 10);
    assertThat(writes.stripesUnchanged(other, 2 * stripe, 2 * stripe + 10))
        .as("a small write in another stripe")
        .isTrue();
  }

  @Test
  void aRangeWaitsForTheSmallWritesInItsStripesAndAwaitNoneForAll() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      assertThat(writes.tryBeginSmallWrite(10, 20)).isTrue(); // stripe 0: every range's stripe
      Future<Boolean> write = pool.submit(() -> writes.tryBeginWrite(0, 100));
      Future<?> read = pool.submit(() -> writes.beginRead(200, 300));
      Thread.sleep(200);
      assertThat(write).as("a write waits").isNotDone();
      assertThat(read).as("a locked read waits").isNotDone();
      writes.endSmallWrite(10, 20);
      assertThat(write.get(10, TimeUnit.SECONDS)).as("the read's range does not overlap").isTrue();
      read.get(10, TimeUnit.SECONDS);
      writes.endWrite(0, 100);
      writes.endRead(200, 300);

      assertThat(
              writes.tryBeginSmallWrite(
                  5 * InPlaceWrites.STRIPE_BYTES, 5 * InPlaceWrites.STRIPE_BYTES + 1))
          .isTrue();
      Future<?> none = pool.submit(writes::awaitNone);
      Thread.sleep(200);
      assertThat(none).as("the write lock's wait: for every stripe").isNotDone();
      writes.endSmallWrite(5 * InPlaceWrites.STRIPE_BYTES, 5 * InPlaceWrites.STRIPE_BYTES + 1);
      none.get(10, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theStampSaysWhetherWritesAreUnderWayAndChangesWithEachBeginAndEnd() {
    long idle = writes.stamp();
    assertThat(InPlaceWrites.quiet(idle)).isTrue();
    assertThat(writes.unchanged(idle)).isTrue();

    writes.tryBeginWrite(0, 10);
    long busy = writes.stamp();
    assertThat(InPlaceWrites.quiet(busy)).isFalse();
    assertThat(writes.unchanged(idle)).isFalse();

    writes.endWrite(0, 10);
    assertThat(InPlaceWrites.quiet(writes.stamp())).isTrue();
    assertThat(writes.unchanged(idle))
        .as("a write came and went: the stamp never comes back")
        .isFalse();
    assertThat(writes.unchanged(busy)).isFalse();
  }

  @Test
  void aLockedReadKeepsOverlappingWritesOutButNotDisjointOnes() {
    writes.beginRead(0, 100);
    writes.beginRead(50, 150); // reads share
    assertThat(writes.tryBeginWrite(120, 130)).isFalse();
    assertThat(writes.tryBeginWrite(150, 160)).isTrue();
    writes.endRead(50, 150);
    assertThat(writes.tryBeginWrite(120, 130)).isTrue();
    writes.endRead(0, 100);
    assertThat(writes.tryBeginWrite(0, 100)).isTrue();
  }

  @Test
  void aReadWaitsForAnOverlappingWriteAndNewWritesWaitForTheReader() throws Exception {
    assertThat(writes.tryBeginWrite(0, 100)).isTrue();
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Void> read =
        CompletableFuture.runAsync(
            () -> {
              started.countDown();
              writes.beginRead(50, 60);
            });
    started.await();
    // While the reader waits, a new write is refused even where nothing overlaps it: it goes to
    // the file's write lock instead, so a stream of writes cannot starve the reader.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    boolean refused = false;
    while (!refused && System.nanoTime() < deadline) {
      if (writes.tryBeginWrite(1000, 1001)) {
        writes.endWrite(1000, 1001);
        Thread.onSpinWait();
      } else {
        refused = true;
      }
    }
    assertThat(refused).as("a write refused while a reader waits").isTrue();
    assertThat(read).isNotDone();

    writes.endWrite(0, 100);
    read.get(10, TimeUnit.SECONDS);
    assertThat(writes.tryBeginWrite(50, 60)).as("the reader holds its range").isFalse();
    writes.endRead(50, 60);
    assertThat(writes.tryBeginWrite(50, 60)).isTrue();
  }

  @Test
  void awaitNoneReturnsOnceTheWritesUnderWayHaveEnded() throws Exception {
    writes.tryBeginWrite(0, 10);
    writes.tryBeginWrite(20, 30);
    CompletableFuture<Void> waiter = CompletableFuture.runAsync(writes::awaitNone);
    Thread.sleep(50);
    assertThat(waiter).isNotDone();
    writes.endWrite(0, 10);
    Thread.sleep(50);
    assertThat(waiter).as("one write is still under way").isNotDone();
    writes.endWrite(20, 30);
    waiter.get(10, TimeUnit.SECONDS);
  }

  @Test
  void givingBackARangeThatIsNotHeldIsABug() {
    assertThatThrownBy(() -> writes.endWrite(0, 10)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> writes.endRead(0, 10)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void manyRangesAtOnceGrowTheTables() {
    for (int i = 0; i < 100; i++) {
      assertThat(writes.tryBeginWrite(i * 10L, i * 10L + 5)).isTrue();
      writes.beginRead(i * 10L + 5, i * 10L + 10);
    }
    assertThat(writes.tryBeginWrite(0, 1000)).isFalse();
    for (int i = 0; i < 100; i++) {
      writes.endWrite(i * 10L, i * 10L + 5);
      writes.endRead(i * 10L + 5, i * 10L + 10);
    }
    assertThat(InPlaceWrites.quiet(writes.stamp())).isTrue();
    assertThat(writes.tryBeginWrite(0, 1000)).isTrue();
  }
}
