package io.daxfs.image;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import io.daxfs.fs.Inode;
import io.daxfs.fs.MetadataChange;
import io.daxfs.fs.VolumeState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A checkpoint (format version 1): the whole metadata and media state at one moment, as entries
 * that rebuild it from nothing, with a CRC32C of all its bytes at its end.
 */
final class Checkpoint {
  static final byte[] MAGIC = "DAXFSCKP".getBytes(StandardCharsets.US_ASCII);
  static final int HEADER = 48;
  static final long MIN_LENGTH = HEADER + 4;

  /** Largest checkpoint this version reads: about ten million files. */
  static final long MAX_LENGTH = 1L << 30;

  /** The state a checkpoint holds. */
  record Content(VolumeState state, RangeSet<Long> poisoned, RangeSet<Long> known) {}

  private Checkpoint() {}

  /** Encodes a checkpoint of generation {@code generation}, followed by log epoch {@code epoch}. */
  static byte[] encode(
      long generation,
      long epoch,
      List<MetadataChange> changes,
      long nextInode,
      RangeSet<Long> poisoned,
      RangeSet<Long> known) {
    Bytes.Out out = new Bytes.Out(HEADER + changes.size() * 48 + 64);
    for (byte b : MAGIC) {
      out.u8(b);
    }
    out.u64(generation).u64(epoch).u64(0).u64(nextInode);
    long count =
        changes.size() + (long) poisoned.asRanges().size() + (long) known.asRanges().size();
    out.u64(count);
    Records.encodeChanges(changes, out);
    media(out, Records.POISON_ADDED, poisoned);
    media(out, Records.KNOWN_ADDED, known);
    int end = out.position();
    Bytes.putLong(out.array(), 24, end + 4L);
    out.u32(Bytes.crc(out.array(), 0, end));
    return java.util.Arrays.copyOf(out.array(), out.position());
  }

  private static void media(Bytes.Out out, int type, RangeSet<Long> set) {
    for (Range<Long> r : set.asRanges()) {
      out.u32(Records.ENTRY_HEADER + 16)
          .u16(type)
          .u16(0)
          .u64(r.lowerEndpoint())
          .u64(r.upperEndpoint());
    }
  }

  /**
   * Decodes and checks a checkpoint: its checksum, its generation, epoch and length, every entry,
   * and that the state fits together (names, inodes, a root directory). Blocks are checked by the
   * caller, after the log.
   *
   * @param buf the checkpoint's bytes at {@code [0, length)}
   * @param offset where it lies in the image, for messages
   * @param tolerate where entries that do not fit are noted and skipped, or null to refuse them
   */
  static Content decode(
      ByteBuffer buf,
      int length,
      long offset,
      long generation,
      long epoch,
      long deviceBlocks,
      long sectorCount,
      List<String> tolerate)
      throws FormatException {
    String region = "checkpoint (generation " + generation + ")";
    Bytes.In in = new Bytes.In(buf, 0, length, region, offset);
    if (length < MIN_LENGTH) {
      throw in.error("only " + length + " bytes long");
    }
    int stored = buf.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(length - 4);
    if (stored != Bytes.crc(buf, 0, length - 4)) {
      throw new FormatException(region + " at byte " + offset + ": checksum mismatch");
    }
    in = new Bytes.In(buf, 0, length - 4, region, offset);
    for (byte b : MAGIC) {
      if (in.u8() != (b & 0xff)) {
        throw new FormatException(region + " at byte " + offset + ": no checkpoint magic");
      }
    }
    long gen = in.u64();
    if (gen != generation) {
      throw new FormatException(
          region + " at byte " + offset + ": holds generation " + gen + ", not the superblock's");
    }
    long ownEpoch = in.u64();
    long ownLength = in.u64();
    if (ownEpoch != epoch || ownLength != length) {
      throw new FormatException(
          region
              + " at byte "
              + offset
              + ": says epoch "
              + ownEpoch
              + " and length "
              + ownLength
              + ", the superblock "
              + epoch
              + " and "
              + length);
    }
    long nextInode = in.u64();
    long count = in.count("entry count", (length - HEADER) / Records.ENTRY_HEADER);
    VolumeState state = VolumeState.blank();
    RangeSet<Long> poisoned = TreeRangeSet.create();
    RangeSet<Long> known = TreeRangeSet.create();
    String entries = region + " entry";
    Bytes.In entry = new Bytes.In(buf, 0, 0, entries, offset);
    for (long i = 0; i < count; i++) {
      int at = in.position();
      long entryOffset = in.imageOffset();
      int len = in.u32();
      int type = in.u16();
      int reserved = in.u16();
      if (len < Records.ENTRY_HEADER
          || len - Records.ENTRY_HEADER > in.remaining()
          || reserved != 0) {
        throw new FormatException(
            region + " entry " + i + " at byte " + entryOffset + ": bad length " + len);
      }
      entry.window(at + Records.ENTRY_HEADER, at + len, entries, i);
      try {
        if (Records.isMetadata(type)) {
          MetadataChange c = Records.decode(type, entry);
          try {
            state.apply(c);
          } catch (IllegalArgumentException e) {
            throw new FormatException(
                region + " entry " + i + " at byte " + entryOffset + ": " + e.getMessage());
          }
        } else if (type == Records.POISON_ADDED || type == Records.KNOWN_ADDED) {
          long[] r = Records.decodeSectors(type, entry, sectorCount);
          (type == Records.POISON_ADDED ? poisoned : known).add(Range.closedOpen(r[0], r[1]));
        } else {
          throw new FormatException(
              region
                  + " entry "
                  + i
                  + " at byte "
                  + entryOffset
                  + ": unexpected "
                  + Records.name(type));
        }
      } catch (FormatException e) {
        if (tolerate == null) {
          throw e;
        }
        tolerate.add(e.getMessage() + " (entry dropped)");
      }
      in.skip(len - Records.ENTRY_HEADER);
    }
    if (in.remaining() != 0) {
      throw in.error(in.remaining() + " bytes after the last entry");
    }
    checkRoot(state, region, offset);
    state.reserveIdsBelow(nextInode);
    return new Content(state, poisoned, known);
  }

  /** A state needs a root directory; blocks are checked apart (they may be repaired). */
  private static void checkRoot(VolumeState state, String region, long offset)
      throws FormatException {
    VolumeState.Node root = state.node(VolumeState.ROOT);
    if (root == null || root.kind() != Inode.Kind.DIRECTORY) {
      throw new FormatException(region + " at byte " + offset + ": no root directory");
    }
  }
}
