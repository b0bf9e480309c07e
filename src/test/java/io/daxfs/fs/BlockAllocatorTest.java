package io.daxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

class BlockAllocatorTest {

  @Test
  void rejectsNonPositiveSize() {
    assertThatThrownBy(() -> new BlockAllocator(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BlockAllocator(-5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hugeEmptyDeviceIsOneExtent() throws Exception {
    BlockAllocator a = new BlockAllocator(16L << 20);
    assertThat(a.freeBlocks()).isEqualTo(16L << 20);
    assertThat(a.freeExtentCount()).isEqualTo(1);
    assertThat(a.allocate(1_000_000, 8)).containsExactly(new BlockRun(1_000_000, 8));
    assertThat(a.freeExtentCount()).isEqualTo(2);
  }

  @Test
  void allocatesAtGoalSoFilesStayContiguous() throws Exception {
    BlockAllocator a = new BlockAllocator(1000);
    List<BlockRun> first = a.allocate(0, 10);
    assertThat(first).containsExactly(new BlockRun(0, 10));
    // Another file takes space elsewhere; the first file keeps growing in place.
    assertThat(a.allocate(500, 10)).containsExactly(new BlockRun(500, 10));
    assertThat(a.allocate(10, 5)).containsExactly(new BlockRun(10, 5));
    assertThat(a.allocate(15, 5)).containsExactly(new BlockRun(15, 5));
    assertThat(a.freeBlocks()).isEqualTo(1000 - 30);
  }

  @Test
  void goalOccupiedUsesFirstFitAfterGoal() throws Exception {
    BlockAllocator a = new BlockAllocator(100);
    a.allocate(0, 100);
    a.free(10, 3); // too small
    a.free(40, 10);
    a.free(80, 10);
    assertThat(a.allocate(20, 5)).containsExactly(new BlockRun(40, 5));
  }

  @Test
  void goalInFreeExtentTooShortFallsForward() throws Exception {
    BlockAllocator a = new BlockAllocator(100);
    a.allocate(0, 100);
    a.free(10, 5);
    a.free(50, 20);
    // Goal 12 is free but only 3 blocks remain there.
    assertThat(a.allocate(12, 8)).containsExactly(new BlockRun(50, 8));
  }

  @Test
  void wrapsAroundWhenNothingFitsAfterGoal() throws Exception {
    BlockAllocator a = new BlockAllocator(100);
    a.allocate(0, 100);
    a.free(5, 20);
    a.free(90, 4);
    assertThat(a.allocate(80, 10)).containsExactly(new BlockRun(5, 10));
  }

  @Test
  void goalOutOfRangeTreatedAsZero() throws Exception {
    BlockAllocator a = new BlockAllocator(100);
    assertThat(a.allocate(-7, 3)).containsExactly(new BlockRun(0, 3));
    assertThat(a.allocate(100, 3)).containsExactly(new BlockRun(3, 3));
    assertThat(a.allocate(Long.MAX_VALUE, 3)).containsExactly(new BlockRun(6, 3));
  }

  @Test
  void rejectsNonPositiveCount() {
    BlockAllocator a = new BlockAllocator(10);
    assertThatThrownBy(() -> a.allocate(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.allocate(0, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.allocateContiguous(0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void noSpaceIsAllOrNothing() throws Exception {
    BlockAllocator a = new BlockAllocator(20);
    a.allocate(0, 17);
    assertThatThrownBy(() -> a.allocate(0, 12))
        .isInstanceOf(NoSpaceException.class)
        .hasMessage("need 12 blocks, 3 free");
    assertThat(a.freeBlocks()).isEqualTo(3);
    for (int b = 17; b < 20; b++) {
      assertThat(a.isFree(b)).isTrue();
    }
    assertThat(a.allocate(0, 3)).containsExactly(new BlockRun(17, 3));
    assertThatThrownBy(() -> a.allocate(0, 1)).isInstanceOf(NoSpaceException.class);
  }

  @Test
  void fragmentsWhenNoSingleRunFits() throws Exception {
    BlockAllocator a = new BlockAllocator(100);
    a.allocate(0, 100);
    a.free(10, 4);
    a.free(30, 4);
    a.free(60, 4);
    a.free(90, 4);
    List<BlockRun> runs = a.allocate(50, 10);
    // Address order from the goal, wrapping.
    assertThat(runs).containsExactly(new BlockRun(60, 4), new BlockRun(90, 4), new BlockRun(10, 2));
    assertThat(runs.stream().mapToLong(BlockRun::count).sum()).isEqualTo(10);
    assertThat(a.freeBlocks()).isEqualTo(6);
    assertNoOverlap(runs);
    for (BlockRun r : runs) {
      for (long b = r.start(); b < r.end(); b++) {
        assertThat(a.isFree(b)).isFalse();
      }
    }
    assertThat(a.isFree(12)).isTrue();
    assertThat(a.isFree(30)).isTrue();
  }

  @Test
  void fragmentedAllocationStartsInsideExtentHoldingGoal() throws Exception {
    BlockAllocator a = new BlockAllocator(100);
    a.allocate(0, 100);
    a.free(10, 6);
    a.free(40, 3);
    List<BlockRun> runs = a.allocate(13, 8);
    assertThat(runs).containsExactly(new BlockRun(13, 3), new BlockRun(40, 3), new BlockRun(10, 2));
    assertThat(a.freeBlocks()).isEqualTo(1);
    assertThat(a.isFree(12)).isTrue();
  }

  @Test
  void fragmentedAllocationCanTakeEveryFreeBlock() throws Exception {
    BlockAllocator a = new BlockAllocator(64);
    a.allocate(0, 64);
    for (int b = 0; b < 64; b += 2) {
      a.free(b, 1);
    }
    List<BlockRun> runs = a.allocate(31, 32);
    assertThat(runs).hasSize(32);
    assertThat(a.freeBlocks()).isZero();
    assertNoOverlap(runs);
    assertThat(runs.get(0)).isEqualTo(new BlockRun(32, 1));
  }

  @Test
  void freeMergesNeighboursBackIntoOneRun() throws Exception {
    BlockAllocator a = new BlockAllocator(50);
    List<BlockRun> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      all.addAll(a.allocate(0, 5));
    }
    assertThat(a.freeBlocks()).isZero();
    assertThat(a.allocateContiguous(0, 1)).isEqualTo(-1);
    // Free in a scrambled order so merges happen on both sides.
    int[] order = {3, 7, 1, 9, 0, 5, 2, 8, 4, 6};
    for (int i : order) {
      a.free(all.get(i).start(), all.get(i).count());
    }
    assertThat(a.freeBlocks()).isEqualTo(50);
    assertThat(a.freeExtentCount()).isEqualTo(1);
    assertThat(a.allocateContiguous(17, 50)).isZero();
    assertThat(a.freeBlocks()).isZero();
  }

  @Test
  void doubleFreeThrowsAndNamesBlocks() throws Exception {
    BlockAllocator a = new BlockAllocator(100);
    a.allocate(0, 20);
    a.free(5, 5);
    assertThatThrownBy(() -> a.free(5, 5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("[5, 10)");
    // Partial overlap on either side is just as wrong.
    assertThatThrownBy(() -> a.free(8, 4)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> a.free(2, 4)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> a.free(0, 20)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> a.free(18, 5)).isInstanceOf(IllegalStateException.class);
    assertThat(a.freeBlocks()).isEqualTo(85);
  }

  @Test
  void singleBlockDoubleFreeThrowsThroughTheSpareSlotsToo() throws Exception {
    BlockAllocator a = new BlockAllocator(100);
    long b = a.allocate(BlockAllocator.ANYWHERE, 1).get(0).start();
    a.free(b, 1); // into the thread's spare slot
    assertThatThrownBy(() -> a.free(b, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("[" + b + ", " + (b + 1) + ")");
    assertThatThrownBy(() -> a.free(0, 3)).isInstanceOf(IllegalStateException.class);
    // A block the extents hold, freed into the empty slot, is found when the slots go back.
    assertThat(a.allocate(BlockAllocator.ANYWHERE, 1)).containsExactly(new BlockRun(b, 1));
    a.free(50, 1);
    assertThatThrownBy(() -> a.allocate(0, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("[50, 51)");
    assertThat(a.freeBlocks()).isEqualTo(99);
  }

  @Test
  void singleBlocksComeBackThroughTheSpareSlotsAndMergeWhenOthersLook() throws Exception {
    BlockAllocator a = new BlockAllocator(100);
    List<BlockRun> file = a.allocate(BlockAllocator.ANYWHERE, 1);
    assertThat(file).containsExactly(new BlockRun(0, 1)); // the lowest block, as before
    a.free(0, 1);
    assertThat(a.freeBlocks()).isEqualTo(100);
    assertThat(a.allocate(BlockAllocator.ANYWHERE, 1)).isEqualTo(file); // the spare, at once
    a.free(0, 1);
    // anything else sees all free space merged: one run of 100 at the goal
    assertThat(a.allocateContiguous(0, 100)).isZero();
    a.free(0, 100);
    assertThat(a.freeExtentCount()).isEqualTo(1);
    assertThat(a.freeBlocks()).isEqualTo(100);
  }

  @Test
  void freeOutOfRangeThrows() {
    BlockAllocator a = new BlockAllocator(10);
    assertThatThrownBy(() -> a.free(-1, 1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> a.free(9, 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("9");
    assertThatThrownBy(() -> a.free(10, 1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> a.free(5, Long.MAX_VALUE)).isInstanceOf(IllegalStateException.class);
    assertThat(a.freeBlocks()).isEqualTo(10);
  }

  @Test
  void allocateContiguousPrefersGoalAndReturnsMinusOneWhenFragmented() throws Exception {
    BlockAllocator a = new BlockAllocator(100);
    assertThat(a.allocateContiguous(30, 10)).isEqualTo(30);
    a.allocate(0, 90); // fills everything except 30..39 already taken -> all full
    assertThat(a.freeBlocks()).isZero();
    a.free(0, 5);
    a.free(50, 5);
    a.free(95, 5);
    assertThat(a.allocateContiguous(0, 6)).isEqualTo(-1);
    assertThat(a.freeBlocks()).isEqualTo(15);
    assertThat(a.allocateContiguous(60, 5)).isEqualTo(95);
    assertThat(a.allocateContiguous(60, 5)).isEqualTo(0);
    assertThat(a.allocateContiguous(60, 20)).isEqualTo(-1);
    assertThat(a.freeBlocks()).isEqualTo(5);
  }

  @Test
  void blockRunValidates() {
    assertThatThrownBy(() -> new BlockRun(-1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BlockRun(0, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void randomizedAgainstBitSetModel() {
    final int size = 4096;
    Random rnd = new Random(0xDA5F5L);
    BlockAllocator a = new BlockAllocator(size);
    BitSet used = new BitSet(size);
    List<BlockRun> live = new ArrayList<>();
    for (int op = 0; op < 20_000; op++) {
      int kind = rnd.nextInt(10);
      if (kind < 5 || live.isEmpty()) {
        long count = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 300);
        long goal = rnd.nextInt(size + 20) - 10;
        long freeBefore = a.freeBlocks();
        try {
          List<BlockRun> runs = a.allocate(goal, count);
          assertThat(runs.stream().mapToLong(BlockRun::count).sum()).isEqualTo(count);
          for (BlockRun r : runs) {
            markUsed(used, r);
          }
          // Split returned runs into random pieces so frees are partial and exercise merging.
          for (BlockRun r : runs) {
            splitInto(live, r, rnd);
          }
        } catch (NoSpaceException e) {
          assertThat(freeBefore).isLessThan(count);
          assertThat(a.freeBlocks()).isEqualTo(freeBefore);
        }
      } else if (kind < 6) {
        long count = 1 + rnd.nextInt(64);
        long start = a.allocateContiguous(rnd.nextInt(size), count);
        if (start >= 0) {
          BlockRun r = new BlockRun(start, count);
          markUsed(used, r);
          live.add(r);
        } else {
          assertThat(longestClearRun(used, size)).isLessThan(count);
        }
      } else {
        BlockRun r = live.remove(rnd.nextInt(live.size()));
        a.free(r.start(), r.count());
        used.clear((int) r.start(), (int) r.end());
      }
      assertThat(a.freeBlocks()).isEqualTo(size - used.cardinality());
      if (op % 500 == 0) {
        for (int b = 0; b < size; b++) {
          assertThat(a.isFree(b)).as("block %d", b).isEqualTo(!used.get(b));
        }
      }
    }
    for (BlockRun r : live) {
      a.free(r.start(), r.count());
    }
    assertThat(a.freeBlocks()).isEqualTo(size);
    assertThat(a.freeExtentCount()).isEqualTo(1);
  }

  @Test
  void concurrentAllocateAndFreeNeverHandsOutABlockTwice() throws Exception {
    final int size = 8192;
    BlockAllocator a = new BlockAllocator(size);
    // Each thread records what it holds; any block handed to two holders at once is caught here.
    BitSet owned = new BitSet(size);
    List<BlockRun> remaining =
        churn(
            a,
            owned,
            t -> 1000 + t,
            5_000,
            (rnd, holdsNothing) ->
                rnd.nextInt(3) > 0 || holdsNothing
                    ? new Request(rnd.nextInt(size), 1 + rnd.nextInt(100))
                    : null);
    long held = remaining.stream().mapToLong(BlockRun::count).sum();
    assertThat(a.freeBlocks()).isEqualTo(size - held);
    synchronized (owned) {
      assertThat(owned.cardinality()).isEqualTo((int) held);
    }
    for (BlockRun r : remaining) {
      for (long b = r.start(); b < r.end(); b++) {
        assertThat(a.isFree(b)).isFalse();
      }
      a.free(r.start(), r.count());
    }
    assertThat(a.freeBlocks()).isEqualTo(size);
    assertThat(a.freeExtentCount()).isEqualTo(1);
  }

  /**
   * The small-file cycle from several threads: single blocks taken anywhere and freed, through the
   * spare slots, against multi-block allocations and frees that put the spares back.
   */
  @Test
  void concurrentSingleBlocksThroughTheSparesNeverHandOutABlockTwice() throws Exception {
    final int size = 256;
    final long seed = 4242;
    BlockAllocator a = new BlockAllocator(size);
    List<BlockRun> remaining =
        churn(
            a,
            new BitSet(size),
            t -> seed * 31 + t,
            20_000,
            (rnd, holdsNothing) -> {
              int op = rnd.nextInt(10);
              if (op < 5 || holdsNothing) {
                return op == 0
                    ? new Request(rnd.nextInt(size), 1 + rnd.nextInt(8))
                    : new Request(BlockAllocator.ANYWHERE, 1);
              }
              return null;
            });
    long held = remaining.stream().mapToLong(BlockRun::count).sum();
    assertThat(a.freeBlocks()).as("seed %d", seed).isEqualTo(size - held);
    for (BlockRun r : remaining) {
      a.free(r.start(), r.count());
    }
    assertThat(a.freeBlocks()).as("seed %d", seed).isEqualTo(size);
    assertThat(a.freeExtentCount()).as("seed %d", seed).isEqualTo(1);
  }

  /** What a churning thread asks for: {@code count} blocks from {@code goal}. */
  private record Request(long goal, long count) {}

  /** A churning thread's next step: a request, or {@code null} to free one of its runs. */
  private interface Step {
    Request next(Random rnd, boolean holdsNothing);
  }

  /**
   * Four threads, thread {@code t} seeded with {@code seedOf(t)}, each taking {@code steps} steps:
   * allocating what {@code step} asks for (under contention, no space is no failure) or freeing a
   * run it holds at random, every run claimed in {@code owned} while held. Returns the runs left,
   * checked not to overlap.
   */
  private static List<BlockRun> churn(
      BlockAllocator a, BitSet owned, IntToLongFunction seedOf, int steps, Step step)
      throws Exception {
    final int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<List<BlockRun>>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long seed = seedOf.applyAsLong(t);
        tasks.add(
            () -> {
              Random rnd = new Random(seed);
              List<BlockRun> mine = new ArrayList<>();
              for (int i = 0; i < steps; i++) {
                Request r = step.next(rnd, mine.isEmpty());
                if (r != null) {
                  try {
                    for (BlockRun run : a.allocate(r.goal(), r.count())) {
                      claim(owned, run);
                      mine.add(run);
                    }
                  } catch (NoSpaceException e) {
                    // others hold the rest; keep going
                  }
                } else {
                  BlockRun run = mine.remove(rnd.nextInt(mine.size()));
                  release(owned, run);
                  a.free(run.start(), run.count());
                }
              }
              return mine;
            });
      }
      List<BlockRun> remaining = new ArrayList<>();
      for (Future<List<BlockRun>> f : pool.invokeAll(tasks)) {
        remaining.addAll(f.get());
      }
      assertNoOverlap(remaining);
      return remaining;
    } finally {
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static void claim(BitSet owned, BlockRun r) {
    synchronized (owned) {
      int from = (int) r.start();
      int to = (int) r.end();
      int clash = owned.nextSetBit(from);
      if (clash >= 0 && clash < to) {
        throw new AssertionError("block " + clash + " handed out twice (run " + r + ")");
      }
      owned.set(from, to);
    }
  }

  private static void release(BitSet owned, BlockRun r) {
    synchronized (owned) {
      owned.clear((int) r.start(), (int) r.end());
    }
  }

  private static void markUsed(BitSet used, BlockRun r) {
    int clash = used.nextSetBit((int) r.start());
    assertThat(clash < 0 || clash >= r.end())
        .as("run %s overlaps used block %d", r, clash)
        .isTrue();
    used.set((int) r.start(), (int) r.end());
  }

  private static void splitInto(List<BlockRun> live, BlockRun r, Random rnd) {
    long start = r.start();
    long left = r.count();
    while (left > 0) {
      long piece =
          rnd.nextInt(3) == 0
              ? left
              : 1 + (long) rnd.nextInt((int) Math.min(left, Integer.MAX_VALUE));
      live.add(new BlockRun(start, piece));
      start += piece;
      left -= piece;
    }
  }

  private static long longestClearRun(BitSet used, int size) {
    long best = 0;
    int from = used.nextClearBit(0);
    while (from < size) {
      int to = Math.min(used.nextSetBit(from) < 0 ? size : used.nextSetBit(from), size);
      best = Math.max(best, to - from);
      from = used.nextClearBit(to);
    }
    return best;
  }

  private static void assertNoOverlap(List<BlockRun> runs) {
    List<BlockRun> sorted = new ArrayList<>(runs);
    sorted.sort((x, y) -> Long.compare(x.start(), y.start()));
    for (int i = 1; i < sorted.size(); i++) {
      assertThat(sorted.get(i).start())
          .as("%s overlaps %s", sorted.get(i - 1), sorted.get(i))
          .isGreaterThanOrEqualTo(sorted.get(i - 1).end());
    }
  }
}
