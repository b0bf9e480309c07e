package io.daxfs;

/**
 * The route an I/O takes to the media. It decides what a bad sector does, under the configured
 * {@link MediaErrorModel}.
 */
public enum AccessPath {
  /**
   * {@code read()}/{@code write()} on a plain open: a memory copy straight to or from the device,
   * any alignment, no page cache.
   */
  DAX,
  /**
   * The block-driver path taken by {@link com.sun.nio.file.ExtendedOpenOption#DIRECT} under {@link
   * MediaErrorModel#DIRECT_BYPASS}: whole sectors only; a write over known bad sectors clears them.
   */
  DIRECT,
  /** Loads and stores through a {@link java.nio.MappedByteBuffer} from {@code FileChannel.map}. */
  MMAP,
  /** Zeroing of newly allocated blocks and of sector-aligned truncate or hole-punch ranges. */
  ZEROING
}
