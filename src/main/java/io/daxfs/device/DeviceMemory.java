package io.daxfs.device;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of the device: a sparse file of the default filesystem, unlinked as soon as it is
 * open, and mapped in 1 GiB chunks. A file (rather than plain direct memory) lets {@link #map} give
 * out further OS mappings of the same pages, which is what makes a daxfs {@code map()} zero-copy.
 *
 * <p>Pages cost memory only once committed. {@link #zero} commits by writing through the file, so a
 * full backing store shows up as an {@link IOException} at block allocation, never as a SIGBUS in a
 * later store.
 */
final class DeviceMemory implements Closeable {
  static final int CHUNK_SHIFT = 30;
  static final long CHUNK_SIZE = 1L << CHUNK_SHIFT;
  static final long CHUNK_MASK = CHUNK_SIZE - 1;
  private static final int ZERO_BUFFER_SIZE = 64 << 10;
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_BUFFER_SIZE).asReadOnlyBuffer();

  private final long size;
  private final FileChannel backing;
  private final MappedByteBuffer[] chunks;
  /** Byte ranges of the backing file written at least once (guarded by itself). */
  private final RangeSet<Long> committed = TreeRangeSet.create();
  private volatile boolean closed;
  /** Mappings given out and still reachable: they keep the memory alive past close. */
  private final java.util.concurrent.atomic.AtomicInteger liveMappings = new java.util.concurrent.atomic.AtomicInteger();

  private DeviceMemory(long size, FileChannel backing, MappedByteBuffer[] chunks) {
    this.size = size;
    this.backing = backing;
    this.chunks = chunks;
  }

  static DeviceMemory create(long size, Path directory) throws IOException {
    checkArgument(size > 0, "size must be positive: %s", size);
    return Mappings.onMemoryThread(() -> open(size, directory));
  }

  private static DeviceMemory open(long size, Path directory) throws IOException {
    Path file = Files.createTempFile(directory, "daxfs-", ".pmem");
    FileChannel ch = null;
    try {
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
        raf.setLength(size);
      }
      ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      // Unlink at once: the memory lives as long as the open channel and mappings, and the JVM
      // exiting for any reason leaves nothing behind.
      Files.delete(file);
      int n = (int) ((size + CHUNK_SIZE - 1) >>> CHUNK_SHIFT);
      MappedByteBuffer[] chunks = new MappedByteBuffer[n];
      for (int i = 0; i < n; i++) {
        long start = (long) i << CHUNK_SHIFT;
        chunks[i] = ch.map(MapMode.READ_WRITE, start, Math.min(CHUNK_SIZE, size - start));
      }
      return new DeviceMemory(size, ch, chunks);
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      Files.deleteIfExists(file);
      throw e;
    }
  }

  long size() {
    return size;
  }

  /** Copies {@code len} device bytes at {@code off} into {@code dst} at absolute index {@code dstIndex}. */
  void read(long off, ByteBuffer dst, int dstIndex, int len) {
    int co = (int) (off & CHUNK_MASK);
    if (co + len <= CHUNK_SIZE) {
      dst.put(dstIndex, chunks[(int) (off >>> CHUNK_SHIFT)], co, len);
      return;
    }
    while (len > 0) {
      co = (int) (off & CHUNK_MASK);
      int n = (int) Math.min(len, CHUNK_SIZE - co);
      dst.put(dstIndex, chunks[(int) (off >>> CHUNK_SHIFT)], co, n);
      off += n;
      dstIndex += n;
      len -= n;
    }
  }

  /** Copies {@code len} bytes of {@code src} from absolute index {@code srcIndex} to the device at {@code off}. */
  void write(long off, ByteBuffer src, int srcIndex, int len) {
    int co = (int) (off & CHUNK_MASK);
    if (co + len <= CHUNK_SIZE) {
      chunks[(int) (off >>> CHUNK_SHIFT)].put(co, src, srcIndex, len);
      return;
    }
    while (len > 0) {
      co = (int) (off & CHUNK_MASK);
      int n = (int) Math.min(len, CHUNK_SIZE - co);
      chunks[(int) (off >>> CHUNK_SHIFT)].put(co, src, srcIndex, n);
      off += n;
      srcIndex += n;
      len -= n;
    }
  }

  /**
   * Zeroes {@code [off, off + len)}. Parts never written before are written through the backing
   * file, which commits their pages; an {@link IOException} (a full backing store) leaves the rest
   * of the device as it was.
   */
  void zero(long off, long len) throws IOException {
    List<Range<Long>> uncommitted;
    Range<Long> range = Range.closedOpen(off, off + len);
    synchronized (committed) {
      if (committed.encloses(range)) {
        uncommitted = List.of(); // the common case once blocks are reused: no set arithmetic
      } else {
        uncommitted = missing(range);
      }
    }
    if (uncommitted.isEmpty()) {
      zeroThroughMemory(off, off + len);
      return;
    }
    zeroNew(range, uncommitted);
  }

  private List<Range<Long>> missing(Range<Long> range) {
    RangeSet<Long> missing = TreeRangeSet.create();
    missing.add(range);
    missing.removeAll(committed);
    return new ArrayList<>(missing.asRanges());
  }

  private void zeroThroughMemory(long p, long end) {
    while (p < end) {
      int n = (int) Math.min(ZERO_BUFFER_SIZE, end - p);
      write(p, ZEROS, 0, n);
      p += n;
    }
  }

  /** Zeroing that commits pages: writes through the backing file, then clears the rest through memory. */
  private void zeroNew(Range<Long> range, List<Range<Long>> uncommitted) throws IOException {
    Mappings.onMemoryThread(() -> {
      for (Range<Long> r : uncommitted) {
        long p = r.lowerEndpoint();
        long end = r.upperEndpoint();
        while (p < end) {
          ByteBuffer z = ZEROS.duplicate();
          z.limit((int) Math.min(ZERO_BUFFER_SIZE, end - p));
          p += backing.write(z, p);
        }
      }
      return null;
    });
    RangeSet<Long> old;
    synchronized (committed) {
      uncommitted.forEach(committed::add);
      old = TreeRangeSet.create(committed.subRangeSet(range));
    }
    // What was committed before may hold old data: clear it through memory.
    uncommitted.forEach(old::remove);
    for (Range<Long> r : old.asRanges()) {
      zeroThroughMemory(r.lowerEndpoint(), r.upperEndpoint());
    }
  }

  /** Bytes of backing store committed so far: what the device costs in memory. */
  long committedBytes() {
    synchronized (committed) {
      long total = 0;
      for (Range<Long> r : committed.asRanges()) {
        total += r.upperEndpoint() - r.lowerEndpoint();
      }
      return total;
    }
  }

  /** A new OS mapping of {@code [off, off + len)}, sharing pages with the device (or private for {@code PRIVATE}). */
  MappedByteBuffer map(MapMode mode, long off, long len) throws IOException {
    return Mappings.onMemoryThread(() -> backing.map(mode, off, len));
  }

  void mappingOpened() {
    liveMappings.incrementAndGet();
  }

  void mappingReleased() {
    liveMappings.decrementAndGet();
  }

  /**
   * Releases the memory at once by truncating the backing file, unless mappings given out are still
   * reachable: then, as with any mapped file that is deleted, the memory lives until the last of
   * them is collected, and they stay valid. Callers stop their own I/O first.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    Mappings.onMemoryThread(() -> {
      try {
        if (liveMappings.get() == 0) {
          backing.truncate(0);
        }
      } finally {
        backing.close();
      }
      return null;
    });
  }
}
