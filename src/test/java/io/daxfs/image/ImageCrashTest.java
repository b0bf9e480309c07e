package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxConfiguration;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that dies at any instant loses nothing it was told had happened. A child JVM runs a
 * seeded mixed workload ({@link CrashWorkload}) on an image and acknowledges each operation as it
 * returns; the test kills it ({@code SIGKILL}) at a seeded point, or the child halts itself, and
 * then checks the image against the model of the workload up to the last acknowledgement: every
 * acknowledged operation is there, the one in flight is there whole or not at all (a data write may
 * be torn, byte by byte, as on Linux), no file is corrupt, the free space is what the files do not
 * hold, and {@code check} finds nothing wrong. The next child carries on where the image is, so one
 * image meets several kills.
 */
class ImageCrashTest {
  private static final String DEVICE_SIZE = "64m";

  /** Operations a child runs at most; then it waits to be killed. */
  private static final int OPS_PER_CHILD = 1500;

  @TempDir(factory = MemoryTempDir.class)
  Path dir;

  /** The mount's environment: the image, and the geometry it is formatted with. */
  static Map<String, Object> environment(Path image) {
    Map<String, Object> env = new HashMap<>();
    env.put(DaxConfiguration.IMAGE, image.toString());
    env.put(DaxConfiguration.DEVICE_SIZE, DEVICE_SIZE);
    return env;
  }

  @Test
  void aKilledProcessLosesNothingItAcknowledged() throws Exception {
    // -Dcrash.first and -Dcrash.images run other seeds, or many more.
    long first = Long.getLong("crash.first", 1);
    for (long seed = first; seed < first + Long.getLong("crash.images", 4); seed++) {
      Path image = dir.resolve("kill-" + seed + ".img");
      SplittableRandom r = new SplittableRandom(seed);
      CrashWorkload model = new CrashWorkload(seed);
      for (int round = 0; round < 6; round++) {
        String what = "seed " + seed + ", round " + round;
        int last;
        try (Child child = new Child(image, model, -1, what)) {
          if (round % 2 == 0) {
            int acks = 1 + r.nextInt(80);
            what += ", killed after " + acks + " acknowledgements";
            child.awaitAcknowledgements(acks);
          } else {
            long millis = r.nextInt(120);
            what += ", killed " + millis + " ms after the mount";
            Thread.sleep(millis);
          }
          last = child.kill();
        }
        model = verify(image, model, last, what);
      }
    }
  }

  @Test
  void aProcessThatHaltsLosesNothingItAcknowledged() throws Exception {
    for (long seed = 11; seed <= 12; seed++) {
      Path image = dir.resolve("halt-" + seed + ".img");
      SplittableRandom r = new SplittableRandom(seed);
      CrashWorkload model = new CrashWorkload(seed);
      for (int round = 0; round < 3; round++) {
        long millis = r.nextInt(100);
        String what = "seed " + seed + ", round " + round + ", halted " + millis + " ms in";
        int last;
        try (Child child = new Child(image, model, millis, what)) {
          last = child.awaitHalt();
        }
        model = verify(image, model, last, what);
      }
    }
  }

  /**
   * Kills in the middle of compactions: the image has the smallest log, a tree of thousands of
   * ballast files (so each checkpoint is large) and lives on a disk (so each checkpoint waits for
   * {@code fsync}). The test watches the log fill through a mapping of its own and kills the child
   * once the log has room for a few records only, after a seeded delay of up to 2 ms. The image at
   * rest tells whether the log was still full: a compaction was due or under way, its new
   * checkpoint not yet current. The rounds go on until three kills found it so, twelve at most.
   */
  @Test
  void aKillDuringACompactionLosesNothing(@TempDir Path disk) throws Exception {
    long seed = 21;
    Path image = disk.resolve("compaction.img");
    CrashWorkload model = new CrashWorkload(seed, CrashWorkload.DATA_LIMIT, BALLAST);
    Image.mount(DaxConfiguration.fromEnvironment(environment(image)), ImageLog.MIN_CAPACITY)
        .close();
    try (FileSystem fs =
        FileSystems.newFileSystem(URI.create("dax://crash-ballast"), environment(image))) {
      CrashWorkload.createBallast(fs.getPath("/"), BALLAST);
    }
    LogWatch log = new LogWatch(image);
    SplittableRandom r = new SplittableRandom(seed);
    int inCompaction = 0;
    for (int round = 0; round < 12 && inCompaction < 3; round++) {
      int millis = r.nextInt(3);
      String what = "seed " + seed + ", round " + round;
      int last;
      try (Child child = new Child(image, model, -1, what)) {
        log.awaitFull(child);
        Thread.sleep(millis);
        last = child.kill();
      }
      what += ", killed " + millis + " ms after the log was found full";
      if (log.full()) {
        inCompaction++;
        what += ", the log full (a compaction due or under way)";
      }
      model = verify(image, model, last, what);
    }
    assertThat(inCompaction).as("kills that found the log full").isPositive();
  }

  private static final int BALLAST = 5000;

  /** The log of an image, watched through a read-only mapping while a child appends to it. */
  private static final class LogWatch {
    private final ImageLog log;
    private final ByteBuffer buf;

    LogWatch(Path image) throws IOException {
      ImageReader.Loaded loaded;
      try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "r")) {
        loaded = new ImageReader(image, file, false, false).read();
      }
      long offset = loaded.superblock().logOffset();
      try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
        buf =
            ch.map(FileChannel.MapMode.READ_ONLY, offset, loaded.superblock().logCapacity())
                .order(ByteOrder.LITTLE_ENDIAN);
      }
      log = new ImageLog(buf, offset);
    }

    /** Where the records of the log's current epoch (its first record's) end. */
    int end() {
      return log.scan(buf.getLong(8)).end();
    }

    /** Whether another record would not fit: a compaction is due, or under way. */
    boolean full() {
      return log.capacity() - end() < 512;
    }

    /** Returns once the log is {@linkplain #full() full} (or the child has ended). */
    void awaitFull(Child child) throws InterruptedException {
      while (!full() && child.isAlive()) {
        Thread.sleep(0, 200_000);
      }
    }
  }

  /**
   * Checks the image after a crash against the model: after {@code acknowledged} operations, or
   * after the next one too, which was in flight. Returns the model of what the image holds, with a
   * torn data write made whole in the image.
   */
  private static CrashWorkload verify(
      Path image, CrashWorkload model, int acknowledged, String what) throws IOException {
    model.advanceTo(acknowledged);
    CrashWorkload after = model.copy();
    CrashWorkload.Op inFlight = after.next();
    after.apply(inFlight);
    String story =
        String.format("%s: %d operations acknowledged, %s in flight", what, acknowledged, inFlight);
    ImageCheck.Report check = ImageCheck.run(image, false);
    assertThat(check.problems()).as("%s: check of the image at rest", story).isEmpty();
    try (FileSystem fs =
        FileSystems.newFileSystem(URI.create("dax://crash-check"), environment(image))) {
      Path file = CrashWorkload.resolve(fs.getPath("/"), inFlight.path());
      CrashWorkload result = after;
      switch (CrashCheck.judge(fs, model, after, inFlight, story)) {
        case BEFORE -> {
          result = model;
          if (CrashCheck.mayLeaveBytesPastTheEnd(inFlight)) {
            CrashCheck.zeroPastTheEnd(file, DaxConfiguration.defaults().blockSize());
          }
        }
        case AFTER -> {}
        case TORN -> {
          // Torn as a crash may tear a write: make it whole, so that the next child's model holds.
          byte[] whole = after.find(inFlight.path()).data;
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(whole);
            while (b.hasRemaining()) {
              ch.write(b, b.position());
            }
            ch.truncate(whole.length);
          }
        }
        case HALF -> {
          // An open issue left it half done: complete it, and it must be the state after it.
          try (CrashWorkload.Held held = new CrashWorkload.Held()) {
            CrashWorkload.perform(inFlight, fs.getPath("/"), held);
          }
          CrashWorkload was = model.copy();
          was.forgetAccessTimes();
          after.forgetAccessTimes();
          assertThat(CrashCheck.judge(fs, was, after, inFlight, story + ", completed", false))
              .as("%s, completed", story)
              .isEqualTo(CrashCheck.Outcome.AFTER);
        }
      }
      result.forgetAccessTimes();
      return result;
    }
  }

  /** A child JVM running {@link CrashChild}, with its stdout read line by line. */
  private final class Child implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final Path log;
    private final String what;
    private int last;

    Child(Path image, CrashWorkload model, long haltAfter, String what) throws IOException {
      this.what = what;
      this.last = model.applied();
      this.log = dir.resolve("child.log");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      // A child is short: the quick compiler and a small heap start it fastest.
      command.addAll(
          List.of(
              "-XX:TieredStopAtLevel=1",
              "-XX:+UseSerialGC",
              "-Xmx128m",
              "-cp",
              System.getProperty("java.class.path"),
              CrashChild.class.getName(),
              image.toString(),
              Long.toString(model.seed()),
              Integer.toString(model.ballast()),
              Integer.toString(model.applied()),
              Integer.toString(model.applied() + OPS_PER_CHILD),
              Long.toString(haltAfter)));
      process = new ProcessBuilder(command).redirectError(log.toFile()).start();
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
      String first = out.readLine();
      if (!"ready".equals(first)) {
        throw failure("did not mount the image (printed " + first + ")");
      }
    }

    boolean isAlive() {
      return process.isAlive();
    }

    /** Reads until {@code n} more operations are acknowledged, or the child is done. */
    void awaitAcknowledgements(int n) throws IOException {
      int until = last + n;
      while (last < until) {
        String line = out.readLine();
        if (line == null) {
          throw failure("ended on its own");
        }
        if (line.equals("done")) {
          return;
        }
        last = Integer.parseInt(line);
      }
    }

    /** Kills the child; returns how many operations it had acknowledged by then. */
    int kill() throws IOException, InterruptedException {
      // Through the handle: Process.destroyForcibly would also close the stream still to drain.
      process.toHandle().destroyForcibly();
      if (!process.waitFor(1, TimeUnit.MINUTES)) {
        throw failure("outlived SIGKILL");
      }
      drain();
      if (process.exitValue() != 128 + 9) {
        throw failure("exit status " + process.exitValue() + " instead of SIGKILL's");
      }
      return last;
    }

    /** Waits for the child to halt itself; returns how many operations it had acknowledged. */
    int awaitHalt() throws IOException, InterruptedException {
      drain();
      if (!process.waitFor(1, TimeUnit.MINUTES)) {
        throw failure("did not halt");
      }
      if (process.exitValue() != CrashChild.HALTED) {
        throw failure("exit status " + process.exitValue() + " instead of a halt's");
      }
      return last;
    }

    private void drain() throws IOException {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (!line.equals("done")) {
          last = Integer.parseInt(line);
        }
      }
    }

    private AssertionError failure(String why) throws IOException {
      process.destroyForcibly();
      return new AssertionError(
          what + ": the child " + why + "; its stderr:\n" + Files.readString(log));
    }

    @Override
    public void close() throws IOException {
      process.destroyForcibly();
      try {
        process.waitFor(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      out.close();
    }
  }
}
