package io.daxfs.fs;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Hands out device blocks. Free space is kept as extents rather than a bitmap so that a large,
 * mostly empty device costs a handful of map entries instead of megabytes of bits.
 *
 * <p>Two indexes are kept in step: {@code freeByStart} (start -> length) answers "is there free
 * space at the goal" and drives address-ordered searches; {@code lengthHistogram} (length -> number
 * of free extents with that length) tells in O(log n) whether any single extent can satisfy a
 * request, so a fragmented device falls straight through to multi-run allocation instead of
 * scanning every extent first, and {@link #allocateContiguous} fails fast.
 *
 * <p>The extents are guarded by the instance lock. One case skips it: a single block that a file
 * with no neighbours asks for ({@link #ANYWHERE}), and a single block freed, go through a few spare
 * slots, each holding one free block outside the extents, picked by the calling thread. A thread
 * that creates, fills and deletes small files thus takes and gives back the same block without the
 * lock or the extents (as ext4 keeps per-CPU preallocations); every other operation first puts the
 * spares back into the extents, so it sees all free space, merged, as before. A block in a slot
 * counts as free.
 */
final class BlockAllocator {
  /**
   * The goal of a file that has no block yet, so no neighbour to stay next to: the lowest free
   * blocks (committed memory first), or a spare single block.
   */
  static final long ANYWHERE = -1;

  /** Spare slots: a power of two, so that a thread's id picks one with a mask. */
  private static final int SPARES = 16;

  /** Longs from one slot to the next: a cache line each, so two threads' slots do not share one. */
  private static final int SPACING = 8;

  private static final long EMPTY = -1;

  private final long blockCount;
  private final TreeMap<Long, Long> freeByStart = new TreeMap<>();
  private final TreeMap<Long, Integer> lengthHistogram = new TreeMap<>();

  /** Free blocks in the extents; volatile so that statfs-style callers need not take the lock. */
  private volatile long extentFree;

  /** Slot {@code i * SPACING}: one free block, or {@link #EMPTY}. */
  private final AtomicLongArray spares = new AtomicLongArray(SPARES * SPACING);

  BlockAllocator(long blockCount) {
    checkArgument(blockCount > 0, "block count must be positive: %s", blockCount);
    this.blockCount = blockCount;
    addFree(0, blockCount);
    this.extentFree = blockCount;
    for (int i = 0; i < SPARES; i++) {
      spares.set(i * SPACING, EMPTY);
    }
  }

  long totalBlocks() {
    return blockCount;
  }

  long freeBlocks() {
    long n = extentFree;
    for (int i = 0; i < SPARES; i++) {
      if (spares.get(i * SPACING) != EMPTY) {
        n++;
      }
    }
    return n;
  }

  /**
   * Takes {@code count} blocks, as one run at {@code goal} or the first after it if one fits, else
   * as several in address order from the goal; all or nothing.
   *
   * @param goal the block the caller would like first; {@link #ANYWHERE} (or any negative or
   *     out-of-range value) for block 0, where a single block may also come from a spare slot
   * @throws NoSpaceException when fewer than {@code count} blocks are free
   */
  List<BlockRun> allocate(long goal, long count) throws NoSpaceException {
    checkArgument(count > 0, "block count must be positive: %s", count);
    if (count == 1 && goal < 0) {
      int i = spareSlot();
      long b = spares.get(i);
      if (b != EMPTY && spares.compareAndSet(i, b, EMPTY)) {
        return List.of(new BlockRun(b, 1));
      }
    }
    return allocateFromExtents(goal, count);
  }

  private synchronized List<BlockRun> allocateFromExtents(long goal, long count)
      throws NoSpaceException {
    drainSpares();
    if (count > extentFree) {
      throw new NoSpaceException(count, extentFree);
    }
    goal = normalizeGoal(goal);
    long start = findWholeRun(goal, count);
    if (start >= 0) {
      take(start, count);
      return List.of(new BlockRun(start, count));
    }
    return allocateFragmented(goal, count);
  }

  synchronized long allocateContiguous(long goal, long count) {
    checkArgument(count > 0, "block count must be positive: %s", count);
    drainSpares();
    if (count > extentFree) {
      return -1;
    }
    long start = findWholeRun(normalizeGoal(goal), count);
    if (start >= 0) {
      take(start, count);
    }
    return start;
  }

  /**
   * Gives {@code [start, start + count)} back.
   *
   * @throws IllegalStateException for blocks outside the device, or free already (a double free:
   *     found here, or, for a single block freed into a spare slot while the extents hold it, when
   *     the slots are next put back)
   */
  void free(long start, long count) {
    checkArgument(count > 0, "block count must be positive: %s", count);
    if (start < 0 || start >= blockCount || count > blockCount - start) {
      throw new IllegalStateException(
          "freeing blocks ["
              + start
              + ", "
              + (start + count)
              + ") outside device of "
              + blockCount
              + " blocks");
    }
    if (count == 1) {
      int i = spareSlot();
      if (spares.get(i) == EMPTY) {
        checkNotSpare(start, 1);
        if (spares.compareAndSet(i, EMPTY, start)) {
          return;
        }
      }
    }
    freeIntoExtents(start, count);
  }

  private synchronized void freeIntoExtents(long start, long count) {
    checkNotSpare(start, count);
    insertFree(start, count);
  }

  /** Adds a run to the extents, merged with its neighbours. Caller holds the lock. */
  private void insertFree(long start, long count) {
    long end = start + count;
    Map.Entry<Long, Long> below = freeByStart.floorEntry(start);
    if (below != null && below.getKey() + below.getValue() > start) {
      throw doubleFree(start, end, below.getKey(), below.getKey() + below.getValue());
    }
    Map.Entry<Long, Long> above = freeByStart.higherEntry(start);
    if (above != null && above.getKey() < end) {
      throw doubleFree(start, end, above.getKey(), above.getKey() + above.getValue());
    }

    long mergedStart = start;
    long mergedEnd = end;
    if (below != null && below.getKey() + below.getValue() == start) {
      removeFree(below.getKey(), below.getValue());
      mergedStart = below.getKey();
    }
    if (above != null && above.getKey() == end) {
      removeFree(above.getKey(), above.getValue());
      mergedEnd = end + above.getValue();
    }
    addFree(mergedStart, mergedEnd - mergedStart);
    extentFree += count;
  }

  /**
   * The spare slot of the calling thread. Thread ids are handed out in sequence, so threads started
   * together get slots of their own; an identity hash would be as good a spread but can cost a call
   * into the VM when the thread's header is busy.
   */
  @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; getId() is the same number
  private static int spareSlot() {
    return ((int) Thread.currentThread().getId() & (SPARES - 1)) * SPACING;
  }

  /** Throws the double-free error when a spare slot holds a block of the run. */
  private void checkNotSpare(long start, long count) {
    for (int i = 0; i < SPARES; i++) {
      long b = spares.get(i * SPACING);
      if (b >= start && b - start < count) {
        throw doubleFree(start, start + count, b, b + 1);
      }
    }
  }

  /** Puts every spare block back into the extents. Caller holds the lock. */
  private void drainSpares() {
    for (int i = 0; i < SPARES; i++) {
      int slot = i * SPACING;
      long b = spares.get(slot);
      if (b != EMPTY && spares.compareAndSet(slot, b, EMPTY)) {
        insertFree(b, 1);
      }
    }
  }

  /**
   * Takes exactly {@code [start, start + count)}, as a mount does for the blocks its files hold.
   *
   * @return false, taking nothing, when part of the range is outside the device or not free
   */
  synchronized boolean reserve(long start, long count) {
    if (start < 0 || count <= 0 || start > totalBlocks() - count) {
      return false;
    }
    drainSpares();
    Map.Entry<Long, Long> e = freeByStart.floorEntry(start);
    if (e == null || e.getKey() + e.getValue() < start + count) {
      return false;
    }
    take(start, count);
    return true;
  }

  synchronized boolean isFree(long block) {
    checkArgument(
        block >= 0 && block < blockCount,
        "block %s outside device of %s blocks",
        block,
        blockCount);
    drainSpares();
    Map.Entry<Long, Long> e = freeByStart.floorEntry(block);
    return e != null && block < e.getKey() + e.getValue();
  }

  /** Number of free extents; exposes fragmentation to tests. */
  synchronized int freeExtentCount() {
    drainSpares();
    return freeByStart.size();
  }

  @Override
  public synchronized String toString() {
    drainSpares();
    return "BlockAllocator{"
        + extentFree
        + "/"
        + blockCount
        + " free in "
        + freeByStart.size()
        + " extents}";
  }

  private long normalizeGoal(long goal) {
    return goal < 0 || goal >= blockCount ? 0 : goal;
  }

  /**
   * Start of a single free run of {@code count} blocks, or -1. Order of preference keeps files
   * contiguous: exactly at the goal, then the first extent after the goal, then wrap to the device
   * start.
   */
  private long findWholeRun(long goal, long count) {
    if (lengthHistogram.isEmpty() || lengthHistogram.lastKey() < count) {
      return -1;
    }
    Map.Entry<Long, Long> atGoal = freeByStart.floorEntry(goal);
    if (atGoal != null && goal + count <= atGoal.getKey() + atGoal.getValue()) {
      return goal;
    }
    for (Map.Entry<Long, Long> e : freeByStart.tailMap(goal, false).entrySet()) {
      if (e.getValue() >= count) {
        return e.getKey();
      }
    }
    // Wrapping includes the extent holding the goal: it may fit when started at its own beginning.
    for (Map.Entry<Long, Long> e : freeByStart.headMap(goal, true).entrySet()) {
      if (e.getValue() >= count) {
        return e.getKey();
      }
    }
    throw new AssertionError("length histogram promised a run of " + count + " blocks");
  }

  /**
   * Gathers free space in address order starting at the goal and wrapping, so the file's pieces are
   * laid out in roughly ascending order. The caller has already checked that enough blocks are
   * free, so this cannot fail.
   */
  private List<BlockRun> allocateFragmented(long goal, long count) {
    List<BlockRun> runs = new ArrayList<>();
    long remaining = count;

    Map.Entry<Long, Long> atGoal = freeByStart.floorEntry(goal);
    if (atGoal != null && goal < atGoal.getKey() + atGoal.getValue()) {
      long n = Math.min(remaining, atGoal.getKey() + atGoal.getValue() - goal);
      runs.add(new BlockRun(goal, n));
      remaining -= n;
    }
    for (Map.Entry<Long, Long> e : freeByStart.tailMap(goal, false).entrySet()) {
      if (remaining == 0) {
        break;
      }
      long n = Math.min(remaining, e.getValue());
      runs.add(new BlockRun(e.getKey(), n));
      remaining -= n;
    }
    for (Map.Entry<Long, Long> e : freeByStart.headMap(goal, false).entrySet()) {
      if (remaining == 0) {
        break;
      }
      // The extent straddling the goal was already used from the goal onward; only its head is left
      // here.
      long usable = Math.min(e.getKey() + e.getValue(), goal) - e.getKey();
      long n = Math.min(remaining, usable);
      runs.add(new BlockRun(e.getKey(), n));
      remaining -= n;
    }
    if (remaining != 0) {
      throw new AssertionError(
          "free count " + extentFree + " disagrees with free extents " + freeByStart);
    }
    // Mutate only after planning: iterating the map views above while taking would break them.
    for (BlockRun r : runs) {
      take(r.start(), r.count());
    }
    return List.copyOf(runs);
  }

  /** Removes [start, start+count) from the free set; the range must lie within one free extent. */
  private void take(long start, long count) {
    Map.Entry<Long, Long> e = freeByStart.floorEntry(start);
    long extentStart = e.getKey();
    long extentEnd = extentStart + e.getValue();
    long end = start + count;
    if (end > extentEnd || start >= extentEnd) {
      throw new AssertionError(
          "taking [" + start + ", " + end + ") outside free extent " + extentStart);
    }
    removeFree(extentStart, extentEnd - extentStart);
    if (extentStart < start) {
      addFree(extentStart, start - extentStart);
    }
    if (end < extentEnd) {
      addFree(end, extentEnd - end);
    }
    extentFree -= count;
  }

  private void addFree(long start, long length) {
    freeByStart.put(start, length);
    lengthHistogram.merge(length, 1, Integer::sum);
  }

  private void removeFree(long start, long length) {
    freeByStart.remove(start);
    lengthHistogram.compute(length, (k, n) -> n == 1 ? null : n - 1);
  }

  private static IllegalStateException doubleFree(
      long start, long end, long freeStart, long freeEnd) {
    return new IllegalStateException(
        "double free: blocks ["
            + start
            + ", "
            + end
            + ") overlap free extent ["
            + freeStart
            + ", "
            + freeEnd
            + ")");
  }
}
