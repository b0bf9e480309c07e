package io.daxfs.fs;

import static com.google.common.base.Preconditions.checkArgument;

/** A contiguous range of device blocks handed out by {@link BlockAllocator}. */
record BlockRun(long start, long count) {
  BlockRun {
    checkArgument(start >= 0, "negative start block: %s", start);
    checkArgument(count > 0, "block run must be non-empty: %s", count);
    checkArgument(count <= Long.MAX_VALUE - start, "block run overflows: %s+%s", start, count);
  }

  /** The block just past the run. */
  long end() {
    return start + count;
  }
}
