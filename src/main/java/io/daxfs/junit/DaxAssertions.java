package io.daxfs.junit;

import io.daxfs.MediaErrorException;
import java.nio.file.Path;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jspecify.annotations.Nullable;

/**
 * Entry points of the daxfs AssertJ assertions. Made to be static-imported beside AssertJ's own
 * {@code Assertions.assertThat}:
 *
 * <pre>{@code
 * import static io.daxfs.junit.DaxAssertions.assertThat;
 * import static io.daxfs.junit.DaxAssertions.assertThatDaxFile;
 * import static org.assertj.core.api.Assertions.assertThat;
 *
 * assertThat(mediaError).hasBadRange(new FileRange(4608, 512)).hasAccessPath(AccessPath.DAX);
 * assertThatDaxFile(path).hasNoBadRanges().isContiguous();
 * }</pre>
 *
 * <p>Why the two names differ: {@link #assertThat(MediaErrorException)} is more specific than every
 * {@code assertThat} of AssertJ that accepts the exception (the generic ones for throwables and
 * objects), so Java picks it without ambiguity when both are imported. A {@code assertThat(Path)}
 * here would have the very signature of AssertJ's {@code Assertions.assertThat(Path)}, and a call
 * would not compile for a user who imports both; hence {@link #assertThatDaxFile(Path)}, whose
 * result still offers all of AssertJ's path assertions.
 */
public final class DaxAssertions {
  private DaxAssertions() {}

  /**
   * Assertions on a media error's metadata; {@code actual} may be null (the assertions then fail).
   */
  public static MediaErrorExceptionAssert assertThat(@Nullable MediaErrorException actual) {
    return new MediaErrorExceptionAssert(actual);
  }

  /**
   * Assertions on a file of a daxfs filesystem (and all of AssertJ's path assertions); {@code
   * actual} may be null (the assertions then fail).
   */
  public static DaxFileAssert assertThatDaxFile(@Nullable Path actual) {
    return new DaxFileAssert(actual);
  }

  /**
   * Runs {@code code} and returns assertions on the {@link MediaErrorException} it throws.
   *
   * @throws AssertionError if it throws nothing or something else (which is shown)
   */
  public static MediaErrorExceptionAssert assertThatMediaErrorThrownBy(ThrowingCallable code) {
    Throwable thrown = Assertions.catchThrowable(code);
    if (!(thrown instanceof MediaErrorException e)) {
      AssertionError failure =
          new AssertionError(
              thrown == null
                  ? "Expecting code to throw a MediaErrorException but it threw nothing"
                  : "Expecting code to throw a MediaErrorException but it threw " + thrown,
              thrown);
      throw failure;
    }
    return new MediaErrorExceptionAssert(e);
  }
}
