package io.daxfs.fs;

import io.daxfs.BadBlock;
import io.daxfs.FileExtent;
import io.daxfs.FileRange;
import io.daxfs.device.EmulatedPmem;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a file's bytes lie on the device, and which file bytes lie on given device sectors: the
 * translation both ways over one snapshot of the file's extent map and size. The two are taken
 * together, so every answer is the file as it was at one moment, never the extents of one moment
 * cut to the size of another.
 *
 * <p>Sector-level answers are in whole sectors. A sector holds file data when it starts before the
 * end of file; sectors of the last block wholly past the end hold none.
 */
final class FileLayout {
  private final ExtentMap extents;
  private final long size;
  private final int blockShift;
  private final int sectorSize;

  /**
   * @param extents the file's map, read together with {@code size} (under the file's lock or a
   *     validated stamp)
   */
  FileLayout(ExtentMap extents, long size, int blockShift, int sectorSize) {
    this.extents = extents;
    this.size = size;
    this.blockShift = blockShift;
    this.sectorSize = sectorSize;
  }

  ExtentMap extentMap() {
    return extents;
  }

  long size() {
    return size;
  }

  /** The extents as FIEMAP reports them, in file order, the last one flagged. */
  List<FileExtent> extents() {
    int n = extents.extentCount();
    List<FileExtent> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(
          new FileExtent(
              extents.logicalStart(i) << blockShift,
              extents.physicalStart(i) << blockShift,
              extents.blockCount(i) << blockShift,
              i == n - 1));
    }
    return list;
  }

  /**
   * The lost byte ranges: the device's known bad sectors behind file data, as file ranges, in file
   * order, merged where they touch.
   */
  List<FileRange> badRanges(EmulatedPmem device) {
    List<FileRange> out = new ArrayList<>();
    long dataEnd = dataEnd();
    for (int i = 0; i < extents.extentCount(); i++) {
      long fileOffset = extents.logicalStart(i) << blockShift;
      long deviceOffset = extents.physicalStart(i) << blockShift;
      for (BadBlock b : device.knownBadIn(deviceOffset, extents.blockCount(i) << blockShift)) {
        long start = fileOffset + (b.startSector() * sectorSize - deviceOffset);
        if (start >= dataEnd) {
          break; // sorted: the rest lie past the data too
        }
        long end = Math.min(dataEnd, start + b.count() * sectorSize);
        int last = out.size() - 1;
        if (last >= 0 && out.get(last).end() == start) {
          out.set(last, new FileRange(out.get(last).offset(), end - out.get(last).offset()));
        } else {
          out.add(new FileRange(start, end - start));
        }
      }
    }
    return out;
  }

  /**
   * The file bytes on {@code blocks} that hold data, per extent in file order and per block in the
   * given order.
   */
  List<FileRange> rangesOn(List<BadBlock> blocks) {
    List<FileRange> out = new ArrayList<>();
    long dataEnd = dataEnd();
    for (int i = 0; i < extents.extentCount(); i++) {
      long fileOffset = extents.logicalStart(i) << blockShift;
      long deviceOffset = extents.physicalStart(i) << blockShift;
      long deviceEnd = deviceOffset + (extents.blockCount(i) << blockShift);
      for (BadBlock b : blocks) {
        long from = Math.max(deviceOffset, b.startSector() * sectorSize);
        long to = Math.min(deviceEnd, b.endSector() * sectorSize);
        if (from < to) {
          long start = fileOffset + (from - deviceOffset);
          if (start < dataEnd) {
            out.add(
                new FileRange(start, Math.min(dataEnd, fileOffset + (to - deviceOffset)) - start));
          }
        }
      }
    }
    return out;
  }

  /**
   * The device byte ranges behind {@code [offset, offset + length)}, as {@code {deviceOffset,
   * length}} pairs in file order.
   *
   * @throws IllegalArgumentException if part of the range is past the end of file or a hole: it has
   *     no sectors
   */
  List<long[]> deviceRanges(long offset, long length) {
    if (offset < 0 || length <= 0 || offset + length > size || offset + length < 0) {
      throw new IllegalArgumentException(
          "range " + offset + "+" + length + " is not inside the file (size " + size + ")");
    }
    List<long[]> out = new ArrayList<>();
    long end = offset + length;
    int run = extents.find(offset >>> blockShift);
    for (long at = offset; at < end; run = extents.nextRun(run)) {
      if (!ExtentMap.isExtent(run)) {
        throw new IllegalArgumentException(
            "bytes from " + at + " are a hole: a hole has no sectors");
      }
      long stop = Math.min(end, extents.runEnd(run, blockShift));
      out.add(new long[] {extents.device(run, at, blockShift), stop - at});
      at = stop;
    }
    return out;
  }

  /**
   * Bad sectors met in one contiguous piece of a file, as file ranges: the piece maps linearly,
   * {@code fileOffset} onto {@code deviceOffset}.
   */
  static List<FileRange> fileRanges(
      List<BadBlock> bad, long fileOffset, long deviceOffset, int sectorSize) {
    List<FileRange> ranges = new ArrayList<>(bad.size());
    for (BadBlock b : bad) {
      ranges.add(
          new FileRange(
              fileOffset + (b.startSector() * sectorSize - deviceOffset), b.count() * sectorSize));
    }
    return ranges;
  }

  /** The end of the sectors that hold data: the size rounded up to a whole sector. */
  private long dataEnd() {
    return (size + sectorSize - 1) / sectorSize * sectorSize;
  }
}
