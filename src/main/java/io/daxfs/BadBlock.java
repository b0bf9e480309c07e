package io.daxfs;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * A run of bad sectors on the device, as one line of {@code /sys/block/pmemX/badblocks} gives it:
 * the first sector (counted from the start of the device) and the number of sectors.
 *
 * @param startSector first bad sector, from 0
 * @param count number of consecutive bad sectors, at least 1
 */
public record BadBlock(long startSector, long count) {
  /**
   * @throws IllegalArgumentException if {@code startSector} is negative or {@code count} is not
   *     positive
   */
  public BadBlock {
    checkArgument(startSector >= 0, "startSector must not be negative: %s", startSector);
    checkArgument(count > 0, "count must be positive: %s", count);
  }

  /** The sector just after the run. */
  public long endSector() {
    return startSector + count;
  }

  /** The device byte offset of the first bad sector. */
  public long startByte(int sectorSize) {
    return startSector * sectorSize;
  }

  /** {@code "<start> <count>"}, the sysfs form. */
  @Override
  public String toString() {
    return startSector + " " + count;
  }
}
