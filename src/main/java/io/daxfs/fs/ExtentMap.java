package io.daxfs.fs;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Arrays;

/**
 * Immutable logical-to-physical block map of one file. Immutability lets readers use it from a
 * volatile field with no lock while a writer builds the replacement; parallel primitive arrays keep
 * it small and cache friendly.
 *
 * <p>Invariants: extents are sorted by logical start, do not overlap, every count is positive, and
 * no two neighbours are contiguous both logically and physically (they would have been merged), so
 * equal mappings have equal arrays.
 */
final class ExtentMap {
  static final ExtentMap EMPTY = new ExtentMap(new long[0], new long[0], new long[0]);

  private final long[] logical;
  private final long[] physical;
  private final long[] count;
  private final long mappedBlocks;

  private ExtentMap(long[] logical, long[] physical, long[] count) {
    this.logical = logical;
    this.physical = physical;
    this.count = count;
    long sum = 0;
    for (long c : count) {
      sum += c;
    }
    this.mappedBlocks = sum;
  }

  int extentCount() {
    return logical.length;
  }

  long logicalStart(int i) {
    return logical[i];
  }

  long physicalStart(int i) {
    return physical[i];
  }

  long blockCount(int i) {
    return count[i];
  }

  // ---- walking in runs
  // ----------------------------------------------------------------------------
  //
  // A walk goes run by run, a run being the rest of one extent or of one hole. Its cursor is an int
  // the caller keeps
  // in a local beside the position: an extent's index, or for a hole the complement (~) of the
  // index of the extent
  // after it. So a walk allocates nothing, whether or not the JIT has compiled it:
  //
  //   int run = map.find(at >>> shift);
  //   while (at < end) {
  //     long stop = Math.min(end, map.runEnd(run, shift));
  //     ... isExtent(run) ? map.device(run, at, shift) : a hole ...
  //     at = stop;
  //     run = map.nextRun(run);
  //   }
  //
  // Positions are in units of a block shifted left by shift: 0 walks blocks, the block shift walks
  // bytes.

  /**
   * The run holding {@code logicalBlock}: the index of its extent, or, in a hole, the complement of
   * the index of the extent after the hole ({@code ~extentCount()} past the last).
   */
  int find(long logicalBlock) {
    checkArgument(logicalBlock >= 0, "negative logical block: %s", logicalBlock);
    int n = logical.length;
    if (n == 1) {
      // Most files are a single extent; skip the search loop.
      if (logicalBlock < logical[0]) {
        return -1;
      }
      return logicalBlock - logical[0] < count[0] ? 0 : -2;
    }
    // Find the last extent starting at or before the block.
    int lo = 0;
    int hi = n - 1;
    int floor = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (logical[mid] <= logicalBlock) {
        floor = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (floor >= 0 && logicalBlock - logical[floor] < count[floor]) {
      return floor;
    }
    return -(floor + 1) - 1;
  }

  /** Whether {@code run} is an extent's: false for a hole. */
  static boolean isExtent(int run) {
    return run >= 0;
  }

  /** The run after {@code run}; the hole after the last extent has none and is its own. */
  int nextRun(int run) {
    if (run < 0) {
      int next = ~run;
      return next < logical.length ? next : run;
    }
    int next = run + 1;
    return next < logical.length && logical[next] == logical[run] + count[run] ? next : ~next;
  }

  /**
   * Where {@code run} ends (exclusive), in units of a block shifted left by {@code shift}; {@code
   * Long.MAX_VALUE} for the hole after the last extent, which never does.
   */
  long runEnd(int run, int shift) {
    if (run >= 0) {
      return (logical[run] + count[run]) << shift;
    }
    int next = ~run;
    return next < logical.length ? logical[next] << shift : Long.MAX_VALUE;
  }

  /**
   * The device position of {@code position}, which the extent {@code run} holds; both in units as
   * {@link #runEnd}.
   */
  long device(int run, long position, int shift) {
    return (physical[run] << shift) + (position - (logical[run] << shift));
  }

  long physicalBlock(long logicalBlock) {
    int i = find(logicalBlock);
    return i < 0 ? -1 : physical[i] + (logicalBlock - logical[i]);
  }

  ExtentMap with(long logicalStart, long physicalStart, long blocks) {
    checkArgument(logicalStart >= 0, "negative logical start: %s", logicalStart);
    checkArgument(physicalStart >= 0, "negative physical start: %s", physicalStart);
    checkArgument(blocks > 0, "block count must be positive: %s", blocks);
    checkArgument(
        blocks <= Long.MAX_VALUE - logicalStart,
        "logical range overflows: %s+%s",
        logicalStart,
        blocks);
    checkArgument(
        blocks <= Long.MAX_VALUE - physicalStart,
        "physical range overflows: %s+%s",
        physicalStart,
        blocks);

    int found = find(logicalStart);
    checkArgument(found < 0, "logical block %s already mapped in %s", logicalStart, this);
    int at = -found - 1; // index the new extent would occupy
    long logicalEnd = logicalStart + blocks;
    int n = logical.length;
    checkArgument(
        at == n || logical[at] >= logicalEnd,
        "logical range [%s, %s) overlaps mapped blocks in %s",
        logicalStart,
        logicalEnd,
        this);

    boolean mergePrev =
        at > 0
            && logical[at - 1] + count[at - 1] == logicalStart
            && physical[at - 1] + count[at - 1] == physicalStart;
    boolean mergeNext =
        at < n && logical[at] == logicalEnd && physical[at] == physicalStart + blocks;

    if (mergePrev && mergeNext) {
      // The new run bridges two extents into one.
      long[] l = remove(logical, at);
      long[] p = remove(physical, at);
      long[] c = remove(count, at);
      c[at - 1] += blocks + count[at];
      return new ExtentMap(l, p, c);
    }
    if (mergePrev) {
      long[] c = count.clone();
      c[at - 1] += blocks;
      return new ExtentMap(logical, physical, c);
    }
    if (mergeNext) {
      long[] l = logical.clone();
      long[] p = physical.clone();
      long[] c = count.clone();
      l[at] = logicalStart;
      p[at] = physicalStart;
      c[at] += blocks;
      return new ExtentMap(l, p, c);
    }
    return new ExtentMap(
        insert(logical, at, logicalStart),
        insert(physical, at, physicalStart),
        insert(count, at, blocks));
  }

  ExtentMap truncate(long fromLogical, RunConsumer freed) {
    checkArgument(fromLogical >= 0, "negative logical block: %s", fromLogical);
    checkNotNull(freed, "freed");
    return removeRange(fromLogical, Long.MAX_VALUE, freed);
  }

  ExtentMap remove(long logicalStart, long blocks, RunConsumer freed) {
    checkArgument(logicalStart >= 0, "negative logical start: %s", logicalStart);
    checkArgument(blocks >= 0, "negative block count: %s", blocks);
    checkArgument(
        blocks <= Long.MAX_VALUE - logicalStart,
        "logical range overflows: %s+%s",
        logicalStart,
        blocks);
    checkNotNull(freed, "freed");
    return removeRange(logicalStart, logicalStart + blocks, freed);
  }

  void forEachHole(long logicalStart, long blocks, RunConsumer holes) {
    checkArgument(logicalStart >= 0, "negative logical start: %s", logicalStart);
    checkArgument(blocks >= 0, "negative block count: %s", blocks);
    checkArgument(
        blocks <= Long.MAX_VALUE - logicalStart,
        "logical range overflows: %s+%s",
        logicalStart,
        blocks);
    checkNotNull(holes, "holes");
    long end = logicalStart + blocks;
    long cursor = logicalStart;
    for (int i = firstEndingAfter(logicalStart);
        i < logical.length && logical[i] < end && cursor < end;
        i++) {
      if (logical[i] > cursor) {
        holes.accept(cursor, logical[i] - cursor);
      }
      cursor = Math.max(cursor, logical[i] + count[i]);
    }
    if (cursor < end) {
      holes.accept(cursor, end - cursor);
    }
  }

  /** Whether every block of {@code [first, end)} is mapped (the range holds no hole). */
  boolean isMapped(long first, long end) {
    int i = find(first);
    if (i < 0) {
      return false;
    }
    long cursor = logical[i] + count[i];
    while (cursor < end) {
      i++;
      if (i >= logical.length || logical[i] != cursor) {
        return false;
      }
      cursor += count[i];
    }
    return true;
  }

  long mappedBlocks() {
    return mappedBlocks;
  }

  long lastPhysicalEnd() {
    int n = logical.length;
    return n == 0 ? -1 : physical[n - 1] + count[n - 1];
  }

  @Override
  public boolean equals(Object o) {
    // Canonical form (always merged) makes array equality the same as mapping equality.
    return o instanceof ExtentMap other
        && Arrays.equals(logical, other.logical)
        && Arrays.equals(physical, other.physical)
        && Arrays.equals(count, other.count);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(logical) + Arrays.hashCode(physical))
        + Arrays.hashCode(count);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < logical.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(logical[i]).append('+').append(count[i]).append("->").append(physical[i]);
    }
    return sb.append(']').toString();
  }

  /**
   * Index of the first extent whose end lies beyond {@code logicalBlock}; extents before it cannot
   * overlap.
   */
  private int firstEndingAfter(long logicalBlock) {
    int lo = 0;
    int hi = logical.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (logical[mid] + count[mid] <= logicalBlock) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Removes logical blocks [from, to); {@code to == Long.MAX_VALUE} means "to the end". */
  private ExtentMap removeRange(long from, long to, RunConsumer freed) {
    int n = logical.length;
    int first = firstEndingAfter(from);
    if (first == n || logical[first] >= to || from >= to) {
      return this;
    }
    // Cutting can add at most one extent (a punch strictly inside one extent splits it in two).
    long[] l = new long[n + 1];
    long[] p = new long[n + 1];
    long[] c = new long[n + 1];
    System.arraycopy(logical, 0, l, 0, first);
    System.arraycopy(physical, 0, p, 0, first);
    System.arraycopy(count, 0, c, 0, first);
    int out = first;
    int i = first;
    for (; i < n && logical[i] < to; i++) {
      long s = logical[i];
      long e = s + count[i];
      if (s < from) {
        l[out] = s;
        p[out] = physical[i];
        c[out] = from - s;
        out++;
      }
      long cutStart = Math.max(s, from);
      long cutEnd = Math.min(e, to);
      freed.accept(physical[i] + (cutStart - s), cutEnd - cutStart);
      if (e > to) {
        l[out] = to;
        p[out] = physical[i] + (to - s);
        c[out] = e - to;
        out++;
      }
    }
    int tail = n - i;
    System.arraycopy(logical, i, l, out, tail);
    System.arraycopy(physical, i, p, out, tail);
    System.arraycopy(count, i, c, out, tail);
    out += tail;
    if (out == 0) {
      return EMPTY;
    }
    // No merging needed: removal only opens gaps, it never makes neighbours contiguous.
    return new ExtentMap(Arrays.copyOf(l, out), Arrays.copyOf(p, out), Arrays.copyOf(c, out));
  }

  private static long[] insert(long[] a, int at, long value) {
    long[] r = new long[a.length + 1];
    System.arraycopy(a, 0, r, 0, at);
    r[at] = value;
    System.arraycopy(a, at, r, at + 1, a.length - at);
    return r;
  }

  private static long[] remove(long[] a, int at) {
    long[] r = new long[a.length - 1];
    System.arraycopy(a, 0, r, 0, at);
    System.arraycopy(a, at + 1, r, at, a.length - at - 1);
    return r;
  }
}
