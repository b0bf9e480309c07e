package io.daxfs.bench;

import java.util.SplittableRandom;

/**
 * Precomputed random offsets, so that no random number is drawn in a measured loop. Every contender
 * gets the same offsets (fixed seed). 64 Ki offsets over a 256 MiB file: for 64 B operations that
 * is 4 MiB of distinct cache lines on distinct pages, so most accesses miss the TLB and L2, as
 * random access to a large file does; for the raw device exactly as for the others.
 */
final class Offsets {
  static final int COUNT = 1 << 16;
  static final int MASK = COUNT - 1;

  private Offsets() {}

  /**
   * Offsets in {@code [0, fileSize - opSize]}, multiples of {@code align}: 64 for 64 B operations
   * (a cache line, a record), 512 for larger ones (the sector, so that DIRECT may take the same
   * offsets as every other contender).
   */
  static long[] random(long fileSize, int opSize, long seed) {
    int align = opSize < 512 ? 64 : 512;
    long slots = (fileSize - opSize) / align + 1;
    SplittableRandom r = new SplittableRandom(seed ^ opSize);
    long[] out = new long[COUNT];
    for (int i = 0; i < COUNT; i++) {
      out[i] = r.nextLong(slots) * align;
    }
    return out;
  }

  /** As {@link #random}, as ints, for buffer indexes. */
  static int[] randomInts(long fileSize, int opSize, long seed) {
    long[] l = random(fileSize, opSize, seed);
    int[] out = new int[COUNT];
    for (int i = 0; i < COUNT; i++) {
      out[i] = Math.toIntExact(l[i]);
    }
    return out;
  }

  /** Where a thread starts in the offsets, so that threads do not walk the same offsets in step. */
  static int start(int threadIndex, int threadCount) {
    return (int) ((long) COUNT * threadIndex / Math.max(1, threadCount)) & MASK;
  }
}
