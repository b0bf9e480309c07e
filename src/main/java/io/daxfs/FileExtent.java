package io.daxfs;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * One extent of a file, as {@code FIEMAP} reports it: where a run of the file's bytes lives on the
 * device. A bad device byte {@code b} inside it is file byte {@code b - physicalOffset +
 * logicalOffset}.
 *
 * @param logicalOffset file offset of the extent's first byte
 * @param physicalOffset device offset of the extent's first byte
 * @param length bytes in the extent (whole filesystem blocks)
 * @param last whether this is the file's last extent ({@code FIEMAP_EXTENT_LAST})
 */
public record FileExtent(long logicalOffset, long physicalOffset, long length, boolean last) {
  /**
   * @throws IllegalArgumentException if an offset is negative or the length not positive
   */
  public FileExtent {
    checkArgument(logicalOffset >= 0, "logicalOffset must not be negative: %s", logicalOffset);
    checkArgument(physicalOffset >= 0, "physicalOffset must not be negative: %s", physicalOffset);
    checkArgument(length > 0, "length must be positive: %s", length);
  }

  /** The file range this extent covers. */
  public FileRange fileRange() {
    return new FileRange(logicalOffset, length);
  }
}
