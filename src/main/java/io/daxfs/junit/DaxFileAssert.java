package io.daxfs.junit;

import io.daxfs.BadBlock;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import io.daxfs.FileRange;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractPathAssert;
import org.jspecify.annotations.Nullable;

/**
 * AssertJ assertions on a file of a daxfs filesystem: its bad ranges and its extents on the device.
 * Get one from {@link DaxAssertions#assertThatDaxFile(Path)}. All of AssertJ's path assertions
 * remain available.
 *
 * <p>Each daxfs assertion fails if the path is {@code null}, is not of a daxfs filesystem, or is
 * not an existing regular file (after following links), and otherwise with a message that shows the
 * actual metadata: the bad ranges with the device sectors behind them, or the extents.
 */
public final class DaxFileAssert extends AbstractPathAssert<DaxFileAssert> {

  /** Assertions on {@code actual}, which may be {@code null} (then every assertion fails). */
  public DaxFileAssert(@Nullable Path actual) {
    super(actual, DaxFileAssert.class);
  }

  /** Verifies that no byte of the file is on a known bad sector. */
  public DaxFileAssert hasNoBadRanges() {
    List<FileRange> bad = badRanges();
    if (!bad.isEmpty()) {
      fail("to have no bad ranges but it has " + describeBad(bad));
    }
    return this;
  }

  /**
   * Verifies that the file's lost byte ranges (whole sectors, merged, as {@link
   * DaxFiles#badRanges(Path)} gives them) are exactly {@code ranges}, in file order.
   *
   * @throws NullPointerException if {@code ranges} or one of them is null
   */
  public DaxFileAssert hasBadRanges(FileRange... ranges) {
    List<FileRange> expected = List.of(ranges);
    List<FileRange> bad = badRanges();
    if (!bad.equals(expected)) {
      fail(
          "to have exactly the bad ranges "
              + expected
              + " but it has "
              + (bad.isEmpty() ? "none" : describeBad(bad)));
    }
    return this;
  }

  /** Verifies the number of the file's extents on the device ({@code FIEMAP}). */
  public DaxFileAssert hasExtentCount(int count) {
    List<FileExtent> extents = extents();
    if (extents.size() != count) {
      fail(
          "to have "
              + count
              + " extent"
              + (count == 1 ? "" : "s")
              + " but it has "
              + extents.size()
              + ": "
              + describe(extents));
    }
    return this;
  }

  /**
   * Verifies that the file's data lies in one run of device blocks, in file order, without holes:
   * each extent starts, in the file and on the device, where the one before ends. A file without
   * blocks is contiguous.
   */
  public DaxFileAssert isContiguous() {
    List<FileExtent> extents = extents();
    for (int i = 1; i < extents.size(); i++) {
      FileExtent a = extents.get(i - 1);
      FileExtent b = extents.get(i);
      if (b.logicalOffset() != a.logicalOffset() + a.length()
          || b.physicalOffset() != a.physicalOffset() + a.length()) {
        fail("to be contiguous but it has " + extents.size() + " extents: " + describe(extents));
      }
    }
    return this;
  }

  private List<FileRange> badRanges() {
    isNotNull();
    try {
      return DaxFiles.badRanges(actual);
    } catch (IOException | ProviderMismatchException e) {
      throw notADaxFile(e);
    }
  }

  private List<FileExtent> extents() {
    isNotNull();
    try {
      return DaxFiles.extents(actual);
    } catch (IOException | ProviderMismatchException e) {
      throw notADaxFile(e);
    }
  }

  private AssertionError notADaxFile(Exception e) {
    return failure(
        "%s", "Expecting " + actual + " to be a regular file of a daxfs filesystem but: " + e);
  }

  private void fail(String what) {
    // Pass the text as an argument: a file name could hold a '%'.
    failWithMessage("%s", "Expecting " + actual + " " + what);
  }

  /** Bad ranges and, when the device can still be read, the sectors behind them. */
  private String describeBad(List<FileRange> bad) {
    try {
      return bad + " on sectors " + MediaErrorExceptionAssert.sectors(sectorsBehind(bad));
    } catch (IOException | RuntimeException e) {
      return bad.toString();
    }
  }

  /** The device sectors that hold the bytes of {@code ranges}, merged. */
  private List<BadBlock> sectorsBehind(List<FileRange> ranges) throws IOException {
    PmemDevice device = DaxFileSystems.device(actual.getFileSystem());
    long sector = device.sectorSize();
    List<BadBlock> out = new ArrayList<>();
    for (FileExtent e : DaxFiles.extents(actual)) {
      for (FileRange r : ranges) {
        long from = Math.max(r.offset(), e.logicalOffset());
        long to = Math.min(r.end(), e.logicalOffset() + e.length());
        if (from >= to) {
          continue;
        }
        long first = (e.physicalOffset() + from - e.logicalOffset()) / sector;
        long end = (e.physicalOffset() + to - e.logicalOffset() + sector - 1) / sector;
        BadBlock last = out.isEmpty() ? null : out.get(out.size() - 1);
        if (last != null && last.endSector() == first) {
          out.set(out.size() - 1, new BadBlock(last.startSector(), end - last.startSector()));
        } else {
          out.add(new BadBlock(first, end - first));
        }
      }
    }
    return out;
  }

  /** Extents as file range and device range. */
  private static String describe(List<FileExtent> extents) {
    return extents.stream()
        .map(
            e ->
                "file "
                    + e.fileRange()
                    + " at device "
                    + new FileRange(e.physicalOffset(), e.length()))
        .collect(Collectors.joining(", ", "[", "]"));
  }
}
