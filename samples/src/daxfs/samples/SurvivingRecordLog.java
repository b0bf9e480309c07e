package daxfs.samples;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.MediaErrorModel;
import io.daxfs.PmemDevice;
import io.daxfs.Recovery;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * An application's append-only record log (each record: length, CRC32, payload) on pmem, with a
 * replica elsewhere holding the same records in the same layout. When replaying the log meets EIO,
 * the application asks the exception which bytes are lost and how they can be repaired under the
 * kernel's model, re-fetches the records over them from the replica, rewrites them that way, and
 * carries on. Run under each {@link MediaErrorModel} to see how the repair differs.
 */
public final class SurvivingRecordLog implements Sample {
  private static final int RECORDS = 60;
  private static final int HEADER = 8; // int length, int CRC32 of the payload

  @Override
  public String title() {
    return "A record log that survives: replay meets EIO, re-fetches records from a replica, repairs";
  }

  @Override
  public void run(PrintStream out) throws Exception {
    List<byte[]> payloads = new ArrayList<>();
    Random random = new Random(6);
    for (int i = 0; i < RECORDS; i++) {
      byte[] p = new byte[100 + random.nextInt(400)];
      random.nextBytes(p);
      payloads.add(p);
    }
    List<String> summary = new ArrayList<>();
    for (MediaErrorModel model : MediaErrorModel.values()) {
      out.println("under " + model + ":");
      summary.add(model + ": " + replayUnder(model, payloads, out));
    }
    out.println("the same damage, repaired three ways:");
    summary.forEach(line -> out.println("  " + line));
  }

  /** Writes the log and its replica, damages the log, replays it; returns how the repair went. */
  private static String replayUnder(MediaErrorModel model, List<byte[]> payloads, PrintStream out)
      throws IOException {
    DaxConfiguration config =
        DaxConfiguration.builder().deviceSize(16 << 20).mediaErrorModel(model).build();
    try (FileSystem fs = DaxFileSystems.newFileSystem(config);
        FileSystem replicaFs = DaxFileSystems.newFileSystem()) {
      PmemDevice device = DaxFileSystems.device(fs);
      Path log = Files.createDirectories(fs.getPath("/app")).resolve("records.log");
      Path replica = replicaFs.getPath("/records.log");
      for (byte[] p : payloads) {
        append(log, p);
        append(replica, p);
      }
      long size = Files.size(log);
      DaxFiles.injectError(log, 5000, 1);
      DaxFiles.injectError(
          log, size - 10, 1); // the log's last sector, which the last page runs past
      out.printf(
          "  wrote %d records (%d bytes) to %s and a replica; poisoned bytes 5000 and %d%n",
          payloads.size(), size, log, size - 10);

      Replica source = new Replica(replica);
      int count = 0;
      int repairs = 0;
      Recovery.Kind kind = null;
      long rewritten = 0;
      long pos = 0;
      try (FileChannel ch = FileChannel.open(log, READ)) {
        while (pos < size) {
          try {
            ByteBuffer header = readFully(ch, pos, HEADER);
            int length = header.getInt();
            int crc = header.getInt();
            ByteBuffer payload = readFully(ch, pos + HEADER, length);
            Check.that(crc32(payload) == crc, "record " + count + " has a good CRC");
            Check.that(
                payload.equals(ByteBuffer.wrap(payloads.get(count))),
                "record " + count + " is as written");
            count++;
            pos += HEADER + length;
          } catch (MediaErrorException e) {
            Check.that(++repairs <= 4, "each repair lets the replay go on");
            out.printf("  EIO replaying record %d at byte %d: %s%n", count, pos, e.getMessage());
            Check.that(
                DaxFiles.badRanges(log).containsAll(e.badRanges()),
                "the exception names lost ranges of the file");
            kind = e.recovery().kind();
            rewritten += repair(log, size, e.recovery(), source, out);
          }
        }
      }
      Check.that(count == payloads.size(), "every record was replayed");
      Check.that(repairs == 2, "each of the two bad sectors was met once");
      Check.that(device.badblocks().isEmpty(), "the badblocks list is empty");
      Check.that(
          Files.size(log) == size && Files.mismatch(log, replica) == -1,
          "the log equals its replica");
      out.printf(
          "  replayed all %d records, every CRC good; %d bytes rewritten; badblocks %s%n",
          count, rewritten, device.badblocks());
      String how =
          switch (kind) {
            case REWRITE_DIRECT -> "rewrote just the lost sectors through DIRECT";
            case REWRITE_PAGES -> "rewrote the lost sectors' whole pages with plain writes";
            case REALLOCATE -> "punched out the lost sectors' blocks and wrote them again";
          };
      return String.format("%s, %d bytes", how, rewritten);
    }
  }

  /** Repairs the range {@code how} names by the way it names; returns the bytes written. */
  private static long repair(Path log, long size, Recovery how, Replica source, PrintStream out)
      throws IOException {
    FileRange r = how.range();
    ByteBuffer bytes = source.fetch(r, out);
    long written;
    switch (how.kind()) {
      case REWRITE_DIRECT -> {
        // The block driver takes whole sectors from an aligned buffer, and clears them first.
        int align = (int) Files.getFileStore(log).getBlockSize();
        ByteBuffer direct =
            ByteBuffer.allocateDirect(bytes.remaining() + align).alignedSlice(align);
        direct.put(bytes).flip();
        written = writeFully(log, direct, r.offset(), WRITE, ExtendedOpenOption.DIRECT);
        out.printf(
            "  REWRITE_DIRECT: wrote the %d bytes of %s through ExtendedOpenOption.DIRECT%n",
            written, r);
      }
      case REWRITE_PAGES -> {
        // A plain write of whole, aligned 4 KiB pages is a recovery write: it clears, then writes.
        written = writeFully(log, bytes, r.offset(), WRITE);
        out.printf(
            "  REWRITE_PAGES: wrote the whole pages %s (%d bytes) with a plain write%n",
            r, written);
      }
      case REALLOCATE -> {
        // No write clears in place: drop the blocks, and the rewrite gets new ones, zeroed through
        // the driver.
        DaxFiles.punchHole(log, r.offset(), r.length());
        long inFile = Math.min(r.end(), size) - r.offset();
        written = writeFully(log, bytes.limit((int) inFile), r.offset(), WRITE);
        out.printf(
            "  REALLOCATE: punched a hole over %s, then wrote its %d bytes again with a plain write%n",
            r, written);
      }
      default -> throw new AssertionError(how.kind());
    }
    if (Files.size(log) > size) { // whole sectors or pages can run past the end of the log
      try (FileChannel ch = FileChannel.open(log, WRITE)) {
        ch.truncate(size);
      }
      out.printf("  the rewrite ran past the end of the log: cut it back to %d bytes%n", size);
    }
    return written;
  }

  /** The application's append: one record, length and CRC32 first. */
  private static void append(Path log, byte[] payload) throws IOException {
    ByteBuffer record = ByteBuffer.allocate(HEADER + payload.length);
    record.putInt(payload.length).putInt(crc32(ByteBuffer.wrap(payload))).put(payload).flip();
    try (FileChannel ch = FileChannel.open(log, CREATE, WRITE, APPEND)) {
      while (record.hasRemaining()) {
        ch.write(record);
      }
    }
  }

  private static int crc32(ByteBuffer payload) {
    CRC32 crc = new CRC32();
    crc.update(payload.duplicate());
    return (int) crc.getValue();
  }

  private static ByteBuffer readFully(FileChannel ch, long pos, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining()) {
      if (ch.read(buf, pos + buf.position()) < 0) {
        throw new IOException("log ends inside a record at " + pos);
      }
    }
    return buf.flip();
  }

  private static long writeFully(Path file, ByteBuffer buf, long pos, OpenOption... options)
      throws IOException {
    long written = 0;
    try (FileChannel ch = FileChannel.open(file, options)) {
      while (buf.hasRemaining()) {
        written += ch.write(buf, pos + written);
      }
    }
    return written;
  }

  /** The replica log: the same records in the same layout, healthy; it serves records by number. */
  private static final class Replica {
    private final Path log;
    private final List<Long> starts =
        new ArrayList<>(); // record i spans [starts[i], starts[i + 1])

    Replica(Path log) throws IOException {
      this.log = log;
      try (FileChannel ch = FileChannel.open(log, READ)) {
        long pos = 0;
        while (pos < ch.size()) {
          starts.add(pos);
          pos += HEADER + readFully(ch, pos, HEADER).getInt();
        }
        starts.add(pos);
      }
    }

    /** The bytes of {@code r}, from the records that overlap it (zeros past the last record). */
    ByteBuffer fetch(FileRange r, PrintStream out) throws IOException {
      int first = -1;
      int last = -1;
      for (int i = 0; i + 1 < starts.size(); i++) {
        if (starts.get(i) < r.end() && starts.get(i + 1) > r.offset()) {
          first = first < 0 ? i : first;
          last = i;
        }
      }
      Check.that(first >= 0, "the lost range holds records");
      long from = starts.get(first);
      long to = starts.get(last + 1);
      ByteBuffer records;
      try (FileChannel ch = FileChannel.open(log, READ)) {
        records = readFully(ch, from, (int) (to - from));
      }
      out.printf(
          "  re-fetched records %d..%d (bytes [%d, %d)) from the replica%n", first, last, from, to);
      byte[] bytes = new byte[(int) r.length()];
      long start = Math.max(from, r.offset());
      long end = Math.min(to, r.end());
      records.get((int) (start - from), bytes, (int) (start - r.offset()), (int) (end - start));
      return ByteBuffer.wrap(bytes);
    }
  }
}
