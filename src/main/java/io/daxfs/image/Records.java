package io.daxfs.image;

import io.daxfs.device.MediaJournal;
import io.daxfs.fs.Inode;
import io.daxfs.fs.MetadataChange;
import io.daxfs.fs.MetadataChange.AttributesSet;
import io.daxfs.fs.MetadataChange.Created;
import io.daxfs.fs.MetadataChange.ExtentAdded;
import io.daxfs.fs.MetadataChange.ExtentsRemoved;
import io.daxfs.fs.MetadataChange.Linked;
import io.daxfs.fs.MetadataChange.Renamed;
import io.daxfs.fs.MetadataChange.Resized;
import io.daxfs.fs.MetadataChange.Unlinked;
import java.util.ArrayList;
import java.util.List;

/**
 * The payloads of log records and checkpoint entries (format version 1; {@code
 * docs/image-format.md} lists them): metadata changes, media-state changes, and the markers of the
 * log.
 */
final class Records {
  private Records() {}

  static final int CREATED = 1;
  static final int LINKED = 2;
  static final int UNLINKED = 3;
  static final int RENAMED = 4;
  static final int ATTRIBUTES = 5;
  static final int EXTENT_ADDED = 6;
  static final int EXTENTS_REMOVED = 7;
  static final int RESIZED = 8;

  /**
   * The changes of one operation in one log record, each as a checkpoint entry: replay takes them
   * all or none, as the records of an operation chained by {@link ImageLog#MORE}, with one header
   * and one checksum.
   */
  static final int CHANGES = 9;

  /** Bytes before a change's payload in a checkpoint entry or a {@link #CHANGES} record. */
  static final int ENTRY_HEADER = 8;

  static final int POISON_ADDED = 16;
  static final int POISON_REMOVED = 17;
  static final int KNOWN_ADDED = 18;
  static final int KNOWN_REMOVED = 19;

  /** The first record of each log epoch: the superblock generation that began it. */
  static final int EPOCH_START = 32;

  /** Longest name of a directory entry, in UTF-8 bytes (Linux's NAME_MAX). */
  static final int MAX_NAME_BYTES = 255;

  static int typeOf(MetadataChange c) {
    if (c instanceof Created) {
      return CREATED;
    } else if (c instanceof Linked) {
      return LINKED;
    } else if (c instanceof Unlinked) {
      return UNLINKED;
    } else if (c instanceof Renamed) {
      return RENAMED;
    } else if (c instanceof AttributesSet) {
      return ATTRIBUTES;
    } else if (c instanceof ExtentAdded) {
      return EXTENT_ADDED;
    } else if (c instanceof ExtentsRemoved) {
      return EXTENTS_REMOVED;
    } else if (c instanceof Resized) {
      return RESIZED;
    }
    throw new AssertionError(c);
  }

  static int typeOf(MediaJournal.Kind kind) {
    return switch (kind) {
      case POISON_ADDED -> POISON_ADDED;
      case POISON_REMOVED -> POISON_REMOVED;
      case KNOWN_ADDED -> KNOWN_ADDED;
      case KNOWN_REMOVED -> KNOWN_REMOVED;
    };
  }

  static boolean isMedia(int type) {
    return type >= POISON_ADDED && type <= KNOWN_REMOVED;
  }

  static boolean isMetadata(int type) {
    return type >= CREATED && type <= RESIZED;
  }

  /** Whether a log record may have this type: a writer writes no other. */
  static boolean isLogRecord(int type) {
    return isMetadata(type) || isMedia(type) || type == CHANGES || type == EPOCH_START;
  }

  static String name(int type) {
    return switch (type) {
      case CREATED -> "CREATED";
      case LINKED -> "LINKED";
      case UNLINKED -> "UNLINKED";
      case RENAMED -> "RENAMED";
      case ATTRIBUTES -> "ATTRIBUTES";
      case EXTENT_ADDED -> "EXTENT_ADDED";
      case EXTENTS_REMOVED -> "EXTENTS_REMOVED";
      case RESIZED -> "RESIZED";
      case CHANGES -> "CHANGES";
      case POISON_ADDED -> "POISON_ADDED";
      case POISON_REMOVED -> "POISON_REMOVED";
      case KNOWN_ADDED -> "KNOWN_ADDED";
      case KNOWN_REMOVED -> "KNOWN_REMOVED";
      case EPOCH_START -> "EPOCH_START";
      default -> "type " + type;
    };
  }

  private static int kindCode(Inode.Kind k) {
    return switch (k) {
      case REGULAR_FILE -> 1;
      case DIRECTORY -> 2;
      case SYMBOLIC_LINK -> 3;
    };
  }

  static void encode(MetadataChange change, Bytes.Out out) {
    if (change instanceof Created c) {
      out.u64(c.inode()).u8(kindCode(c.kind())).u32(c.permissions());
      out.str(c.owner()).str(c.group()).u64(c.time());
      if (c.target() != null) {
        out.str(c.target());
      }
    } else if (change instanceof Linked l) {
      out.u64(l.directory()).str(l.name()).u64(l.target());
    } else if (change instanceof Unlinked u) {
      out.u64(u.directory()).str(u.name()).u64(u.target());
    } else if (change instanceof Renamed r) {
      out.u64(r.fromDirectory()).str(r.fromName()).u64(r.toDirectory()).str(r.toName());
      out.u64(r.target());
    } else if (change instanceof AttributesSet a) {
      out.u64(a.inode()).u32(a.permissions()).str(a.owner()).str(a.group());
      out.u64(a.lastModifiedTime()).u64(a.lastAccessTime()).u64(a.creationTime());
      out.u64(a.changeTime());
    } else if (change instanceof ExtentAdded e) {
      out.u64(e.inode()).u64(e.logical()).u64(e.physical()).u64(e.count());
    } else if (change instanceof ExtentsRemoved e) {
      out.u64(e.inode()).u64(e.fromLogical()).u64(e.toLogical());
    } else if (change instanceof Resized r) {
      out.u64(r.inode()).u64(r.size());
    } else {
      throw new AssertionError(change);
    }
  }

  /**
   * Encodes {@code changes} as checkpoint entries ({@code u32} entry length, {@code u16} type,
   * {@code u16} 0, payload), as a checkpoint and a {@link #CHANGES} payload hold them.
   */
  static void encodeChanges(List<? extends MetadataChange> changes, Bytes.Out out) {
    for (int i = 0; i < changes.size(); i++) {
      MetadataChange c = changes.get(i);
      int start = out.position();
      out.u32(0).u16(typeOf(c)).u16(0);
      encode(c, out);
      out.putU32At(start, out.position() - start);
    }
  }

  /**
   * Decodes a {@link #CHANGES} payload, which must end exactly at the reader's end and hold at
   * least two changes, each a metadata change whose entry length fits the record.
   */
  static List<MetadataChange> decodeChanges(Bytes.In in) throws FormatException {
    int end = in.end();
    List<MetadataChange> changes = new ArrayList<>(2);
    while (in.position() < end) {
      int at = in.position();
      int len = in.u32();
      int type = in.u16();
      int reserved = in.u16();
      if (len < ENTRY_HEADER || len - ENTRY_HEADER > end - in.position() || reserved != 0) {
        in.seek(at);
        throw in.error(
            "CHANGES: change "
                + changes.size()
                + " has length "
                + Integer.toUnsignedString(len)
                + (reserved != 0 ? " and reserved bits " + reserved : "")
                + ", which does not fit the "
                + (end - at)
                + " bytes left");
      }
      if (!isMetadata(type)) {
        in.seek(at);
        throw in.error("CHANGES: change " + changes.size() + " has " + name(type));
      }
      in.limit(at + len);
      changes.add(decode(type, in));
      in.limit(end);
    }
    if (changes.size() < 2) {
      throw in.error("CHANGES holds " + changes.size() + " change(s); at least two belong");
    }
    return changes;
  }

  /**
   * Decodes a metadata change of {@code type}; the payload must end exactly at the reader's end.
   */
  static MetadataChange decode(int type, Bytes.In in) throws FormatException {
    MetadataChange c;
    try {
      c =
          switch (type) {
            case CREATED -> {
              long inode = in.u64();
              int kind = in.u8();
              Inode.Kind k =
                  switch (kind) {
                    case 1 -> Inode.Kind.REGULAR_FILE;
                    case 2 -> Inode.Kind.DIRECTORY;
                    case 3 -> Inode.Kind.SYMBOLIC_LINK;
                    default -> throw in.error("unknown inode kind " + kind);
                  };
              int permissions = permissions(in);
              String owner = in.str("owner");
              String group = in.str("group");
              long time = in.u64();
              String target = k == Inode.Kind.SYMBOLIC_LINK ? in.str("link target") : null;
              yield new Created(inode, k, permissions, owner, group, time, target);
            }
            case LINKED -> new Linked(in.u64(), name(in), in.u64());
            case UNLINKED -> new Unlinked(in.u64(), name(in), in.u64());
            case RENAMED -> new Renamed(in.u64(), name(in), in.u64(), name(in), in.u64());
            case ATTRIBUTES ->
                new AttributesSet(
                    in.u64(),
                    permissions(in),
                    in.str("owner"),
                    in.str("group"),
                    in.u64(),
                    in.u64(),
                    in.u64(),
                    in.u64());
            case EXTENT_ADDED -> new ExtentAdded(in.u64(), block(in), block(in), block(in));
            case EXTENTS_REMOVED -> new ExtentsRemoved(in.u64(), block(in), in.u64());
            case RESIZED -> new Resized(in.u64(), in.u64());
            default -> throw in.error("unknown record type " + type);
          };
    } catch (IllegalArgumentException e) {
      throw in.error(name(type) + ": " + e.getMessage());
    }
    if (in.remaining() != 0) {
      throw in.error(name(type) + " has " + in.remaining() + " bytes more than it holds");
    }
    return c;
  }

  /** No block number or count reaches this: sums of two never overflow. */
  static final long MAX_BLOCKS = 1L << 52;

  private static long block(Bytes.In in) throws FormatException {
    long b = in.u64();
    if (b < 0 || b > MAX_BLOCKS) {
      throw in.error("block number or count " + Long.toUnsignedString(b) + " out of range");
    }
    return b;
  }

  private static int permissions(Bytes.In in) throws FormatException {
    int p = in.u32();
    if ((p & ~07777) != 0) {
      throw in.error("permission bits out of range: " + Integer.toOctalString(p));
    }
    return p;
  }

  private static String name(Bytes.In in) throws FormatException {
    String n = in.str("name");
    if (n.isEmpty()
        || n.equals(".")
        || n.equals("..")
        || n.indexOf('/') >= 0
        || n.indexOf('\0') >= 0
        || n.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw in.error("not a valid name: '" + n.replace("\0", "\\0") + "'");
    }
    return n;
  }

  /** A media change's sectors {@code [from, to)}, checked against the device. */
  static long[] decodeSectors(int type, Bytes.In in, long sectorCount) throws FormatException {
    long from = in.u64();
    long to = in.u64();
    if (from < 0 || to <= from || to > sectorCount) {
      throw in.error(
          name(type)
              + ": sectors ["
              + from
              + ", "
              + to
              + ") outside the device ("
              + sectorCount
              + " sectors)");
    }
    if (in.remaining() != 0) {
      throw in.error(name(type) + " has " + in.remaining() + " bytes more than it holds");
    }
    return new long[] {from, to};
  }
}
