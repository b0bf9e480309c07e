package io.daxfs.image;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import io.daxfs.CorruptImageException;
import io.daxfs.fs.MetadataChange;
import io.daxfs.fs.VolumeState;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * Reads an image at rest: superblocks, checkpoint, log, and the state they make. Strict for a
 * mount, where any damage is a {@link CorruptImageException} naming it; tolerant for {@code check},
 * where each problem is listed and reading goes on with what can be trusted (the older superblock,
 * an older or newer checkpoint found by its magic, the log up to its damage, the entries that fit).
 */
final class ImageReader {
  private final Path path;
  private final RandomAccessFile file;
  private final boolean writable;
  private final boolean tolerant;

  /** Damage found (tolerant reads only). */
  final List<String> problems = new ArrayList<>();

  /** What a crash leaves and any mount handles by itself: a torn last record, unnamed inodes. */
  final List<String> notes = new ArrayList<>();

  /** What a tolerant read gave up or changed to go on (it writes nothing unless writable). */
  final List<String> repairs = new ArrayList<>();

  /** The highest log epoch and checkpoint generation seen anywhere, so that none is reused. */
  long maxEpochSeen;

  long maxGenerationSeen;

  ImageReader(Path path, RandomAccessFile file, boolean writable, boolean tolerant) {
    this.path = path;
    this.file = file;
    this.writable = writable;
    this.tolerant = tolerant;
  }

  /**
   * What an image at rest holds: the superblock describing what was read, the state its checkpoint
   * and log make, its log and what a scan of it found.
   */
  record Loaded(
      Superblock superblock,
      VolumeState state,
      RangeSet<Long> poisoned,
      RangeSet<Long> known,
      ImageLog log,
      ImageLog.Scan scan) {}

  private CorruptImageException corrupt(String why) {
    return new CorruptImageException(path.toString(), why);
  }

  /** Damage: refused when strict, listed when tolerant. */
  private void problem(String why) throws CorruptImageException {
    if (!tolerant) {
      throw corrupt(why);
    }
    problems.add(why);
  }

  /**
   * Reads the image.
   *
   * @return what it holds; for a tolerant read that is not writable, {@code null} when the image is
   *     truncated past its metadata (nothing more can be read without extending it)
   * @throws CorruptImageException strict: any damage; tolerant: nothing can be read at all (no
   *     superblock, a newer format, no readable checkpoint)
   */
  Loaded read() throws IOException {
    try {
      return readChecked();
    } catch (RuntimeException | StackOverflowError e) {
      // Every length and count is checked before use; this is the net under those checks, so
      // that no image, however made, fails a mount with anything but a CorruptImageException.
      throw corrupt("checkpoint or log holds metadata that cannot be read: " + e);
    }
  }

  private Loaded readChecked() throws IOException {
    long length = file.length();
    if (length < 2L * Superblock.SLOT_SIZE) {
      throw corrupt(
          "not a daxfs image: "
              + length
              + " bytes, shorter than its two superblocks ("
              + 2 * Superblock.SLOT_SIZE
              + " bytes)");
    }
    Superblock.Read[] slots = new Superblock.Read[2];
    for (int i = 0; i < 2; i++) {
      byte[] b = new byte[Superblock.HEADER_LENGTH];
      synchronized (file) {
        file.seek((long) i * Superblock.SLOT_SIZE);
        file.readFully(b);
      }
      slots[i] = Superblock.decode(b, i);
    }
    for (int i = 0; i < 2; i++) {
      if (slots[i] instanceof Superblock.Future f) {
        throw corrupt(
            Superblock.slotName(i)
                + ": format version "
                + Integer.toUnsignedString(f.version())
                + " is newer than this daxfs reads ("
                + Superblock.VERSION
                + ")");
      }
      if (slots[i] instanceof Superblock.Valid v) {
        String misfit = v.superblock().misfit(Long.MAX_VALUE);
        if (misfit == null && v.superblock().slot() != i) {
          misfit = "generation " + v.superblock().generation() + " belongs in the other slot";
        }
        if (misfit != null) {
          slots[i] = new Superblock.Damaged(misfit);
        }
      }
    }
    int current = -1;
    for (int i = 0; i < 2; i++) {
      if (slots[i] instanceof Superblock.Valid v) {
        maxGenerationSeen = Math.max(maxGenerationSeen, v.superblock().generation());
        maxEpochSeen = Math.max(maxEpochSeen, v.superblock().epoch());
        if (current < 0
            || v.superblock().generation()
                > ((Superblock.Valid) slots[current]).superblock().generation()) {
          current = i;
        }
      }
    }
    if (current < 0) {
      throw corrupt(
          "no valid superblock: "
              + Superblock.slotName(0)
              + ": "
              + describe(slots[0])
              + "; "
              + Superblock.slotName(1)
              + ": "
              + describe(slots[1]));
    }
    Superblock sb = ((Superblock.Valid) slots[current]).superblock();
    int other = 1 - current;
    if (slots[other] instanceof Superblock.Damaged d) {
      String why = Superblock.slotName(other) + " is damaged: " + d.why();
      if (tolerant) {
        problems.add(why);
      } else {
        notes.add(why + "; the other is used");
      }
    }
    if (sb.imageLength() > length) {
      problem(
          "the image is truncated: "
              + length
              + " bytes, but "
              + Superblock.slotName(current)
              + " says "
              + sb.imageLength());
      if (writable) {
        synchronized (file) {
          file.setLength(sb.imageLength());
        }
        long dataEnd = sb.dataOffset() + sb.deviceSize();
        repairs.add(
            "extended the image from "
                + length
                + " to "
                + sb.imageLength()
                + " bytes"
                + (length < dataEnd
                    ? "; device bytes from "
                        + Math.max(0, length - sb.dataOffset())
                        + " on were cut off and read as zeros"
                    : ""));
        length = sb.imageLength();
      } else if (sb.checkpointEnd() > length || sb.logOffset() + sb.logCapacity() > length) {
        return null;
      }
    }
    ImageLog log =
        new ImageLog(
            Image.map(
                file,
                writable ? MapMode.READ_WRITE : MapMode.READ_ONLY,
                sb.logOffset(),
                sb.logCapacity()),
            sb.logOffset());
    if (tolerant) {
      maxEpochSeen = Math.max(maxEpochSeen, log.maxEpoch());
    }
    Checkpoint.Content content = null;
    try {
      content = checkpoint(sb, sb.checkpointOffset(), sb.checkpointLength(), sb.checkpointCrc());
    } catch (FormatException e) {
      problem(e.getMessage());
    }
    ImageLog.Scan scan = log.scan(sb.epoch());
    if (tolerant && (content == null || scan.newerEpoch())) {
      // the newest superblock was lost, or its checkpoint: look for checkpoints by their magic
      Found found = newestCheckpoint(sb, length, content == null ? -1 : sb.generation());
      if (found != null) {
        repairs.add(
            "used checkpoint generation "
                + found.superblock.generation()
                + " at byte "
                + found.superblock.checkpointOffset()
                + (content == null
                    ? " instead of the damaged one"
                    : ", newer than the superblock"));
        sb = found.superblock;
        content = found.content;
        scan = log.scan(sb.epoch());
      }
    }
    if (content == null) {
      throw corrupt(
          "no readable checkpoint: "
              + String.join("; ", problems.isEmpty() ? List.of("none found") : problems));
    }
    if (scan.corruption() != null) {
      problem(scan.corruption());
      repairs.add(
          "dropped the log of epoch "
              + sb.epoch()
              + " from byte "
              + (log.offset() + scan.end())
              + " on ("
              + scan.entries().size()
              + " records before it kept)");
    }
    if (scan.torn() != null) {
      notes.add(scan.torn());
    }
    VolumeState state = content.state();
    RangeSet<Long> poisoned = TreeRangeSet.create(content.poisoned());
    RangeSet<Long> known = TreeRangeSet.create(content.known());
    replay(log, scan, sb, state, poisoned, known);
    List<Long> unnamed = state.removeUnnamed();
    if (!unnamed.isEmpty()) {
      notes.add(
          "inodes "
              + unnamed
              + " were created by an operation that did not finish (no name led to them)");
    }
    checkBlocks(state, sb);
    return new Loaded(sb, state, poisoned, known, log, scan);
  }

  private static String describe(Superblock.Read r) {
    if (r instanceof Superblock.Empty) {
      return "never written";
    } else if (r instanceof Superblock.Damaged d) {
      return d.why();
    }
    return r.toString();
  }

  /** Maps, checks and decodes a checkpoint. */
  private Checkpoint.Content checkpoint(Superblock sb, long offset, long length, int crc)
      throws IOException, FormatException {
    MappedByteBuffer bytes = Image.map(file, MapMode.READ_ONLY, offset, length);
    String region = "checkpoint (generation " + sb.generation() + ") at byte " + offset;
    if (Bytes.crc(bytes, 0, bytes.capacity() - 4) != crc) {
      throw new FormatException(region + ": checksum mismatch with the superblock");
    }
    return Checkpoint.decode(
        bytes,
        bytes.capacity(),
        offset,
        sb.generation(),
        sb.epoch(),
        sb.deviceSize() / sb.blockSize(),
        sb.deviceSize() / sb.sectorSize(),
        tolerant ? problems : null);
  }

  private record Found(Superblock superblock, Checkpoint.Content content) {}

  /**
   * The newest checkpoint in the metadata region that is whole (its own checksum holds) and newer
   * than {@code above}, found by its magic at page boundaries; with the superblock it needs.
   */
  private Found newestCheckpoint(Superblock sb, long fileLength, long above) throws IOException {
    long from = sb.logOffset() + sb.logCapacity();
    TreeMap<Long, long[]> byGeneration = new TreeMap<>(Comparator.reverseOrder());
    byte[] header = new byte[Checkpoint.HEADER];
    for (long at = from; at + Checkpoint.MIN_LENGTH <= fileLength; at += Superblock.PAGE) {
      synchronized (file) {
        file.seek(at);
        file.readFully(header);
      }
      if (!java.util.Arrays.equals(header, 0, 8, Checkpoint.MAGIC, 0, 8)) {
        continue;
      }
      ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
      long generation = h.getLong(8);
      long epoch = h.getLong(16);
      long len = h.getLong(24);
      if (generation > above
          && len >= Checkpoint.MIN_LENGTH
          && len <= Checkpoint.MAX_LENGTH
          && len <= fileLength - at) {
        byGeneration.putIfAbsent(generation, new long[] {at, len, epoch});
      }
    }
    for (var e : byGeneration.entrySet()) {
      long[] c = e.getValue();
      MappedByteBuffer bytes = Image.map(file, MapMode.READ_ONLY, c[0], c[1]);
      int crc = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt((int) c[1] - 4);
      if (crc != Bytes.crc(bytes, 0, (int) c[1] - 4)) {
        continue;
      }
      maxGenerationSeen = Math.max(maxGenerationSeen, e.getKey());
      maxEpochSeen = Math.max(maxEpochSeen, c[2]);
      Superblock found =
          sb.withCheckpoint(
              e.getKey(), c[0], c[1], crc, c[2], Math.max(sb.imageLength(), c[0] + c[1]));
      try {
        return new Found(found, checkpoint(found, c[0], c[1], crc));
      } catch (FormatException unreadable) {
        problems.add(unreadable.getMessage());
      }
    }
    return null;
  }

  private void replay(
      ImageLog log,
      ImageLog.Scan scan,
      Superblock sb,
      VolumeState state,
      RangeSet<Long> poisoned,
      RangeSet<Long> known)
      throws CorruptImageException {
    long sectors = sb.deviceSize() / sb.sectorSize();
    Bytes.In reader = log.reader();
    String records = "log (epoch " + sb.epoch() + ") record";
    for (ImageLog.Entry e : scan.entries()) {
      Bytes.In in = ImageLog.payload(reader, e, records);
      int type = e.type();
      try {
        if (type == Records.EPOCH_START) {
          long generation = in.u64();
          if (e.sequence() != 0 || generation != sb.generation() || in.remaining() != 0) {
            throw in.error("an epoch start that does not fit the superblock");
          }
        } else if (Records.isMetadata(type) || type == Records.CHANGES) {
          // all of an operation's changes are decoded before any is applied
          List<MetadataChange> changes =
              type == Records.CHANGES
                  ? Records.decodeChanges(in)
                  : List.of(Records.decode(type, in));
          try {
            for (MetadataChange c : changes) {
              state.apply(c);
            }
          } catch (IllegalArgumentException x) {
            throw new FormatException(
                records
                    + " "
                    + e.sequence()
                    + " at byte "
                    + (log.offset() + e.at())
                    + ": "
                    + x.getMessage());
          }
        } else if (Records.isMedia(type)) {
          long[] r = Records.decodeSectors(type, in, sectors);
          Range<Long> range = Range.closedOpen(r[0], r[1]);
          switch (type) {
            case Records.POISON_ADDED -> poisoned.add(range);
            case Records.POISON_REMOVED -> poisoned.remove(range);
            case Records.KNOWN_ADDED -> known.add(range);
            default -> known.remove(range);
          }
        } else {
          throw in.error("unknown record type " + type);
        }
      } catch (FormatException x) {
        problem(x.getMessage());
        repairs.add("dropped " + records + " " + e.sequence());
      }
    }
  }

  /**
   * Checks that every block lies on the device and belongs to one file; a tolerant read takes the
   * offending extents away from the file that claims them (the inode with the higher number).
   */
  private void checkBlocks(VolumeState state, Superblock sb) throws CorruptImageException {
    long deviceBlocks = sb.deviceSize() / sb.blockSize();
    List<long[]> claims = new ArrayList<>(); // physical, count, inode, logical
    List<VolumeState.Node> nodes = new ArrayList<>(state.nodes());
    nodes.sort(Comparator.comparingLong(VolumeState.Node::id));
    for (VolumeState.Node n : nodes) {
      for (long[] e : n.extentList()) {
        claims.add(new long[] {e[1], e[2], n.id(), e[0]});
      }
    }
    claims.sort(Comparator.comparingLong(c -> c[0]));
    long end = 0;
    long endOwner = -1;
    for (long[] c : claims) {
      String bad = null;
      if (c[0] < 0 || c[1] <= 0 || c[0] > deviceBlocks - c[1]) {
        bad = "outside the device (" + deviceBlocks + " blocks)";
      } else if (c[0] < end) {
        bad = "also held by inode " + endOwner;
      }
      if (bad != null) {
        problem(
            "metadata of checkpoint generation "
                + sb.generation()
                + " and log epoch "
                + sb.epoch()
                + ": inode "
                + c[2]
                + " holds blocks "
                + c[0]
                + "+"
                + c[1]
                + " "
                + bad);
        state.apply(new MetadataChange.ExtentsRemoved(c[2], c[3], c[3] + c[1]));
        repairs.add(
            "inode "
                + c[2]
                + " lost its blocks "
                + c[0]
                + "+"
                + c[1]
                + " (file bytes from "
                + c[3] * sb.blockSize()
                + " now a hole)");
        continue;
      }
      if (c[0] + c[1] > end) {
        end = c[0] + c[1];
        endOwner = c[2];
      }
    }
  }
}
