package io.daxfs.junit;

import static java.util.Objects.requireNonNull;

/**
 * The state of a test's daxfs device when the test failed, attached by the {@link DaxExtension} to
 * the failure as a {@linkplain Throwable#getSuppressed() suppressed} exception, so that it is
 * printed under the failure's stack trace wherever the failure is shown. Its {@linkplain
 * #getMessage() message} is the report: the device's known badblocks in the sysfs form and, for
 * every regular file with lost bytes, its path and bad ranges. It is never thrown, and has no stack
 * trace of its own (it would only show the extension's frames).
 */
public final class DaxMediaReport extends Exception {
  private static final long serialVersionUID = 1L;

  DaxMediaReport(String report) {
    super(requireNonNull(report, "report"), null, true, false);
  }

  /** The report: the same text as {@link #getMessage()}. */
  public String report() {
    return getMessage();
  }
}
