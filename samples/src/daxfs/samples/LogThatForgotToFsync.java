package daxfs.samples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.PowerFailModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An append-only log on pmem "knows" that a DAX write is on the media when it returns, and
 * acknowledges each record as soon as its write() returns. The power is cut, and a restart finds
 * fewer records than were acknowledged: the data was on the media, but the file's size (and its
 * very name) were metadata that nothing made durable. The same log that fsyncs its directory after
 * creating the file, and forces each batch of records before acknowledging it, keeps every
 * acknowledged record, under every seed and both power-fail models.
 */
public final class LogThatForgotToFsync implements Sample {
  private static final int RECORDS = 20;
  private static final int BATCH = 5;
  private static final int SEEDS = 50;

  @Override
  public String title() {
    return "The log that forgot to fsync: acknowledged records lost in a power cut, and the fix";
  }

  @Override
  public void run(PrintStream out) throws Exception {
    for (PowerFailModel model : PowerFailModel.values()) {
      out.println("under " + model + ":");
      int losing = 0;
      int worst = RECORDS;
      long example = -1;
      for (long seed = 0; seed < SEEDS; seed++) {
        int kept = survivors(model, false, seed);
        if (kept < RECORDS) {
          losing++;
          if (kept < worst) {
            worst = kept;
            example = seed;
          }
        }
      }
      Check.that(losing > 0, "the careless log loses acknowledged records for some seed");
      out.printf(
          "  the careless log: every write() returned, and the cut lost acknowledged records"
              + " under %d of %d seeds (seed %d: %d of %d left)%n",
          losing, SEEDS, example, worst, RECORDS);
      for (long seed = 0; seed < SEEDS; seed++) {
        int kept = survivors(model, true, seed);
        Check.that(kept == RECORDS, "the careful log keeps every record under seed " + seed);
      }
      out.printf(
          "  the careful log kept all %d acknowledged records under every one of %d seeds%n",
          RECORDS, SEEDS);
    }
  }

  /** Writes the log, cuts the power with {@code seed}, and counts the records a restart finds. */
  private static int survivors(PowerFailModel model, boolean careful, long seed)
      throws IOException {
    DaxConfiguration config =
        DaxConfiguration.builder().deviceSize(16 << 20).powerFailModel(model).build();
    FileSystem fs = DaxFileSystems.newFileSystem(config);
    Path dir = Files.createDirectories(fs.getPath("/var/app"));
    DaxFileSystems.sync(fs); // the application's directory was there before it started
    int acknowledged = 0;
    try (Log log = Log.create(dir.resolve("events.log"), careful)) {
      for (int i = 0; i < RECORDS; i++) {
        acknowledged += log.append("record " + i);
      }
      acknowledged += log.flush();
    }
    Check.that(acknowledged == RECORDS, "every record was acknowledged");
    try (FileSystem after = DaxFileSystems.powerFail(fs, seed)) {
      return Log.recover(after.getPath("/var/app/events.log"));
    }
  }

  /** The log: one record a line. */
  private static final class Log implements AutoCloseable {
    private final FileChannel channel;
    private final boolean careful;
    private int unacknowledged;

    private Log(FileChannel channel, boolean careful) {
      this.channel = channel;
      this.careful = careful;
    }

    static Log create(Path file, boolean careful) throws IOException {
      FileChannel ch = FileChannel.open(file, CREATE_NEW, APPEND);
      if (careful) {
        try (FileChannel dir = FileChannel.open(file.getParent(), READ)) {
          dir.force(true); // the new name is durable only once its directory is
        }
      }
      return new Log(ch, careful);
    }

    /** Appends a record; returns how many records this acknowledges. */
    int append(String record) throws IOException {
      channel.write(ByteBuffer.wrap((record + "\n").getBytes(UTF_8)));
      if (!careful) {
        return 1; // "a DAX write is on the media when it returns"
      }
      return ++unacknowledged == BATCH ? flush() : 0;
    }

    /** Makes the records written so far durable; returns how many this acknowledges. */
    int flush() throws IOException {
      if (careful && unacknowledged > 0) {
        channel.force(false); // fdatasync: the file's size, so that a restart finds the records
      }
      int n = unacknowledged;
      unacknowledged = 0;
      return careful ? n : 0;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }

    /** The number of whole records a restart finds in the file. */
    static int recover(Path file) throws IOException {
      if (!Files.exists(file)) {
        return 0;
      }
      String text = Files.readString(file);
      int count = 0;
      for (String line : text.split("\n", -1)) {
        if (!line.equals("record " + count)) {
          break;
        }
        count++;
      }
      return count;
    }
  }
}
