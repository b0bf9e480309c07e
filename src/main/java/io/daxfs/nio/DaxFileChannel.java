package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import io.daxfs.AccessPath;
import io.daxfs.MediaErrorException;
import io.daxfs.MediaErrorModel;
import io.daxfs.fs.Directory;
import io.daxfs.fs.FileMediaFault;
import io.daxfs.fs.RegularFile;
import io.daxfs.fs.Volume;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileSystemException;
import java.util.Objects;

/**
 * A channel to a daxfs regular file. A plain open takes the DAX path: every read and write is a
 * copy between the caller's buffer and the device memory. Reads of up to 512 bytes take no lock
 * (they validate optimistically and retry under the file's read lock); longer reads hold the read
 * lock; writes inside the file's size and blocks hold only their byte range, others the write lock
 * (see {@link RegularFile}).
 *
 * <p>Thread-safe as {@link FileChannel} requires: positional operations run concurrently; the
 * relative ones serialize on the channel position.
 *
 * <p>On JDK 22 and later, channels are instances of {@code SegmentMappingFileChannel}, which adds
 * {@code map(MapMode, long, long, Arena)}. That class lives only in the jar's {@code
 * META-INF/versions/22} tree (the base here stays Java 17), so it is found by name, once.
 */
class DaxFileChannel extends DaxChannel {
  private static final int TRANSFER_CHUNK = 256 << 10;

  private final DaxFileSystem fs;
  private final Directory base;
  private final DaxPath path;
  private final RegularFile file;
  private final OpenOptions options;
  private final boolean readable;
  private final boolean writable;
  private final boolean append;
  private final AccessPath accessPath;
  private final Object positionLock = new Object();
  private long position; // guarded by positionLock

  /**
   * Whether this channel has handed out a READ_WRITE mapping, whose stores {@link #force} then
   * announces.
   */
  private volatile boolean mappedWritable;

  /** Makes channels of the JDK 22 subclass where it is present and loads, else of this class. */
  private static final MethodHandle CONSTRUCTOR = constructor();

  private static MethodHandle constructor() {
    MethodType type =
        MethodType.methodType(
            void.class,
            DaxFileSystem.class,
            Directory.class,
            DaxPath.class,
            RegularFile.class,
            OpenOptions.class);
    MethodHandles.Lookup lookup = MethodHandles.lookup();
    Class<?> cls = DaxFileChannel.class;
    if (Runtime.version().feature() >= 22) {
      try {
        cls =
            Class.forName(
                "io.daxfs.nio.SegmentMappingFileChannel",
                true,
                DaxFileChannel.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        // not a multi-release jar (a class directory, or a jar built on an older JDK): no Arena map
      }
    }
    try {
      return lookup
          .findConstructor(cls, type)
          .asType(MethodType.methodType(DaxFileChannel.class, type.parameterArray()));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  DaxFileChannel(
      DaxFileSystem fs, Directory base, DaxPath path, RegularFile file, OpenOptions options) {
    super(file.byteRangeLocks());
    this.fs = fs;
    this.base = base;
    this.path = path;
    this.file = file;
    this.options = options;
    this.readable = options.read();
    this.writable = options.write();
    this.append = options.append();
    boolean bypass = fs.configuration().mediaErrorModel() == MediaErrorModel.DIRECT_BYPASS;
    this.accessPath = options.direct() && bypass ? AccessPath.DIRECT : AccessPath.DAX;
  }

  /** Opens (maybe creating) the file {@code path} names, relative to {@code base} when relative. */
  static DaxFileChannel open(
      DaxFileSystem fs, Directory base, DaxPath path, OpenOptions o, int permissions)
      throws IOException {
    Volume v = fs.volume();
    RegularFile file;
    try {
      file =
          v.open(
              base,
              path,
              new Volume.OpenSpec(
                  o.create(), o.createNew(), o.followLinks(), permissions, o.truncateExisting()));
    } catch (FileMediaFault f) { // TRUNCATE_EXISTING met a bad sector
      throw MediaErrors.of(
          fs.configuration(), path.toString(), f, MediaErrorException.Operation.TRUNCATE);
    }
    return opened(fs, base, path, file, o);
  }

  /**
   * A channel on {@code file}, just opened (and counted) through {@code path}; it releases the file
   * on failure.
   */
  static DaxFileChannel opened(
      DaxFileSystem fs, Directory base, DaxPath path, RegularFile file, OpenOptions o)
      throws IOException {
    DaxFileChannel ch = newChannel(fs, base, path, file, o);
    try {
      fs.register(ch);
    } catch (RuntimeException e) {
      ch.close();
      throw e;
    }
    return ch;
  }

  private static DaxFileChannel newChannel(
      DaxFileSystem fs, Directory base, DaxPath path, RegularFile file, OpenOptions o) {
    try {
      return (DaxFileChannel) CONSTRUCTOR.invokeExact(fs, base, path, file, o);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t); // the constructors throw nothing checked
    }
  }

  final RegularFile file() {
    return file;
  }

  boolean isReadable() {
    return readable;
  }

  boolean isWritable() {
    return writable;
  }

  // ---- checks ----------------------------------------------------------------------------------

  private void beginRead(ByteBuffer dst) throws IOException {
    requireNonNull(dst, "dst");
    ensureOpen();
    if (!readable) {
      throw new NonReadableChannelException();
    }
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("Read-only buffer");
    }
    checkInterrupt();
  }

  private void beginWrite() throws IOException {
    ensureOpen();
    if (!writable) {
      throw new NonWritableChannelException();
    }
    checkInterrupt();
  }

  // ---- reads -----------------------------------------------------------------------------------

  @Override
  public int read(ByteBuffer dst) throws IOException {
    beginRead(dst);
    synchronized (positionLock) {
      checkAligned(dst, position);
      int n = readAt(dst, position);
      if (n > 0) {
        position += n;
      }
      return n;
    }
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    requireNonNull(dst, "dst");
    checkPosition(position);
    beginRead(dst);
    checkAligned(dst, position);
    return readAt(dst, position);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, requireNonNull(dsts, "dsts").length);
    for (int i = offset; i < offset + length; i++) {
      requireNonNull(dsts[i], "dsts[" + i + "]");
    }
    ensureOpen();
    if (!readable) {
      throw new NonReadableChannelException();
    }
    for (int i = offset; i < offset + length; i++) {
      if (dsts[i].isReadOnly()) {
        throw new IllegalArgumentException("Read-only buffer");
      }
    }
    checkInterrupt();
    synchronized (positionLock) {
      for (int i = offset; i < offset + length; i++) {
        checkAligned(dsts[i], position);
      }
      long n;
      try {
        n = file.read(accessPath, position, dsts, offset, length);
      } catch (FileMediaFault f) {
        throw mediaError(f, MediaErrorException.Operation.READ);
      }
      if (n > 0) {
        position += n;
      }
      return n;
    }
  }

  /**
   * {@link #read(ByteBuffer, long)} for an {@link java.nio.channels.AsynchronousFileChannel}, whose
   * caller checked the rest: an interrupt of the thread it runs on does not close the channel, as
   * with the JDK's asynchronous file channels, whose operations run on threads the caller does not
   * own.
   */
  int readUninterruptibly(ByteBuffer dst, long position) throws IOException {
    ensureOpen();
    checkAligned(dst, position);
    return readAt(dst, position);
  }

  /** {@link #write(ByteBuffer, long)} as {@link #readUninterruptibly} is a read. */
  int writeUninterruptibly(ByteBuffer src, long position) throws IOException {
    ensureOpen();
    checkAligned(src, append ? file.size() : position);
    int before = src.position();
    writeAt(src, append ? -1 : position);
    return src.position() - before;
  }

  private int readAt(ByteBuffer dst, long pos) throws IOException {
    try {
      return file.read(accessPath, pos, dst);
    } catch (FileMediaFault f) {
      throw mediaError(f, MediaErrorException.Operation.READ);
    }
  }

  // ---- writes ----------------------------------------------------------------------------------

  @Override
  public int write(ByteBuffer src) throws IOException {
    requireNonNull(src, "src");
    beginWrite();
    synchronized (positionLock) {
      checkAligned(src, append ? file.size() : position);
      int before = src.position();
      long end = writeAt(src, append ? -1 : position);
      position = end;
      return src.position() - before;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>In append mode the bytes go to the end of the file whatever {@code position} says, as {@code
   * pwrite(2)} does on Linux for a file opened with {@code O_APPEND}.
   */
  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    requireNonNull(src, "src");
    checkPosition(position);
    beginWrite();
    checkAligned(src, append ? file.size() : position);
    int before = src.position();
    writeAt(src, append ? -1 : position);
    return src.position() - before;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, requireNonNull(srcs, "srcs").length);
    for (int i = offset; i < offset + length; i++) {
      requireNonNull(srcs[i], "srcs[" + i + "]");
    }
    beginWrite();
    synchronized (positionLock) {
      for (int i = offset; i < offset + length; i++) {
        checkAligned(srcs[i], append ? file.size() : position);
      }
      long before = 0;
      for (int i = offset; i < offset + length; i++) {
        before += srcs[i].remaining();
      }
      long end;
      try {
        end = file.write(accessPath, append ? -1 : position, srcs, offset, length);
      } catch (FileMediaFault f) {
        throw mediaError(f, MediaErrorException.Operation.WRITE);
      } catch (FileSystemException e) {
        throw withPath(e);
      }
      long left = 0;
      for (int i = offset; i < offset + length; i++) {
        left += srcs[i].remaining();
      }
      written(); // a sync that fails leaves the position where it was, as write(2) does
      position = end;
      return before - left;
    }
  }

  /**
   * Writes at {@code pos} (or the end when negative); returns the offset after the last byte
   * written.
   */
  private long writeAt(ByteBuffer src, long pos) throws IOException {
    long end;
    try {
      end = file.write(accessPath, pos, src);
    } catch (FileMediaFault f) {
      throw mediaError(f, MediaErrorException.Operation.WRITE);
    } catch (FileSystemException e) {
      throw withPath(e);
    }
    written();
    return end;
  }

  /**
   * After each write: on a channel opened with {@code SYNC} or {@code DSYNC}, the write is durable
   * with its metadata when it returns, as Linux's {@code generic_write_sync} makes it.
   */
  private void written() throws IOException {
    if (options.dsync()) {
      file.volume().syncFile(file, options.sync());
    }
  }

  private FileSystemException withPath(FileSystemException e) {
    if (e.getFile() != null || e.getClass() != FileSystemException.class) {
      return e;
    }
    FileSystemException named = new FileSystemException(path.toString(), null, e.getReason());
    named.initCause(e.getCause());
    return named;
  }

  /** The exception a program sees for a media error. */
  private MediaErrorException mediaError(FileMediaFault f, MediaErrorException.Operation op) {
    return MediaErrors.of(fs.configuration(), path.toString(), f, op);
  }

  /**
   * The block driver's rules for {@code O_DIRECT}, checked before any byte moves and reported as
   * the JDK reports them: the position, the bytes remaining and a direct buffer's address must be
   * multiples of the sector size.
   */
  private void checkAligned(ByteBuffer buf, long pos) throws IOException {
    if (accessPath != AccessPath.DIRECT) {
      return;
    }
    int unit = fs.configuration().sectorSize();
    if (pos % unit != 0) {
      throw new IOException(
          "Channel position (" + pos + ") is not a multiple of the block size (" + unit + ")");
    }
    if (buf.remaining() % unit != 0) {
      throw new IOException(
          "Number of remaining bytes ("
              + buf.remaining()
              + ") is not a multiple of the block size ("
              + unit
              + ")");
    }
    if (buf.isDirect() && buf.alignmentOffset(buf.position(), unit) != 0) {
      throw new IOException(
          "Current location of the bytebuffer ("
              + buf.position()
              + ") is not a multiple of the block size ("
              + unit
              + ")");
    }
  }

  // ---- position, size, truncate, force
  // -----------------------------------------------------------

  /** {@inheritDoc} In append mode this is the size of the file, as on Linux. */
  @Override
  public long position() throws IOException {
    ensureOpen();
    synchronized (positionLock) {
      return append ? file.size() : position;
    }
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    checkPosition(newPosition);
    ensureOpen();
    synchronized (positionLock) {
      position = newPosition;
    }
    return this;
  }

  @Override
  public long size() throws IOException {
    ensureOpen();
    return file.size();
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    if (size < 0) {
      throw new IllegalArgumentException("Negative size");
    }
    beginWrite();
    synchronized (positionLock) {
      try {
        file.truncate(size);
      } catch (FileMediaFault f) {
        throw mediaError(f, MediaErrorException.Operation.TRUNCATE);
      }
      if (position > size) {
        position = size;
      }
    }
    return this;
  }

  /**
   * Makes the file's metadata durable, as {@code fsync} ({@code metaData}) or {@code fdatasync}
   * does: its size and blocks, and with {@code metaData} its times and other attributes. Data
   * written through the channel is durable already: a DAX write is on the media when it returns.
   */
  @Override
  public void force(boolean metaData) throws IOException {
    ensureOpen();
    if (mappedWritable) {
      // stores through a mapping pass no code of daxfs; a force is where their writer says they
      // were made
      file.announceModified();
    }
    file.volume().syncFile(file, metaData);
  }

  // ---- transfers -------------------------------------------------------------------------------

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    requireNonNull(target, "target");
    checkTransfer(position, count, target);
    if (!readable) {
      throw new NonReadableChannelException();
    }
    if (target instanceof DaxFileChannel d && !d.writable
        || target instanceof DaxDirectoryChannel) {
      throw new NonWritableChannelException();
    }
    checkInterrupt();
    long size = file.size();
    if (position >= size || count == 0) {
      return 0;
    }
    count = Math.min(count, size - position);
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, TRANSFER_CHUNK));
    long done = 0;
    try {
      while (done < count) {
        buf.clear().limit((int) Math.min(buf.capacity(), count - done));
        int n = readAt(buf, position + done);
        if (n <= 0) {
          break;
        }
        buf.flip();
        while (buf.hasRemaining()) {
          int w = target.write(buf);
          if (w <= 0) {
            return done + (n - buf.remaining()); // the target takes no more now
          }
        }
        done += n;
      }
    } catch (IOException e) {
      if (done > 0) {
        return done;
      }
      throw e;
    }
    return done;
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    requireNonNull(src, "src");
    checkTransfer(position, count, src);
    if (!writable) {
      throw new NonWritableChannelException();
    }
    if (src instanceof DaxFileChannel d && !d.readable) {
      throw new NonReadableChannelException();
    }
    checkInterrupt();
    if (position > file.size() || count == 0) {
      return 0;
    }
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, TRANSFER_CHUNK));
    long done = 0;
    try {
      while (done < count) {
        buf.clear().limit((int) Math.min(buf.capacity(), count - done));
        int n = src.read(buf);
        if (n <= 0) {
          break;
        }
        buf.flip();
        while (buf.hasRemaining()) {
          writeAt(buf, append ? -1 : position + done + (n - buf.remaining()));
        }
        done += n;
      }
    } catch (IOException e) {
      if (done > 0) {
        return done;
      }
      throw e;
    }
    return done;
  }

  // ---- mapping ---------------------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * <p>The buffer is the file's own memory on the device, as DAX maps it: stores are seen by reads
   * of any channel and by every other mapping of the range at once, with no copy; {@code PRIVATE}
   * gives a copy-on-write view. A fragmented range is first moved to contiguous blocks; holes in
   * the range get blocks. The file's blocks under a mapping never move and never go to another file
   * while the buffer (or any slice or view of it) can be reached, even after truncate or delete; a
   * truncated-away part of a mapping is then no longer the file's (Linux would deliver SIGBUS).
   *
   * <p>Where Linux would deliver SIGBUS when an access faults on a bad sector (a JVM cannot survive
   * it), daxfs fails here instead: {@link MediaErrorException} with {@link AccessPath#MMAP} when
   * any sector of the range is known bad, or latent poison is found there (it becomes known).
   * Poison that appears under a live mapping is announced through {@link
   * io.daxfs.DaxFiles#onMediaError}; stores through a mapping never clear it.
   */
  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    ensureOpen();
    requireNonNull(mode, "mode");
    checkPosition(position);
    if (size < 0) {
      throw new IllegalArgumentException("Negative size");
    }
    if (position + size < 0) {
      throw new IllegalArgumentException("Position + size overflow");
    }
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("Size exceeds Integer.MAX_VALUE");
    }
    MapMode plain = checkMapMode(mode);
    return mapWith(
        plain, position, size, (dev, off, len, release) -> dev.map(plain, off, len, release));
  }

  /**
   * Checks {@code mode} against the channel as the JDK does, and gives the plain mode the device
   * maps with: the JEP 352 {@code *_SYNC} modes map as their plain twins, since daxfs files are DAX
   * and a store through any mapping already reaches the media (MAP_SYNC holds).
   *
   * @throws UnsupportedOperationException for an implementation-specific mode daxfs does not know
   */
  final MapMode checkMapMode(MapMode mode) {
    MapMode plain;
    if (mode == MapMode.READ_ONLY || mode == MapMode.READ_WRITE || mode == MapMode.PRIVATE) {
      plain = mode;
    } else if (mode == SyncModes.READ_ONLY_SYNC) {
      plain = MapMode.READ_ONLY;
    } else if (mode == SyncModes.READ_WRITE_SYNC) {
      plain = MapMode.READ_WRITE;
    } else {
      throw new UnsupportedOperationException(mode + " not supported");
    }
    if (plain != MapMode.READ_ONLY && !writable) {
      throw new NonWritableChannelException();
    }
    if (!readable) {
      throw new NonReadableChannelException();
    }
    return plain;
  }

  /** The JEP 352 modes, or null where the {@code jdk.nio.mapmode} module is not in the runtime. */
  private static final class SyncModes {
    static final MapMode READ_ONLY_SYNC = mode("READ_ONLY_SYNC");
    static final MapMode READ_WRITE_SYNC = mode("READ_WRITE_SYNC");

    private static MapMode mode(String name) {
      try {
        return (MapMode) Class.forName("jdk.nio.mapmode.ExtendedMapMode").getField(name).get(null);
      } catch (ReflectiveOperationException | LinkageError e) {
        return null;
      }
    }
  }

  /**
   * Maps a range once the argument and channel checks are done: the rules of {@link #map} (poison,
   * holes, relocation, growth, pins), with the device range mapped by {@code how}; {@code mode} is
   * the plain mode checked by {@link #checkMapMode}.
   */
  final <T> T mapWith(MapMode mode, long position, long size, RegularFile.DeviceMapping<T> how)
      throws IOException {
    checkInterrupt();
    try {
      T mapping = file.map(position, size, writable, how);
      if (mode == MapMode.READ_WRITE) {
        mappedWritable = true;
        file.announceModified(); // the stores to come are invisible to daxfs: tell watchers now
        // Nor can daxfs see MappedByteBuffer.force: the blocks and size the mapping needs are made
        // durable now, as a MAP_SYNC mapping's first write fault makes them (every daxfs file is
        // DAX), so that no store is lost for want of an msync.
        file.volume().syncFile(file, false);
      }
      return mapping;
    } catch (FileMediaFault f) {
      throw mediaError(f, MediaErrorException.Operation.MAP);
    } catch (FileSystemException e) {
      throw withPath(e);
    }
  }

  // ---- locks -----------------------------------------------------------------------------------

  @Override
  void checkLockMode(boolean shared) {
    if (shared && !readable) {
      throw new NonReadableChannelException();
    }
    if (!shared && !writable) {
      throw new NonWritableChannelException();
    }
  }

  // ---- close
  // -------------------------------------------------------------------------------------

  @Override
  protected void implCloseChannel() throws IOException {
    releaseLocks();
    fs.unregister(this);
    try {
      if (options.deleteOnClose() && fs.isOpen()) {
        deleteOnClose();
      }
    } finally {
      file.release();
    }
  }

  /**
   * Removes the name the channel was opened by, if it still names this file (best effort, as the
   * JDK).
   */
  private void deleteOnClose() {
    Volume v = fs.volume();
    try {
      if (v.resolve(base, path, false) == file) {
        v.delete(base, path, Volume.DeleteMode.NON_DIRECTORY);
      }
    } catch (IOException ignored) {
      // already gone or renamed: nothing to delete
    }
  }

  @Override
  public String toString() {
    return "DaxFileChannel[" + path + (isOpen() ? "" : ", closed") + "]";
  }
}
