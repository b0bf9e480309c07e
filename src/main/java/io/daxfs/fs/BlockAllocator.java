package io.daxfs.fs;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
 * <p>All mutating and reading methods take the instance lock; operations are short, so
 * finer-grained locking would cost more than it saves.
 */
final class BlockAllocator {
  private final long blockCount;
  private final TreeMap<Long, Long> freeByStart = new TreeMap<>();
  private final TreeMap<Long, Integer> lengthHistogram = new TreeMap<>();
  // Volatile so statfs-style callers can read it without contending for the lock.
  private volatile long freeCount;

  BlockAllocator(long blockCount) {
    checkArgument(blockCount > 0, "block count must be positive: %s", blockCount);
    this.blockCount = blockCount;
    addFree(0, blockCount);
    this.freeCount = blockCount;
  }

  long totalBlocks() {
    return blockCount;
  }

  long freeBlocks() {
    return freeCount;
  }

  synchronized List<BlockRun> allocate(long goal, long count) throws NoSpaceException {
    checkArgument(count > 0, "block count must be positive: %s", count);
    if (count > freeCount) {
      throw new NoSpaceException(count, freeCount);
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
    if (count > freeCount) {
      return -1;
    }
    long start = findWholeRun(normalizeGoal(goal), count);
    if (start >= 0) {
      take(start, count);
    }
    return start;
  }

  synchronized void free(long start, long count) {
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
    freeCount += count;
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
    Map.Entry<Long, Long> e = freeByStart.floorEntry(block);
    return e != null && block < e.getKey() + e.getValue();
  }

  /** Number of free extents; exposes fragmentation to tests. */
  synchronized int freeExtentCount() {
    return freeByStart.size();
  }

  @Override
  public synchronized String toString() {
    return "BlockAllocator{"
        + freeCount
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
          "free count " + freeCount + " disagrees with free extents " + freeByStart);
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
    freeCount -= count;
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
