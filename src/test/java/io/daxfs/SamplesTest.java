package io.daxfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import daxfs.samples.CrashAndRestart;
import daxfs.samples.LatentErrorsAndScrub;
import daxfs.samples.LogThatForgotToFsync;
import daxfs.samples.LuceneIndexMeetsMediaError;
import daxfs.samples.MappedData;
import daxfs.samples.QuickTour;
import daxfs.samples.RestoreFromBackup;
import daxfs.samples.RewriteLostSectors;
import daxfs.samples.RunAll;
import daxfs.samples.Sample;
import daxfs.samples.SurvivingRecordLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every sample of the main job ({@code RunAll}) with its output captured, so none can rot:
 * each must finish without a failed step and print the lines its story is about.
 */
class SamplesTest {
  /** The lines each sample's story must print, in order. */
  private static final Map<Class<? extends Sample>, List<String>> KEY_LINES =
      Map.of(
          QuickTour.class,
              List.of(
                  "wrote and read back /data/logs/app.log: [started, working, stopped]",
                  "copied /data/logs/blob.bin to /backup/blob.bin"),
          RewriteLostSectors.class,
              List.of(
                  "badblocks (first sector, count): [",
                  "reading the file fails: /orders.db: Input/output error (DAX read",
                  "DaxFiles.badRanges does that translation: lost [[4608, 5120)]",
                  "a plain write of those bytes fails too (Input/output error)",
                  "rewrote [4608, 5120) from the replica through ExtendedOpenOption.DIRECT",
                  "the file reads cleanly again",
                  "badblocks: []"),
          RestoreFromBackup.class,
              List.of(
                  "the file lost [[4608, 5120), [12800, 14336)]",
                  "reading the file fails: /srv/photos.db: Input/output error",
                  "its blocks are free, but still bad",
                  "same device blocks, zeroed through the driver as they were allocated: badblocks []",
                  "the restored file reads cleanly"),
          MappedData.class,
              List.of(
                  "map() fails where Linux would send SIGBUS on the first load: /index.bin: Input/output error (MMAP map",
                  "map() works now",
                  "onMediaError tells /index.bin lost [[12800, 13312)]",
                  "does not clear it: badRanges [[12800, 13312)]",
                  "the mapping, the file and the replica agree"),
          LatentErrorsAndScrub.class,
              List.of(
                  "without listing it; badblocks: []",
                  "returns 5632: the copy stopped at the poison",
                  "the next read fails: /journal: Input/output error",
                  "scrub() found [",
                  "/archive lost [[512, 1024)], before any read",
                  "before anyone met EIO; badblocks: []"),
          SurvivingRecordLog.class,
              List.of(
                  "under DIRECT_BYPASS:",
                  "Input/output error",
                  "REWRITE_DIRECT: wrote the 512 bytes of [4608, 5120) through ExtendedOpenOption.DIRECT",
                  "replayed all 60 records, every CRC good",
                  "under CLEAR_ON_ZERO:",
                  "REALLOCATE: punched a hole over [4096, 8192)",
                  "replayed all 60 records, every CRC good",
                  "under RECOVERY_WRITE:",
                  "REWRITE_PAGES: wrote the whole pages [4096, 8192) (4096 bytes) with a plain write",
                  "replayed all 60 records, every CRC good"),
          CrashAndRestart.class,
              List.of(
                  "daxfs create-namespace",
                  "killed it with SIGKILL",
                  "before it died (exit status 137: killed)",
                  "daxfs inject-error --block",
                  "--no-notify  (record 37)",
                  "daxfs list --media-errors: badblock_count absent; the poison is latent",
                  "restarted: the scrub at mount listed badblocks [",
                  "replaying the log as it is fails: /app/records.log: Input/output error",
                  "re-fetched records [37, ",
                  "badblocks []",
                  "every acknowledged record is there",
                  "daxfs list -M after the repair: badblock_count absent"),
          LogThatForgotToFsync.class,
              List.of(
                  "under ORDERED:",
                  "the careless log: every write() returned, and the cut lost acknowledged records under",
                  "the careful log kept all 20 acknowledged records under every one of 50 seeds",
                  "under STRICT:",
                  "the careless log: every write() returned, and the cut lost acknowledged records under",
                  "the careful log kept all 20 acknowledged records under every one of 50 seeds"),
          LuceneIndexMeetsMediaError.class,
              List.of(
                  "indexed 2000 orders into /srv/orders-index with IndexWriter and committed",
                  "took a snapshot of the committed index",
                  "a term query still counts",
                  "Lucene reports an IOException, \"/srv/orders-index/_0.fdt: Input/output error (DAX read at",
                  "its cause is daxfs's MediaErrorException, with the lost bytes [[",
                  "CheckIndex: clean false, 1 bad segment of 1",
                  "DaxFiles.badRanges over the index directory: {_0.fdt=[[",
                  "copied them back from the snapshot: [_0.fdt]",
                  "CheckIndex: clean true; the same answers as before",
                  "badblocks"));

  static Stream<Named<Sample>> samples() {
    return RunAll.samples().stream().map(s -> Named.of(s.getClass().getSimpleName(), s));
  }

  @Test
  void everySampleOfTheMainJobHasItsKeyLinesHere() {
    assertThat(RunAll.samples())
        .extracting(Object::getClass)
        .containsExactlyInAnyOrderElementsOf(KEY_LINES.keySet());
  }

  @ParameterizedTest
  @MethodSource("samples")
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void runsAndTellsItsStory(Sample sample) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    assertThatCode(() -> sample.run(out))
        .as(() -> "sample output so far:\n" + bytes.toString(StandardCharsets.UTF_8))
        .doesNotThrowAnyException();
    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(sample.title()).isNotBlank().doesNotContain("\n");
    assertThat(printed)
        .as("the output of %s", sample.title())
        .containsSubsequence(KEY_LINES.getOrDefault(sample.getClass(), List.of()))
        .doesNotContain("\tat ", "Exception:");
  }
}
