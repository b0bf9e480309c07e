package io.daxfs;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * A range of bytes of a file: {@code [offset, offset + length)}.
 *
 * @param offset first byte, from 0
 * @param length number of bytes, at least 1
 */
public record FileRange(long offset, long length) {
  /**
   * @throws IllegalArgumentException if {@code offset} is negative, {@code length} not positive, or
   *     the end overflows
   */
  public FileRange {
    checkArgument(offset >= 0, "offset must not be negative: %s", offset);
    checkArgument(length > 0, "length must be positive: %s", length);
    checkArgument(offset + length > 0, "range end overflows: %s + %s", offset, length);
  }

  /** The offset just after the range. */
  public long end() {
    return offset + length;
  }

  /** Whether the two ranges share a byte. */
  public boolean overlaps(FileRange other) {
    return offset < other.end() && other.offset < end();
  }

  /** The smallest range that contains this one and whose ends are multiples of {@code unit}. */
  public FileRange roundedOut(long unit) {
    checkArgument(unit > 0, "unit must be positive: %s", unit);
    long start = offset - offset % unit;
    long e = end() + (unit - end() % unit) % unit;
    return new FileRange(start, e - start);
  }

  /** {@code [offset, end)}. */
  @Override
  public String toString() {
    return "[" + offset + ", " + end() + ")";
  }
}
