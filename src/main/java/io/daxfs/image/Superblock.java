package io.daxfs.image;

import io.daxfs.MediaErrorModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One superblock slot (format version 1): the geometry, where the regions lie, the current
 * checkpoint and log epoch, and a CRC32C of its own bytes. The two slots alternate by generation;
 * the valid one with the higher generation is current.
 */
record Superblock(
    long generation,
    long deviceSize,
    int blockSize,
    int sectorSize,
    MediaErrorModel model,
    long dataOffset,
    long logOffset,
    long logCapacity,
    long checkpointOffset,
    long checkpointLength,
    int checkpointCrc,
    long epoch,
    long imageLength) {

  static final byte[] MAGIC = "DAXFSIMG".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;

  /** Bytes of a slot; slot {@code i} starts at {@code i * SLOT_SIZE}. */
  static final int SLOT_SIZE = 4096;

  /** Bytes of a slot the header uses, the last four its CRC32C. */
  static final int HEADER_LENGTH = 128;

  static final int CRC_AT = HEADER_LENGTH - 4;

  /** Where the data region starts in images this version makes; readers take the slot's. */
  static final long DATA_OFFSET = 64 << 10;

  /** The page size every region is aligned to. */
  static final long PAGE = 4096;

  static int modelCode(MediaErrorModel m) {
    return switch (m) {
      case DIRECT_BYPASS -> 0;
      case CLEAR_ON_ZERO -> 1;
      case RECOVERY_WRITE -> 2;
    };
  }

  static MediaErrorModel model(int code) {
    return switch (code) {
      case 0 -> MediaErrorModel.DIRECT_BYPASS;
      case 1 -> MediaErrorModel.CLEAR_ON_ZERO;
      case 2 -> MediaErrorModel.RECOVERY_WRITE;
      default -> null;
    };
  }

  static String slotName(int slot) {
    return "superblock " + (slot == 0 ? "A" : "B") + " (byte " + (long) slot * SLOT_SIZE + ")";
  }

  /** The slot this superblock is written to: generations alternate between the two. */
  int slot() {
    return (int) (generation & 1);
  }

  /**
   * A superblock of this one's geometry and layout that names another checkpoint: generation {@code
   * generation} at {@code offset}, followed by log epoch {@code epoch}, in an image of {@code
   * imageLength} bytes.
   */
  Superblock withCheckpoint(
      long generation, long offset, long length, int crc, long epoch, long imageLength) {
    return new Superblock(
        generation,
        deviceSize,
        blockSize,
        sectorSize,
        model,
        dataOffset,
        logOffset,
        logCapacity,
        offset,
        length,
        crc,
        epoch,
        imageLength);
  }

  /** The end of the checkpoint, for placing the next one. */
  long checkpointEnd() {
    return checkpointOffset + checkpointLength;
  }

  byte[] encode() {
    Bytes.Out out = new Bytes.Out(HEADER_LENGTH);
    for (byte b : MAGIC) {
      out.u8(b);
    }
    out.u32(VERSION).u32(HEADER_LENGTH).u64(generation).u64(deviceSize);
    out.u32(blockSize).u32(sectorSize).u32(modelCode(model)).u32(0);
    out.u64(dataOffset).u64(logOffset).u64(logCapacity);
    out.u64(checkpointOffset).u64(checkpointLength).u32(checkpointCrc).u32(0);
    out.u64(epoch).u64(imageLength);
    out.zeros(CRC_AT - out.position());
    byte[] b = java.util.Arrays.copyOf(out.array(), HEADER_LENGTH);
    Bytes.putInt(b, CRC_AT, Bytes.crc(b, 0, CRC_AT));
    return b;
  }

  /** What a slot's bytes hold. */
  sealed interface Read {}

  /** A slot of zeros: never written. */
  record Empty() implements Read {}

  /** A slot whose magic says daxfs but whose version is newer than this one reads. */
  record Future(int version) implements Read {}

  /** A slot that is damaged: why. */
  record Damaged(String why) implements Read {}

  /** A valid slot (its checksum holds; whether its regions fit the file is checked later). */
  record Valid(Superblock superblock) implements Read {}

  /** Reads slot {@code slot} from its {@value #HEADER_LENGTH} bytes. */
  static Read decode(byte[] bytes, int slot) {
    boolean zero = true;
    for (byte b : bytes) {
      zero &= b == 0;
    }
    if (zero) {
      return new Empty();
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes[i] != MAGIC[i]) {
        return new Damaged("no daxfs magic (DAXFSIMG)");
      }
    }
    int version = b.getInt(8);
    if (version != VERSION) {
      if (Integer.compareUnsigned(version, VERSION) > 0) {
        return new Future(version);
      }
      return new Damaged("format version " + version + " is not one daxfs ever wrote");
    }
    int crc = b.getInt(CRC_AT);
    if (crc != Bytes.crc(bytes, 0, CRC_AT) || b.getInt(12) != HEADER_LENGTH) {
      return new Damaged("checksum mismatch");
    }
    MediaErrorModel model = model(b.getInt(40));
    if (model == null) {
      return new Damaged("unknown media-error model code " + b.getInt(40));
    }
    return new Valid(
        new Superblock(
            b.getLong(16),
            b.getLong(24),
            b.getInt(32),
            b.getInt(36),
            model,
            b.getLong(48),
            b.getLong(56),
            b.getLong(64),
            b.getLong(72),
            b.getLong(80),
            b.getInt(88),
            b.getLong(96),
            b.getLong(104)));
  }

  /**
   * Why this superblock cannot describe an image of {@code fileLength} bytes, or {@code null} when
   * it can: every region inside the file, aligned, in order and of sane size.
   */
  String misfit(long fileLength) {
    try {
      if (generation < 0 || epoch < 0) {
        return "negative generation or epoch";
      }
      if (blockSize < 512
          || blockSize > 65536
          || Integer.bitCount(blockSize) != 1
          || (sectorSize != 512 && sectorSize != 4096)
          || blockSize < sectorSize) {
        return "impossible geometry: block size " + blockSize + ", sector size " + sectorSize;
      }
      if (deviceSize < 16L * blockSize || deviceSize > (1L << 50) || deviceSize % blockSize != 0) {
        return "impossible device size " + deviceSize;
      }
      if (dataOffset < 2L * SLOT_SIZE || dataOffset % PAGE != 0 || dataOffset > (1L << 30)) {
        return "data offset " + dataOffset + " is not a page-aligned offset past the superblocks";
      }
      long dataEnd = Math.addExact(dataOffset, deviceSize);
      if (logOffset < dataEnd || logOffset % PAGE != 0 || logOffset - dataEnd > (1L << 30)) {
        return "log offset "
            + logOffset
            + " does not follow the data region (ends at "
            + dataEnd
            + ")";
      }
      if (logCapacity < ImageLog.MIN_CAPACITY
          || logCapacity > ImageLog.MAX_CAPACITY
          || logCapacity % PAGE != 0) {
        return "log capacity " + logCapacity + " out of range";
      }
      long logEnd = Math.addExact(logOffset, logCapacity);
      if (checkpointOffset < logEnd || checkpointOffset % PAGE != 0) {
        return "checkpoint offset "
            + checkpointOffset
            + " does not follow the log (ends at "
            + logEnd
            + ")";
      }
      if (checkpointLength < Checkpoint.MIN_LENGTH || checkpointLength > Checkpoint.MAX_LENGTH) {
        return "checkpoint length " + checkpointLength + " out of range";
      }
      long end = Math.addExact(checkpointOffset, checkpointLength);
      if (end > imageLength) {
        return "checkpoint ends at byte "
            + end
            + ", past the image length "
            + imageLength
            + " it records";
      }
      if (imageLength > fileLength) {
        return "the image is truncated: "
            + fileLength
            + " bytes, but the superblock says "
            + imageLength;
      }
      return null;
    } catch (ArithmeticException overflow) {
      return "a region's end overflows";
    }
  }
}
