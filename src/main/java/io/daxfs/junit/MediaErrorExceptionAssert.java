package io.daxfs.junit;

import static java.util.Objects.requireNonNull;

import io.daxfs.AccessPath;
import io.daxfs.BadBlock;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.Recovery;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.jspecify.annotations.Nullable;

/**
 * AssertJ assertions on a {@link MediaErrorException}'s metadata; get one from {@link
 * DaxAssertions#assertThat(MediaErrorException)}. Every assertion first fails if the exception is
 * {@code null}, and its failure message shows the whole of the actual metadata (operation,
 * position, path, bad ranges, sectors, recovery), so that a wrong expectation can be corrected from
 * the message alone. All of AssertJ's throwable assertions remain available.
 */
public final class MediaErrorExceptionAssert
    extends AbstractThrowableAssert<MediaErrorExceptionAssert, MediaErrorException> {

  /** Assertions on {@code actual}, which may be {@code null} (then every assertion fails). */
  public MediaErrorExceptionAssert(@Nullable MediaErrorException actual) {
    super(actual, MediaErrorExceptionAssert.class);
  }

  /**
   * Verifies that {@code range} is one of the exception's bad ranges, exactly (ranges are whole
   * sectors, merged).
   *
   * @throws NullPointerException if {@code range} is null
   */
  public MediaErrorExceptionAssert hasBadRange(FileRange range) {
    requireNonNull(range, "range");
    isNotNull();
    if (!actual.badRanges().contains(range)) {
      fail("to have bad range " + range + " but it has " + actual.badRanges());
    }
    return this;
  }

  /**
   * Verifies that the exception's bad ranges are exactly {@code ranges}, in file order.
   *
   * @throws NullPointerException if {@code ranges} or one of them is null
   */
  public MediaErrorExceptionAssert hasBadRanges(FileRange... ranges) {
    List<FileRange> expected = List.of(ranges);
    isNotNull();
    if (!actual.badRanges().equals(expected)) {
      fail("to have exactly the bad ranges " + expected + " but it has " + actual.badRanges());
    }
    return this;
  }

  /** Verifies that one of the exception's bad ranges contains the file byte at {@code offset}. */
  public MediaErrorExceptionAssert hasBadRangeCovering(long offset) {
    isNotNull();
    if (actual.badRanges().stream().noneMatch(r -> r.offset() <= offset && offset < r.end())) {
      fail("to have a bad range covering byte " + offset + " but it has " + actual.badRanges());
    }
    return this;
  }

  /**
   * Verifies the access path the failed I/O took.
   *
   * @throws NullPointerException if {@code accessPath} is null
   */
  public MediaErrorExceptionAssert hasAccessPath(AccessPath accessPath) {
    requireNonNull(accessPath, "accessPath");
    isNotNull();
    if (actual.accessPath() != accessPath) {
      fail("to have access path " + accessPath + " but it has " + actual.accessPath());
    }
    return this;
  }

  /**
   * Verifies what the failed I/O was doing.
   *
   * @throws NullPointerException if {@code operation} is null
   */
  public MediaErrorExceptionAssert hasOperation(MediaErrorException.Operation operation) {
    requireNonNull(operation, "operation");
    isNotNull();
    if (actual.operation() != operation) {
      fail("to have operation " + operation + " but it has " + actual.operation());
    }
    return this;
  }

  /** Verifies the file offset where the failed step began. */
  public MediaErrorExceptionAssert hasPosition(long position) {
    isNotNull();
    if (actual.position() != position) {
      fail("to have position " + position + " but it has " + actual.position());
    }
    return this;
  }

  /**
   * Verifies the kind of repair the exception recommends.
   *
   * @throws NullPointerException if {@code kind} is null
   */
  public MediaErrorExceptionAssert hasRecovery(Recovery.Kind kind) {
    requireNonNull(kind, "kind");
    isNotNull();
    if (actual.recovery().kind() != kind) {
      fail("to have recovery " + kind + " but it has " + actual.recovery().kind());
    }
    return this;
  }

  /**
   * Verifies the (aligned) file range the recommended repair covers.
   *
   * @throws NullPointerException if {@code range} is null
   */
  public MediaErrorExceptionAssert hasRecoveryRange(FileRange range) {
    requireNonNull(range, "range");
    isNotNull();
    if (!actual.recovery().range().equals(range)) {
      fail("to have recovery range " + range + " but it has " + actual.recovery().range());
    }
    return this;
  }

  /**
   * Verifies that {@code block} is exactly one of the device's bad sector runs behind the error.
   *
   * @throws NullPointerException if {@code block} is null
   */
  public MediaErrorExceptionAssert hasBadBlock(BadBlock block) {
    requireNonNull(block, "block");
    isNotNull();
    if (!actual.badBlocks().contains(block)) {
      fail("to have bad block " + block + " but it has " + sectors(actual.badBlocks()));
    }
    return this;
  }

  /** Fails with "Expecting media error on FILE " + what, then the whole of the actual metadata. */
  private void fail(String what) {
    // Pass the text as an argument: a file name or range could hold a '%'.
    failWithMessage(
        "%s",
        "Expecting media error on " + actual.getFile() + " " + what + "\n" + metadata(actual));
  }

  /** All of an exception's metadata, one item a line. */
  static String metadata(MediaErrorException e) {
    return "  operation: "
        + e.operation()
        + " at "
        + e.position()
        + " on the "
        + e.accessPath()
        + " path"
        + "\n  bad ranges: "
        + e.badRanges()
        + "\n  bad blocks: "
        + sectors(e.badBlocks())
        + "\n  recovery: "
        + e.recovery().kind()
        + " over "
        + e.recovery().range();
  }

  /** Sector runs in the sysfs form, {@code [start count, ...]}. */
  static String sectors(List<BadBlock> blocks) {
    return Arrays.toString(blocks.toArray());
  }
}
