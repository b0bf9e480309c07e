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
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of the device: a sparse file of the default filesystem, unlinked as soon as it is open,
 * and mapped in 1 GiB chunks. A file (rather than plain direct memory) lets {@link #map} give out
 * further OS mappings of the same pages, which is what makes a daxfs {@code map()} zero-copy.
 *
 * <p>Pages cost memory only once committed. {@link #zero} commits by writing through the file, so a
 * full backing store shows up as an {@link IOException} at block allocation, never as a SIGBUS in a
 * later store.
 *
 * <p>No interrupt can lose the device. A JDK {@link FileChannel} closes itself for good when a
 * thread using it is interrupted, and the file is unlinked, so it could not be opened by name
 * again. The file is therefore held by a {@link RandomAccessFile}, whose own I/O is never
 * interruptible, and reached through a channel only to map it; an interrupt that closes that
 * channel (it can arrive at any moment of a call) costs a reopen of the file through the descriptor
 * the {@code RandomAccessFile} holds ({@code /proc/self/fd/N}). All of this runs on the caller's
 * thread: no thread of daxfs's own is involved.
 */
final class DeviceMemory implements Closeable {
  static final int CHUNK_SHIFT = 30;
  static final long CHUNK_SIZE = 1L << CHUNK_SHIFT;
  static final long CHUNK_MASK = CHUNK_SIZE - 1;
  private static final int ZERO_BUFFER_SIZE = 64 << 10;
  private static final ByteBuffer ZEROS =
      ByteBuffer.allocateDirect(ZERO_BUFFER_SIZE).asReadOnlyBuffer();
  private static final byte[] ZERO_BYTES = new byte[ZERO_BUFFER_SIZE];

  /** Where a process's open descriptors can be opened again: Linux, then the BSDs and macOS. */
  private static final List<Path> DESCRIPTOR_DIRECTORIES =
      List.of(Path.of("/proc/self/fd"), Path.of("/dev/fd"));

  private final long size;

  /** Where device byte 0 lies in the backing file: 0, or past an image's superblocks. */
  private final long offset;

  /**
   * Whether the backing file is an image: it outlives the device, so closing neither truncates it
   * nor closes {@code backing}, which the image owns.
   */
  private final boolean image;

  /** Whether the backing file is mapped read-only (an image mounted for inspection). */
  private final boolean readOnly;

  /** Runs after an interrupt closed the mapping channel and it was opened again. */
  private final Runnable reopened;

  /** The backing file for as long as the device lives; guarded by itself (seek, then write). */
  private final RandomAccessFile backing;

  /**
   * {@code backing}'s descriptor as a path that opens the file again (for an image, its own path),
   * or null where there is none.
   */
  private final Path descriptor;

  /**
   * The channel mappings come from; replaced when an interrupt closes it (written under {@code
   * this}).
   */
  private volatile FileChannel mapper;

  private final MappedByteBuffer[] chunks;

  /** Byte ranges of the backing file written at least once (guarded by itself). */
  private final RangeSet<Long> committed = TreeRangeSet.create();

  private volatile boolean closed;

  private DeviceMemory(
      long size,
      long offset,
      boolean image,
      boolean readOnly,
      Runnable reopened,
      RandomAccessFile backing,
      Path descriptor,
      FileChannel mapper) {
    this.size = size;
    this.offset = offset;
    this.image = image;
    this.readOnly = readOnly;
    this.reopened = reopened;
    this.backing = backing;
    this.descriptor = descriptor;
    this.mapper = mapper;
    this.chunks = new MappedByteBuffer[(int) ((size + CHUNK_SIZE - 1) >>> CHUNK_SHIFT)];
  }

  /**
   * The device bytes of an image: {@code [offset, offset + size)} of {@code file}, mapped as the
   * in-memory device is (shared, so that stores reach the host's page cache at once). {@code
   * backing} is the image's open file, which stays the image's own: closing the device leaves it
   * open and the file as it is. {@code reopened} runs after an interrupt closed the channel
   * mappings come from and it was opened again (on Linux, closing any descriptor of a file drops
   * the process's locks on it).
   */
  static DeviceMemory openImage(
      Path file,
      RandomAccessFile backing,
      long offset,
      long size,
      boolean readOnly,
      Runnable reopened)
      throws IOException {
    checkArgument(size > 0 && offset >= 0, "bad region %s+%s", offset, size);
    FileChannel mapper = openChannel(file, readOnly);
    try {
      DeviceMemory memory =
          new DeviceMemory(size, offset, true, readOnly, reopened, backing, file, mapper);
      memory.mapChunks();
      return memory;
    } catch (IOException | RuntimeException e) {
      mapper.close();
      throw e;
    }
  }

  private static FileChannel openChannel(Path file, boolean readOnly) throws IOException {
    return readOnly
        ? FileChannel.open(file, StandardOpenOption.READ)
        : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private void mapChunks() throws IOException {
    MapMode mode = readOnly ? MapMode.READ_ONLY : MapMode.READ_WRITE;
    for (int i = 0; i < chunks.length; i++) {
      long start = (long) i << CHUNK_SHIFT;
      chunks[i] = map(mode, start, Math.min(CHUNK_SIZE, size - start));
    }
  }

  static DeviceMemory create(long size, Path directory) throws IOException {
    checkArgument(size > 0, "size must be positive: %s", size);
    Path file = Files.createTempFile(directory, "daxfs-", ".pmem");
    RandomAccessFile raf = null;
    FileChannel mapper = null;
    try {
      raf = new RandomAccessFile(file.toFile(), "rw");
      raf.setLength(size);
      Path descriptor = descriptorOf(file);
      mapper = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      // Unlink at once: the memory lives as long as the open file and mappings, and the JVM
      // exiting for any reason leaves nothing behind.
      Files.delete(file);
      DeviceMemory memory =
          new DeviceMemory(size, 0, false, false, () -> {}, raf, descriptor, mapper);
      memory.mapChunks();
      return memory;
    } catch (IOException | RuntimeException e) {
      if (mapper != null) {
        mapper.close();
      }
      if (raf != null) {
        raf.close();
      }
      Files.deleteIfExists(file);
      throw e;
    }
  }

  /**
   * The path of the one open descriptor of {@code file} (the {@code RandomAccessFile} just opened
   * on it), found by comparing file keys: Java gives no descriptor numbers. Null where the system
   * has no descriptor directory.
   */
  private static Path descriptorOf(Path file) throws IOException {
    Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    for (Path dir : DESCRIPTOR_DIRECTORIES) {
      if (key == null || !Files.isDirectory(dir)) {
        continue;
      }
      List<Path> found = new ArrayList<>();
      try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir)) {
        for (Path fd : fds) {
          try {
            if (key.equals(Files.readAttributes(fd, BasicFileAttributes.class).fileKey())) {
              found.add(fd);
            }
          } catch (IOException closedMeanwhile) {
            // another thread's descriptor, closed since the listing: not ours
          }
        }
      }
      if (found.size() == 1) {
        return found.get(0);
      }
    }
    return null;
  }

  long size() {
    return size;
  }

  /**
   * Copies {@code len} device bytes at {@code off} into {@code dst} at absolute index {@code
   * dstIndex}.
   */
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

  /**
   * Copies {@code len} bytes of {@code src} from absolute index {@code srcIndex} to the device at
   * {@code off}.
   */
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

  /**
   * Zeroing that commits pages: writes through the backing file, then clears the rest through
   * memory.
   */
  private void zeroNew(Range<Long> range, List<Range<Long>> uncommitted) throws IOException {
    commit(uncommitted, false);
    RangeSet<Long> old;
    synchronized (committed) {
      old = TreeRangeSet.create(committed.subRangeSet(range));
    }
    // What was committed before may hold old data: clear it through memory.
    uncommitted.forEach(old::remove);
    for (Range<Long> r : old.asRanges()) {
      zeroThroughMemory(r.lowerEndpoint(), r.upperEndpoint());
    }
  }

  /**
   * Commits the pages of {@code [off, off + len)} not known to be committed, by writing the bytes
   * they hold back through the backing file (an image's pages written before this mount are not
   * known): no read sees a change, and a later {@link #zero} of the range cannot fail. The caller
   * keeps writers of the range away meanwhile.
   *
   * @throws IOException when the backing store is full
   */
  void commit(long off, long len) throws IOException {
    Range<Long> range = Range.closedOpen(off, off + len);
    List<Range<Long>> uncommitted;
    synchronized (committed) {
      if (committed.encloses(range)) {
        return;
      }
      uncommitted = missing(range);
    }
    commit(uncommitted, true);
  }

  /**
   * Writes {@code uncommitted} through the backing file: the bytes there now when {@code keep},
   * else zeros.
   */
  private void commit(List<Range<Long>> uncommitted, boolean keep) throws IOException {
    byte[] chunk = keep ? new byte[ZERO_BUFFER_SIZE] : ZERO_BYTES;
    synchronized (backing) {
      if (closed) {
        throw new ClosedChannelException();
      }
      for (Range<Long> r : uncommitted) {
        long p = r.lowerEndpoint();
        long end = r.upperEndpoint();
        backing.seek(offset + p);
        while (p < end) {
          int n = (int) Math.min(ZERO_BUFFER_SIZE, end - p);
          if (keep) {
            read(p, ByteBuffer.wrap(chunk), 0, n);
          }
          backing.write(chunk, 0, n);
          p += n;
        }
      }
    }
    synchronized (committed) {
      uncommitted.forEach(committed::add);
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

  /**
   * A new OS mapping of {@code [off, off + len)}, sharing pages with the device (or private for
   * {@code PRIVATE}). The caller's interrupt status is kept and never closes the device.
   *
   * @throws ClosedChannelException if the device is closed
   */
  MappedByteBuffer map(MapMode mode, long off, long len) throws IOException {
    return map((ch, o, l) -> ch.map(mode, o, l), off, len);
  }

  /**
   * Maps part of the backing file through a channel on it: a buffer, or a memory segment on JDK
   * 22+.
   */
  @FunctionalInterface
  interface BackingMapper<T> {
    T map(FileChannel backing, long off, long len) throws IOException;
  }

  /**
   * Runs {@code mapper} over {@code [off, off + len)} on the caller's thread (an arena confined to
   * it accepts mappings from no other). The caller's interrupt status is kept and never closes the
   * device.
   *
   * @throws ClosedChannelException if the device is closed
   */
  <T> T map(BackingMapper<T> mapper, long off, long len) throws IOException {
    // Cleared so that the channel call does not see it (it would close the channel at once), and
    // given back after. One arriving during the call closes the channel: reopen and map again.
    boolean interrupted = Thread.interrupted();
    try {
      while (true) {
        FileChannel ch = this.mapper;
        try {
          return mapper.map(ch, offset + off, len);
        } catch (ClosedChannelException e) {
          // Ours closed by an interrupt (ClosedByInterruptException), or another thread's
          // interrupt closed it under us (AsynchronousCloseException).
          interrupted |= Thread.interrupted();
          reopen(ch, e);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Replaces {@code lost}, closed by an interrupt, unless another thread did already. */
  private synchronized void reopen(FileChannel lost, ClosedChannelException cause)
      throws IOException {
    if (closed) {
      throw cause;
    }
    if (mapper != lost) {
      return;
    }
    if (descriptor == null) {
      throw new IOException(
          "device memory lost: an interrupt closed its channel, and this system offers no "
              + "descriptor directory ("
              + DESCRIPTOR_DIRECTORIES
              + ") to open it again",
          cause);
    }
    mapper = openChannel(descriptor, readOnly);
    reopened.run();
  }

  /**
   * Releases the memory at once by truncating the backing file, unless {@code mappingsLive}: then,
   * as with any mapped file that is deleted, the memory lives until the last mapping is unmapped,
   * and they all stay valid. An image is left as it is, and its file open. Callers stop their own
   * I/O first.
   */
  void close(boolean mappingsLive) throws IOException {
    FileChannel ch;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      ch = mapper;
    }
    if (image) {
      ch.close();
      return;
    }
    try (backing;
        ch) {
      synchronized (backing) {
        if (!mappingsLive) {
          backing.setLength(0);
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    close(false);
  }
}
