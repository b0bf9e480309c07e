package daxfs.samples;

/** The samples' one assertion: a step that does not behave as the story tells stops the run. */
final class Check {
  private Check() {}

  static void that(boolean condition, String claim) {
    if (!condition) {
      throw new AssertionError("sample step failed: " + claim);
    }
  }
}
