package daxfs.samples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.internal.InternalFutureFailureAccess;
import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.BadBlock;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.cli.DaxCli;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * Crash and restart: a writer JVM appends records to a log on a pmem image and acknowledges each
 * once {@code force} returns; it is killed with SIGKILL mid-stream. While it is down, the command
 * line poisons sectors of the log, latent (as media can go bad while a machine is off). At restart
 * the image is mounted with a scrub, as address range scrub runs at boot: the lost records are
 * known before any read meets them, re-fetched from the replica and rewritten through the block
 * driver, and every acknowledged record is there.
 */
public final class CrashAndRestart implements Sample {
  /** One record a sector: a lost sector is a lost record. */
  static final int RECORD = 512;

  private static final int KILL_AFTER = 300;
  private static final long SEED = 11;

  @Override
  public String title() {
    return "Crash and restart: acknowledged records outlive kill -9; poison found at restart is"
        + " repaired from a replica";
  }

  @Override
  public void run(PrintStream out) throws Exception {
    Path dir = Files.createTempDirectory("daxfs-crash-");
    try {
      story(dir, out);
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static void story(Path dir, PrintStream out) throws Exception {
    Path image = dir.resolve("pmem0.img");
    Path replica = dir.resolve("replica.log");
    daxfs(out, "create-namespace", image.toString(), "--size", "64m");

    // 1. The writer: a JVM of its own, killed after it has acknowledged some records.
    Process writer = startWriter(image);
    long acked = -1;
    try (BufferedReader acks =
            new BufferedReader(new InputStreamReader(writer.getInputStream(), UTF_8));
        FileChannel mirror = FileChannel.open(replica, CREATE, WRITE)) {
      String line;
      boolean killed = false;
      while ((line = acks.readLine()) != null) {
        long seq = Long.parseLong(line.substring("ack ".length()));
        Check.that(seq == acked + 1, "acknowledgements come in order");
        mirror.write(ByteBuffer.wrap(record(seq)), seq * RECORD); // the replica takes it too
        acked = seq;
        if (acked == KILL_AFTER && !killed) {
          // SIGKILL: no shutdown hook, no close, no flush. Through the handle, so that the
          // acknowledgements already in the pipe can still be read (Process.destroy closes it).
          writer.toHandle().destroyForcibly();
          killed = true;
          out.printf("the writer acknowledged records 0..%d; killed it with SIGKILL%n", acked);
        }
      }
    }
    writer.waitFor(30, TimeUnit.SECONDS);
    // Acknowledgements already in the pipe when the kill came were made before it: they count.
    out.printf(
        "it had acknowledged %d records before it died (exit status %d: killed)%n",
        acked + 1, writer.exitValue());
    Check.that(acked >= KILL_AFTER, "the writer was killed after acknowledging records");
    Check.that(writer.exitValue() == 137, "SIGKILL ended the writer");

    // 2. While it is down: the command line poisons two records' sectors, latent.
    JsonNode extents =
        new ObjectMapper()
            .readTree(daxfsQuiet("fiemap", "--json", image.toString(), "/app/records.log"))
            .get("extents");
    out.printf(
        "daxfs fiemap: /app/records.log lives on %d extent(s) of the device%n", extents.size());
    List<Long> victims = List.of(37L, acked - 5);
    for (long r : victims) {
      long sector = sectorOf(extents, r * RECORD);
      daxfsQuiet(
          "inject-error", image.toString(), "--block", "" + sector, "--count", "1", "--no-notify");
      out.printf("daxfs inject-error --block %d --count 1 --no-notify  (record %d)%n", sector, r);
    }
    JsonNode listed =
        new ObjectMapper().readTree(daxfsQuiet("list", "--media-errors", image.toString()));
    out.printf(
        "daxfs list --media-errors: badblock_count %s; the poison is latent%n",
        listed.has("badblock_count") ? listed.get("badblock_count") : "absent");
    Check.that(!listed.has("badblock_count"), "latent poison is not listed yet");

    // 3. Restart: mount with a scrub, learn what was lost, re-fetch it, rewrite it.
    DaxConfiguration config = DaxConfiguration.builder().image(image).scrubAtMount(true).build();
    try (FileSystem fs = DaxFileSystems.newFileSystem(config)) {
      Path log = fs.getPath("/app/records.log");
      List<BadBlock> bad = DaxFileSystems.device(fs).badblocks();
      List<FileRange> lost = DaxFiles.badRanges(log);
      out.printf("restarted: the scrub at mount listed badblocks %s; the log lost %s%n", bad, lost);
      TreeSet<Long> lostRecords = new TreeSet<>();
      for (FileRange r : lost) {
        for (long o = r.offset(); o < r.end(); o += RECORD) {
          lostRecords.add(o / RECORD);
        }
      }
      Check.that(
          lostRecords.equals(new TreeSet<>(victims)), "the lost records are the poisoned ones");
      try {
        Files.readAllBytes(log);
        Check.that(false, "a read over the lost records fails");
      } catch (MediaErrorException e) {
        out.println("replaying the log as it is fails: " + e.getMessage());
      }
      try (FileChannel from = FileChannel.open(replica, READ);
          FileChannel to = FileChannel.open(log, WRITE, ExtendedOpenOption.DIRECT)) {
        ByteBuffer buf = ByteBuffer.allocateDirect(2 * RECORD).alignedSlice(RECORD).limit(RECORD);
        for (long r : lostRecords) {
          buf.clear().limit(RECORD);
          from.read(buf, r * RECORD);
          to.write(buf.flip(), r * RECORD);
          to.force(false);
        }
      }
      out.printf(
          "re-fetched records %s from the replica and rewrote them through DIRECT; badblocks %s%n",
          lostRecords, DaxFileSystems.device(fs).badblocks());
      Check.that(
          DaxFileSystems.device(fs).badblocks().isEmpty(), "the rewrite cleared the sectors");

      // 4. Every acknowledged record is there, whole.
      byte[] all = Files.readAllBytes(log);
      long intact = 0;
      for (long seq = 0; seq <= acked; seq++) {
        byte[] want = record(seq);
        boolean same = all.length >= (seq + 1) * RECORD;
        for (int i = 0; same && i < RECORD; i++) {
          same = all[(int) (seq * RECORD) + i] == want[i];
        }
        Check.that(same, "acknowledged record " + seq + " is in the log, whole");
        intact++;
      }
      out.printf(
          "every acknowledged record is there: %d of %d intact (the log holds %d records; any"
              + " past %d were written but never acknowledged)%n",
          intact, acked + 1, all.length / RECORD, acked);
    }
    JsonNode after = new ObjectMapper().readTree(daxfsQuiet("list", "-M", image.toString()));
    out.printf(
        "daxfs list -M after the repair: badblock_count %s%n",
        after.has("badblock_count") ? after.get("badblock_count") : "absent");
    Check.that(!after.has("badblock_count"), "the image is clean");
  }

  /** The record {@code seq}: its number, a payload, and a CRC32 of both. */
  static byte[] record(long seq) {
    ByteBuffer b = ByteBuffer.allocate(RECORD);
    b.putLong(seq);
    byte[] payload = new byte[RECORD - 12];
    new Random(SEED * 1_000_003 + seq).nextBytes(payload);
    b.put(payload);
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, RECORD - 4);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** The device sector that holds byte {@code offset} of the file, from fiemap's extents. */
  private static long sectorOf(JsonNode extents, long offset) {
    for (JsonNode e : extents) {
      long logical = e.get("logical").asLong();
      if (offset >= logical && offset < logical + e.get("length").asLong()) {
        return (e.get("physical").asLong() + offset - logical) / RECORD;
      }
    }
    throw new AssertionError("byte " + offset + " is in no extent");
  }

  /** Runs a command of the command line in this JVM, printing it and what it printed. */
  private static void daxfs(PrintStream out, String... args) {
    out.println("daxfs " + String.join(" ", args));
    for (String line : daxfsQuiet(args).split("\n")) {
      out.println("  " + line);
    }
  }

  private static String daxfsQuiet(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int status = DaxCli.execute(new PrintWriter(o), new PrintWriter(e), args);
    Check.that(status == 0, "daxfs " + String.join(" ", args) + " succeeds: " + e);
    return o.toString();
  }

  private static Process startWriter(Path image) throws IOException, URISyntaxException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Not java.class.path: under exec:java that is Maven's own. The classes the writer needs:
    String classPath =
        String.join(
            File.pathSeparator,
            location(CrashAndRestart.class),
            location(DaxFileSystems.class),
            location(ImmutableList.class),
            location(InternalFutureFailureAccess.class));
    return new ProcessBuilder(
            java, "-cp", classPath, CrashAndRestart.class.getName(), image.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static String location(Class<?> c) throws URISyntaxException {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  /**
   * The writer: appends records to {@code /app/records.log} on the image and prints {@code ack N}
   * once record {@code N} is durable, until it is killed.
   */
  public static void main(String[] args) throws IOException {
    DaxConfiguration config = DaxConfiguration.builder().image(Path.of(args[0])).build();
    try (FileSystem fs = DaxFileSystems.newFileSystem(config)) {
      Path log = Files.createDirectories(fs.getPath("/app")).resolve("records.log");
      try (FileChannel ch = FileChannel.open(log, CREATE, WRITE)) {
        for (long seq = 0; seq < 1_000_000; seq++) {
          ch.write(ByteBuffer.wrap(record(seq)), seq * RECORD);
          ch.force(true);
          System.out.println("ack " + seq);
          System.out.flush();
        }
      }
    }
  }
}
