package io.daxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CoarseClockTest {
  /** The tick, and slack for a loaded machine's scheduling. */
  private static final long TOLERANCE_NANOS = TimeUnit.MILLISECONDS.toNanos(4 + 50);

  private static long wallNanos() {
    Instant i = Instant.now();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  @Test
  void afterAnIdleSpellTheFirstWriteIsStampedWithTheCurrentTime() throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem(DaxConfiguration.builder().build())) {
      Path f = Files.createFile(fs.getPath("/f"));
      for (int round = 0; round < 3; round++) {
        Thread.sleep(200); // far past the ticks after which an unread clock goes to sleep
        long before = wallNanos();
        Files.write(f, new byte[] {1});
        long after = wallNanos();
        long mtime = TimeUnit.MILLISECONDS.toNanos(Files.getLastModifiedTime(f).toMillis());
        assertThat(mtime)
            .as("round %d: mtime against the wall clock around the write", round)
            .isBetween(before - TOLERANCE_NANOS, after + TOLERANCE_NANOS);
      }
    }
  }

  @Test
  void anUnreadClockStopsTicking() throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem(DaxConfiguration.builder().build())) {
      Files.createFile(fs.getPath("/f"));
      // Parked with no deadline once idle, rather than waking every tick; other tests' file
      // systems may read the clock meanwhile, so allow it a few chances.
      boolean sleeping = false;
      for (int tries = 0; tries < 50 && !sleeping; tries++) {
        Thread.sleep(50);
        sleeping = ticker().map(t -> t.getState() == Thread.State.WAITING).orElse(false);
      }
      assertThat(sleeping).as("the daxfs-clock thread parked without a deadline").isTrue();
      long before = wallNanos();
      long now = CoarseClock.now();
      assertThat(now)
          .as("the first read after the sleep")
          .isGreaterThanOrEqualTo(before - TOLERANCE_NANOS);
    }
  }

  private static Optional<Thread> ticker() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("daxfs-clock"))
        .findFirst();
  }
}
