package io.daxfs.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The metadata log (format version 1): checksummed records appended in sequence to a fixed region
 * of the image, each tagged with the epoch of the checkpoint it follows. Appends are memory copies
 * into a shared mapping, so a record is in the host's page cache, and survives the process being
 * killed, as soon as the copy ends. Not thread-safe: {@link ImageJournal} serializes appends.
 *
 * <p>A record: {@code u32 length} (header and payload), {@code u16 type}, {@code u16 0}, {@code u64
 * epoch}, {@code u64 sequence}, the payload, then {@code u32} CRC32C of the {@code length} bytes
 * before it; the next record starts at the next multiple of 8.
 */
final class ImageLog {
  static final long MIN_CAPACITY = 64 << 10;
  static final long MAX_CAPACITY = 1L << 30;
  static final long DEFAULT_CAPACITY = 4L << 20;
  static final int HEADER = 24;

  /** One record found by a scan: its type, sequence, and where its payload lies in the log. */
  record Entry(int type, long sequence, int at, int payloadFrom, int payloadTo, boolean more) {}

  /** The header flag of a record whose operation continues in the next record. */
  static final int MORE = 1;

  /**
   * What a scan of one epoch found: its records in order, where the next goes, a torn last record
   * (an append the process died in: the operation had not returned) or null, and a corruption
   * (damage that is not a torn tail) or null.
   */
  record Scan(
      List<Entry> entries,
      int end,
      int unfinishedEnd,
      String torn,
      String corruption,
      boolean newerEpoch) {
    long nextSequence() {
      return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).sequence() + 1;
    }
  }

  private final ByteBuffer buf;
  private final int capacity;
  private final long offset;
  private int position;
  private long epoch;
  private long sequence;

  /** A log over {@code buf} (its whole capacity), which lies at {@code offset} of the image. */
  ImageLog(ByteBuffer buf, long offset) {
    this.buf = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    this.capacity = buf.capacity();
    this.offset = offset;
  }

  long offset() {
    return offset;
  }

  int capacity() {
    return capacity;
  }

  int position() {
    return position;
  }

  long epoch() {
    return epoch;
  }

  static int size(int length) {
    return (length + 4 + 7) & ~7;
  }

  /** Whether a record of {@code length} bytes (header and payload) fits in the room left. */
  boolean fits(int length) {
    return fits(length, 1);
  }

  /** Whether a record of {@code length} bytes fits in a restarted log, after its epoch marker. */
  boolean fitsRestarted(int length) {
    return fitsRestarted(length, 1);
  }

  /** Whether {@code count} records of {@code length} bytes each fit in the room left. */
  boolean fits(int length, int count) {
    return (long) size(length) * count <= capacity - position;
  }

  /** Whether {@code count} records of {@code length} bytes each fit in a restarted log. */
  boolean fitsRestarted(int length, int count) {
    return (long) size(length) * count <= capacity - size(HEADER + 8);
  }

  /** Continues epoch {@code epoch} after what a scan found. */
  void resume(long epoch, Scan scan) {
    this.epoch = epoch;
    this.position = scan.end();
    // The records of an operation cut short are whole: they would join the next operation's
    // records at the next mount, so they go.
    for (int p = scan.end(); p < scan.unfinishedEnd(); p++) {
      buf.put(p, (byte) 0);
    }
    this.sequence = scan.nextSequence();
  }

  /**
   * Starts epoch {@code epoch} from the beginning of the log, with its first record: the marker
   * naming {@code generation}, the superblock generation that began it.
   */
  void restart(long epoch, long generation) {
    this.epoch = epoch;
    this.position = 0;
    this.sequence = 0;
    begin(generation);
  }

  /**
   * Writes the current epoch's marker, naming {@code generation}, the superblock generation that
   * began it: the first record of the epoch, into a log that holds none of it yet.
   */
  void begin(long generation) {
    byte[] marker = new byte[room(8)];
    Bytes.putLong(marker, HEADER, generation);
    append(Records.EPOCH_START, marker, HEADER + 8);
  }

  /**
   * Appends a record whose header ({@link #HEADER} bytes of any content) and payload are in {@code
   * record[0, length)}; fills in the header, the checksum and the padding (at {@code record[length,
   * size(length))}, which the caller has room for: 12 bytes past {@code length} are enough).
   *
   * @return false, changing nothing, if the log has no room for it
   */
  boolean append(int type, byte[] record, int length) {
    return append(type, record, length, false);
  }

  /**
   * As {@link #append(int, byte[], int)}; {@code more} says that the operation continues in the
   * next record, so that replay takes the records of one operation all or none.
   */
  boolean append(int type, byte[] record, int length, boolean more) {
    int size = size(length);
    if (size > capacity - position) {
      return false;
    }
    Bytes.putInt(record, 0, length);
    record[4] = (byte) type;
    record[5] = (byte) (type >>> 8);
    record[6] = (byte) (more ? MORE : 0);
    record[7] = 0;
    Bytes.putLong(record, 8, epoch);
    Bytes.putLong(record, 16, sequence);
    Bytes.putInt(record, length, Bytes.crc(record, 0, length));
    for (int i = length + 4; i < size; i++) {
      record[i] = 0;
    }
    buf.put(position, record, 0, size);
    position += size;
    sequence++;
    return true;
  }

  /** Room a record of {@code payload} bytes needs in the caller's array. */
  static int room(int payload) {
    return size(HEADER + payload);
  }

  /**
   * Reads the records of {@code epoch} from the start, in sequence, until the first that is not
   * one; then checks that no valid record of this epoch lies beyond (damage followed by valid
   * records is corruption, not a torn tail), and that no record of a newer epoch is anywhere (its
   * superblock would have been lost).
   */
  Scan scan(long epoch) {
    List<Entry> entries = new ArrayList<>();
    int p = 0;
    long seq = 0;
    String torn = null;
    String corruption = null;
    boolean newerEpoch = false;
    while (true) {
      if (capacity - p < HEADER + 4) {
        break;
      }
      long len = buf.getInt(p) & 0xffffffffL;
      long recEpoch = buf.getLong(p + 8);
      boolean lengthFits = len >= HEADER && len + 4 <= capacity - p;
      boolean valid = lengthFits && crcHolds(p, (int) len);
      if (!valid) {
        if (recEpoch == epoch && !allZero(p, HEADER)) {
          torn =
              "log at byte "
                  + (offset + p)
                  + ": record "
                  + seq
                  + " of epoch "
                  + epoch
                  + " is torn (an append the process died in; its operation had not returned)";
        }
        break;
      }
      long recSeq = buf.getLong(p + 16);
      int type = buf.getShort(p + 4) & 0xffff;
      if (recEpoch > epoch) {
        corruption = newer(p, recEpoch, epoch);
        newerEpoch = true;
        break;
      }
      if (recEpoch != epoch) {
        break; // a record of an older epoch: the end
      }
      if (recSeq != seq) {
        corruption =
            "log at byte "
                + (offset + p)
                + ": record of epoch "
                + epoch
                + " has sequence "
                + recSeq
                + " where "
                + seq
                + " belongs";
        break;
      }
      boolean more = (buf.get(p + 6) & MORE) != 0;
      entries.add(new Entry(type, seq, p, p + HEADER, (int) (p + len), more));
      p += size((int) len);
      seq++;
    }
    int end = p;
    if (corruption == null) {
      for (int q = p + 8; q <= capacity - HEADER - 4; q += 8) {
        long recEpoch = buf.getLong(q + 8);
        if (recEpoch < epoch) {
          continue;
        }
        if (isRecordAt(q)) {
          if (recEpoch > epoch) {
            corruption = newer(q, recEpoch, epoch);
            newerEpoch = true;
          } else {
            corruption =
                "log at byte "
                    + (offset + end)
                    + ": record "
                    + seq
                    + " of epoch "
                    + epoch
                    + " is damaged, but record "
                    + buf.getLong(q + 16)
                    + " follows at byte "
                    + (offset + q);
          }
          break;
        }
      }
    }
    int unfinishedEnd = end;
    int whole = entries.size();
    while (whole > 0 && entries.get(whole - 1).more()) {
      whole--;
    }
    if (whole < entries.size() && corruption == null) {
      Entry first = entries.get(whole);
      torn =
          "log at byte "
              + (offset + first.at())
              + ": records "
              + first.sequence()
              + " to "
              + entries.get(entries.size() - 1).sequence()
              + " of epoch "
              + epoch
              + " begin an operation whose last record is missing (the process died in it; it had"
              + " not returned)";
      end = first.at();
      entries = entries.subList(0, whole);
    }
    return new Scan(
        List.copyOf(entries),
        end,
        unfinishedEnd,
        corruption == null ? torn : null,
        corruption,
        newerEpoch);
  }

  /** The highest epoch of any whole record anywhere in the log (0 if none). */
  long maxEpoch() {
    long max = 0;
    for (int q = 0; q <= capacity - HEADER - 4; q += 8) {
      long recEpoch = buf.getLong(q + 8);
      if (recEpoch <= max) {
        continue;
      }
      if (isRecordAt(q)) {
        max = recEpoch;
      }
    }
    return max;
  }

  private String newer(int p, long recEpoch, long epoch) {
    return "log at byte "
        + (offset + p)
        + ": a record of epoch "
        + recEpoch
        + ", newer than the superblock's epoch "
        + epoch
        + " (the newer superblock is damaged)";
  }

  /**
   * Whether a whole record a writer wrote lies at {@code q}, for searches at every 8-byte offset.
   * The header is checked before the checksum: inside stale records a sequence number reads as a
   * plausible length, and checksumming that many bytes at every such offset made a mount of a
   * well-used log take a second.
   */
  private boolean isRecordAt(int q) {
    long len = buf.getInt(q) & 0xffffffffL;
    return len >= HEADER
        && len + 4 <= capacity - q
        && Records.isLogRecord(buf.getShort(q + 4) & 0xffff)
        && (buf.get(q + 6) & ~MORE) == 0
        && buf.get(q + 7) == 0
        && crcHolds(q, (int) len);
  }

  private boolean crcHolds(int p, int len) {
    return buf.getInt(p + len) == Bytes.crc(buf, p, p + len);
  }

  private boolean allZero(int p, int n) {
    for (int i = 0; i < n; i++) {
      if (buf.get(p + i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** A reader of an entry's payload, named in errors as {@code what} and its sequence. */
  Bytes.In payload(Entry e, String what) {
    return new Bytes.In(buf, e.payloadFrom(), e.payloadTo(), what, offset)
        .window(e.payloadFrom(), e.payloadTo(), what, e.sequence());
  }

  /** {@code reader}, reused to read an entry's payload. */
  static Bytes.In payload(Bytes.In reader, Entry e, String what) {
    return reader.window(e.payloadFrom(), e.payloadTo(), what, e.sequence());
  }

  /** A reader over this log's bytes, to reuse for every entry. */
  Bytes.In reader() {
    return new Bytes.In(buf, 0, 0, "log", offset);
  }
}
