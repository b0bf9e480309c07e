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
import java.nio.file.DirectoryStream;
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
  /**
   * The backing file reopened by its descriptor ({@code /proc/self/fd/N}), or null where the OS has
   * no such path. Guarded by itself: the descriptor number is only ours while {@link #backing} is
   * open, so a reopen and the close never overlap.
   */
  private final Path descriptorPath;

  private DeviceMemory(long size, FileChannel backing, MappedByteBuffer[] chunks, Path descriptorPath) {
    this.size = size;
    this.backing = backing;
    this.chunks = chunks;
    this.descriptorPath = descriptorPath;
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
      Path descriptor = descriptorOf(file);
      // Unlink at once: the memory lives as long as the open channel and mappings, and the JVM
      // exiting for any reason leaves nothing behind.
      Files.delete(file);
      int n = (int) ((size + CHUNK_SIZE - 1) >>> CHUNK_SHIFT);
      MappedByteBuffer[] chunks = new MappedByteBuffer[n];
      for (int i = 0; i < n; i++) {
        long start = (long) i << CHUNK_SHIFT;
        chunks[i] = ch.map(MapMode.READ_WRITE, start, Math.min(CHUNK_SIZE, size - start));
      }
      return new DeviceMemory(size, ch, chunks, descriptor);
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      Files.deleteIfExists(file);
      throw e;
    }
  }

  /**
   * The {@code /proc/self/fd} entry of the one open descriptor of {@code file} (nothing else has it
   * open yet), or null where there is no such directory or no single match.
   */
  private static Path descriptorOf(Path file) {
    Path fds = Path.of("/proc/self/fd");
    Path target = file.toAbsolutePath();
    Path found = null;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(fds)) {
      for (Path fd : entries) {
        try {
          if (Files.readSymbolicLink(fd).equals(target)) {
            if (found != null) {
              return null;
            }
            found = fd;
          }
        } catch (IOException | UnsupportedOperationException e) {
          // a descriptor closed meanwhile, or not a link: not ours
        }
      }
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
    return found;
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

  /** Maps part of the backing file with the JDK's own map: what a memory-segment mapping needs. */
  @FunctionalInterface
  interface BackingMapper<T> {
    T map(FileChannel backing, long off, long len) throws IOException;
  }

  /** Runs {@code mapper} on the daxfs memory thread, where no interrupt can close the backing channel. */
  <T> T mapOnMemoryThread(BackingMapper<T> mapper, long off, long len) throws IOException {
    return Mappings.onMemoryThread(() -> mapper.map(backing, off, len));
  }

  /**
   * Runs {@code mapper} on the caller's thread (a mapping into an arena confined to it). Where the
   * OS can reopen the backing file by descriptor, the mapper gets a channel of its own, so that an
   * interrupt can close only that channel, as the JDK closes the caller's own channel; elsewhere it
   * gets the backing channel with the caller's interrupt status set aside for the call.
   */
  <T> T mapOnCallerThread(BackingMapper<T> mapper, long off, long len) throws IOException {
    if (descriptorPath != null) {
      synchronized (descriptorPath) {
        if (closed) {
          throw new IOException("the device is closed");
        }
        try (FileChannel own = FileChannel.open(descriptorPath, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
          return mapper.map(own, off, len);
        }
      }
    }
    boolean interrupted = Thread.interrupted();
    try {
      return mapper.map(backing, off, len);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Releases the memory at once by truncating the backing file, unless {@code mappingsLive}: then,
   * as with any mapped file that is deleted, the memory lives until the last mapping is unmapped,
   * and they all stay valid. Callers stop their own I/O first.
   */
  void close(boolean mappingsLive) throws IOException {
    if (closed) {
      return;
    }
    Object lock = descriptorPath != null ? descriptorPath : new Object();
    synchronized (lock) {
      closed = true;
      Mappings.onMemoryThread(() -> {
        try {
          if (!mappingsLive) {
            backing.truncate(0);
          }
        } finally {
          backing.close();
        }
        return null;
      });
    }
  }

  @Override
  public void close() throws IOException {
    close(false);
  }
}
