package daxfs.samples;

import java.io.PrintStream;
import java.util.List;

/** The main job: runs every sample in turn; exits non-zero if any step does not behave as told. */
public final class RunAll {
  private RunAll() {}

  /** Every sample, in the order a newcomer should read them. */
  public static List<Sample> samples() {
    return List.of(
        new QuickTour(),
        new RewriteLostSectors(),
        new RestoreFromBackup(),
        new MappedData(),
        new LatentErrorsAndScrub(),
        new SurvivingRecordLog(),
        new CrashAndRestart(),
        new LogThatForgotToFsync(),
        new LuceneIndexMeetsMediaError());
  }

  public static void main(String[] args) {
    PrintStream out = System.out;
    int failed = 0;
    for (Sample s : samples()) {
      out.println("== " + s.title());
      try {
        s.run(out);
        out.println("-- ok");
      } catch (Throwable t) {
        failed++;
        out.println("-- FAILED: " + t);
        t.printStackTrace(out);
      }
      out.println();
    }
    out.printf("%d of %d samples behaved as told%n", samples().size() - failed, samples().size());
    if (failed > 0) {
      System.exit(1);
    }
  }
}
