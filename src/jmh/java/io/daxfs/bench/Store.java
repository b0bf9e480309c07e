package io.daxfs.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Positional read and write, as every contender offers them. The benchmarks call through this one
 * type so that all contenders run the same harness code. A fork of {@link PositionalIo}
 * instantiates a single implementation, so the call is monomorphic and inlined; the paired
 * benchmarks' {@link PairedIo} calls each side's from a call site of its own, to the same end.
 */
abstract class Store {
  /** Reads into {@code dst} (from its position, advanced) from {@code pos}: {@code pread}. */
  abstract int read(ByteBuffer dst, long pos) throws IOException;

  /** Writes {@code src} (from its position, advanced) at {@code pos}: {@code pwrite}. */
  abstract int write(ByteBuffer src, long pos) throws IOException;

  static Store of(Fixture f) {
    return f.device != null ? new Raw(f.device) : new Channel(f.channel);
  }

  /**
   * The limit: one absolute bulk copy between the device buffer and the caller's, with the
   * end-of-file clamp and position update a {@code pread} has. Absolute copies leave the shared
   * device buffer's position alone, so threads may share it.
   */
  static final class Raw extends Store {
    private final ByteBuffer device;
    private final int size;

    Raw(ByteBuffer device) {
      this.device = device;
      this.size = device.capacity();
    }

    @Override
    int read(ByteBuffer dst, long pos) {
      if (pos >= size) {
        return -1;
      }
      int at = dst.position();
      int n = (int) Math.min(dst.limit() - at, size - pos);
      dst.put(at, device, (int) pos, n);
      dst.position(at + n);
      return n;
    }

    @Override
    int write(ByteBuffer src, long pos) {
      int at = src.position();
      int n = src.limit() - at;
      device.put((int) pos, src, at, n);
      src.position(at + n);
      return n;
    }
  }

  static final class Channel extends Store {
    private final FileChannel channel;

    Channel(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    int read(ByteBuffer dst, long pos) throws IOException {
      return channel.read(dst, pos);
    }

    @Override
    int write(ByteBuffer src, long pos) throws IOException {
      return channel.write(src, pos);
    }
  }
}
