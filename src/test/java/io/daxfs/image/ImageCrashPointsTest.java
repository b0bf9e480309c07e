package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.fs.MetadataChange;
import io.daxfs.fs.MetadataJournal;
import io.daxfs.fs.Volume;
import io.daxfs.nio.DaxFileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash points a kill rarely hits, each one: the image as it is on the host just before every
 * metadata record the workload's operations append (so between two records of one operation, and
 * after an operation's data changes but before its first record), mounted and judged as after a
 * kill, then every file grown over the blocks it holds past its end, which must read as zeros. A
 * kill at a random instant lands in these windows by luck; here every one is taken.
 *
 * <p>The image has the smallest log, so checkpoints (compactions) come every few dozen operations
 * and the points include the first records after each.
 */
class ImageCrashPointsTest {
  private static final long DEVICE = 2L << 20;

  @TempDir(factory = MemoryTempDir.class)
  Path dir;

  @Test
  void aCrashBetweenTheRecordsOfAnOperationLeavesItWholeOrAbsent() throws Exception {
    for (long seed = 1; seed <= 2; seed++) {
      Path image = dir.resolve("points-" + seed + ".img");
      DaxConfiguration config = DaxConfiguration.builder().deviceSize(DEVICE).image(image).build();
      Image.mount(config, ImageLog.MIN_CAPACITY).close();
      CrashWorkload model = new CrashWorkload(seed, DEVICE / 4, 0);
      try (FileSystem fs = DaxFileSystems.newFileSystem(config);
          CrashWorkload.Held held = new CrashWorkload.Held()) {
        Copies copies = Copies.install(fs, image, dir);
        for (int i = 0; i < 150; i++) {
          CrashWorkload.Op op = model.next();
          copies.clear();
          CrashWorkload.perform(op, fs.getPath("/"), held);
          CrashWorkload after = model.copy();
          after.apply(op);
          for (int k = 0; k < copies.taken.size(); k++) {
            String story =
                String.format(
                    "seed %d, %s: crash before its record %d (%s)",
                    seed, op, k, copies.records.get(k));
            assertThat(ImageCheck.run(copies.taken.get(k), false).problems())
                .as("%s: check of the image at rest", story)
                .isEmpty();
            try (FileSystem crashed = mount(copies.taken.get(k))) {
              if (CrashCheck.judge(crashed, model, after, op, story) == CrashCheck.Outcome.HALF) {
                try (CrashWorkload.Held h = new CrashWorkload.Held()) {
                  CrashWorkload.perform(op, crashed.getPath("/"), h);
                }
                // The first judgement read the files, which may have moved their access times.
                CrashWorkload was = model.copy();
                CrashWorkload done = after.copy();
                was.forgetAccessTimes();
                done.forgetAccessTimes();
                assertThat(CrashCheck.judge(crashed, was, done, op, story + ", completed", false))
                    .as("%s, completed", story)
                    .isEqualTo(CrashCheck.Outcome.AFTER);
              }
              if (!CrashCheck.mayLeaveBytesPastTheEnd(op)) {
                CrashCheck.growingExposesNothing(crashed, story);
              }
            }
          }
          model = after;
        }
      }
    }
  }

  /**
   * Each issue {@link CrashCheck} tolerates still shows, in the smallest story that shows it; once
   * one does not, it is fixed and must leave {@link CrashCheck#OPEN}.
   */
  @Test
  void theOpenIssuesStillShow() throws Exception {
    for (CrashCheck.Issue issue : CrashCheck.OPEN) {
      assertThat(shows(issue))
          .as("%s no longer shows: take it out of CrashCheck.OPEN", issue)
          .isTrue();
    }
  }

  /** Whether a crash before some record of the issue's operation leaves what the issue says. */
  private boolean shows(CrashCheck.Issue issue) throws IOException {
    Path image = dir.resolve("issue-" + issue + ".img");
    byte[] a = bytes(5000, 1);
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(
            DaxConfiguration.builder().deviceSize(DEVICE).image(image).build())) {
      Files.write(fs.getPath("/a"), a);
      Files.write(fs.getPath("/b"), bytes(3000, 2));
      Copies copies = Copies.install(fs, image, dir);
      switch (issue) {
        case RENAME_OVER_A_NAME ->
            Files.move(fs.getPath("/a"), fs.getPath("/b"), StandardCopyOption.REPLACE_EXISTING);
        case TRUNCATE -> {
          try (FileChannel ch = FileChannel.open(fs.getPath("/a"), StandardOpenOption.WRITE)) {
            ch.truncate(2000);
          }
        }
        case DATA_PAST_END -> {
          try (FileChannel ch = FileChannel.open(fs.getPath("/a"), StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(bytes(100, 3)));
          }
        }
      }
      for (Path copy : copies.taken) {
        try (FileSystem crashed = mount(copy)) {
          Path pa = crashed.getPath("/a");
          boolean shown =
              switch (issue) {
                case RENAME_OVER_A_NAME -> Files.exists(pa) && !Files.exists(crashed.getPath("/b"));
                case TRUNCATE ->
                    Files.size(pa) == a.length && !Arrays.equals(Files.readAllBytes(pa), a);
                case DATA_PAST_END -> {
                  try (FileChannel ch =
                      FileChannel.open(pa, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(new byte[] {1}), 8191);
                    ByteBuffer past = ByteBuffer.allocate(100);
                    ch.read(past, a.length);
                    yield !Arrays.equals(past.array(), new byte[100]);
                  }
                }
              };
          if (shown) {
            return true;
          }
        }
      }
      return false;
    }
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  private static FileSystem mount(Path image) throws IOException {
    return FileSystems.newFileSystem(
        URI.create("dax://crash-point"), Map.of(DaxConfiguration.IMAGE, image.toString()));
  }

  /** Copies the image before each record, as a kill at that instant would leave it. */
  private static final class Copies implements MetadataJournal {
    private final Path image;
    private final Path dir;
    final List<Path> taken = new ArrayList<>();
    final List<MetadataChange> records = new ArrayList<>();

    private Copies(Path image, Path dir) {
      this.image = image;
      this.dir = dir;
    }

    /** Copies {@code image}, which {@code fs} has mounted, before each record from now on. */
    static Copies install(FileSystem fs, Path image, Path dir) {
      Copies copies = new Copies(image, dir);
      Volume volume = ((DaxFileSystem) fs).volume();
      MetadataJournal imageJournal = volume.setJournal(null);
      volume.setJournal(copies.andThen(imageJournal));
      return copies;
    }

    void clear() throws IOException {
      for (Path p : taken) {
        Files.delete(p);
      }
      taken.clear();
      records.clear();
    }

    @Override
    public void record(MetadataChange change) {
      Path copy = dir.resolve("point-" + taken.size() + ".img");
      try {
        Files.copy(image, copy, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      taken.add(copy);
      records.add(change);
    }
  }
}
