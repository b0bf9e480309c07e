package io.daxfs.image;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/** Little-endian encoding and bounds-checked decoding of the image's structures. */
final class Bytes {
  private Bytes() {}

  static int crc(ByteBuffer buf, int from, int to) {
    CRC32C crc = new CRC32C();
    ByteBuffer b = buf.duplicate();
    b.limit(to).position(from);
    crc.update(b);
    return (int) crc.getValue();
  }

  static int crc(byte[] buf, int from, int to) {
    CRC32C crc = new CRC32C();
    crc.update(buf, from, to - from);
    return (int) crc.getValue();
  }

  /** A growable little-endian writer on a heap array. */
  static final class Out {
    private byte[] buf;
    private int pos;

    Out(int capacity) {
      buf = new byte[Math.max(64, capacity)];
    }

    int position() {
      return pos;
    }

    void position(int p) {
      pos = p;
    }

    byte[] array() {
      return buf;
    }

    void reset() {
      pos = 0;
    }

    private void need(int n) {
      if (pos + n > buf.length) {
        long want = Math.max((long) buf.length * 2, (long) pos + n);
        if (want > Integer.MAX_VALUE - 16) {
          throw new IllegalStateException("metadata too large to encode: " + want + " bytes");
        }
        buf = Arrays.copyOf(buf, (int) want);
      }
    }

    Out u8(int v) {
      need(1);
      buf[pos++] = (byte) v;
      return this;
    }

    Out u16(int v) {
      need(2);
      buf[pos++] = (byte) v;
      buf[pos++] = (byte) (v >>> 8);
      return this;
    }

    Out u32(int v) {
      need(4);
      putInt(buf, pos, v);
      pos += 4;
      return this;
    }

    Out u64(long v) {
      need(8);
      putLong(buf, pos, v);
      pos += 8;
      return this;
    }

    Out str(String s) {
      int n = s.length();
      if (n <= 64) { // names, owners: ASCII is UTF-8 as it is, with no array to make
        need(4 + n);
        int at = pos + 4;
        int i = 0;
        for (; i < n; i++) {
          char c = s.charAt(i);
          if (c >= 0x80) {
            break;
          }
          buf[at + i] = (byte) c;
        }
        if (i == n) {
          putInt(buf, pos, n);
          pos = at + n;
          return this;
        }
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      u32(b.length);
      need(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
      return this;
    }

    /** Leaves {@code n} bytes, whatever they hold, for the caller to fill in later. */
    Out skip(int n) {
      need(n);
      pos += n;
      return this;
    }

    /** Makes room for {@code n} more bytes past the position, which stays. */
    void room(int n) {
      need(n);
    }

    Out zeros(int n) {
      need(n);
      Arrays.fill(buf, pos, pos + n, (byte) 0);
      pos += n;
      return this;
    }

    void putU32At(int at, int v) {
      putInt(buf, at, v);
    }
  }

  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  static void putInt(byte[] b, int at, int v) {
    INT.set(b, at, v);
  }

  static void putLong(byte[] b, int at, long v) {
    LONG.set(b, at, v);
  }

  /**
   * A bounds-checked little-endian reader over {@code [from, to)} of a buffer; errors name the
   * region and the byte offset in the image ({@code base} is the image offset of buffer index 0).
   */
  static final class In {
    private final ByteBuffer buf;
    private String region;
    private long item = -1;
    private final long base;
    private int end;
    private int pos;

    In(ByteBuffer buf, int from, int to, String region, long base) {
      this.buf = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      this.region = region;
      this.base = base;
      this.pos = from;
      this.end = to;
    }

    /**
     * Reads {@code [from, to)} of the same buffer from now on, as item {@code item} of {@code
     * region} (named in errors only, so that reading many small items builds no text).
     */
    In window(int from, int to, String region, long item) {
      this.pos = from;
      this.end = to;
      this.region = region;
      this.item = item;
      return this;
    }

    int position() {
      return pos;
    }

    int remaining() {
      return end - pos;
    }

    int end() {
      return end;
    }

    /** Reads up to {@code to} from now on (the caller keeps it within the window). */
    void limit(int to) {
      end = to;
    }

    /** Goes back (or on) to {@code p}, for an error that names where an item begins. */
    void seek(int p) {
      pos = p;
    }

    long imageOffset() {
      return base + pos;
    }

    FormatException error(String what) {
      return new FormatException(
          region + (item >= 0 ? " " + item : "") + " at byte " + (base + pos) + ": " + what);
    }

    private void need(int n) throws FormatException {
      if (n < 0 || end - pos < n) {
        throw error("ends early: " + n + " bytes needed, " + (end - pos) + " left");
      }
    }

    int u8() throws FormatException {
      need(1);
      return buf.get(pos++) & 0xff;
    }

    int u16() throws FormatException {
      need(2);
      int v = buf.getShort(pos) & 0xffff;
      pos += 2;
      return v;
    }

    int u32() throws FormatException {
      need(4);
      int v = buf.getInt(pos);
      pos += 4;
      return v;
    }

    long u64() throws FormatException {
      need(8);
      long v = buf.getLong(pos);
      pos += 8;
      return v;
    }

    /** A count or length: non-negative and at most {@code max}. */
    long count(String what, long max) throws FormatException {
      long v = u64();
      if (v < 0 || v > max) {
        pos -= 8;
        throw error(what + " " + Long.toUnsignedString(v) + " out of range (at most " + max + ")");
      }
      return v;
    }

    String str(String what) throws FormatException {
      int n = u32();
      if (n < 0 || n > end - pos) {
        pos -= 4;
        throw error(
            what
                + " length "
                + Integer.toUnsignedString(n)
                + " runs past the end ("
                + (end - pos - 4)
                + " bytes left)");
      }
      byte[] b = new byte[n];
      buf.get(pos, b);
      boolean ascii = true;
      for (byte x : b) {
        ascii &= x >= 0;
      }
      if (ascii) { // the common case, valid UTF-8 as it is
        pos += n;
        return new String(b, StandardCharsets.ISO_8859_1);
      }
      try {
        String s =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(b))
                .toString();
        pos += n;
        return s;
      } catch (CharacterCodingException e) {
        throw error(what + " is not UTF-8");
      }
    }

    void skip(int n) throws FormatException {
      need(n);
      pos += n;
    }
  }
}
