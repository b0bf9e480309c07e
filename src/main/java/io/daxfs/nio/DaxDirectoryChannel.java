package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import io.daxfs.fs.Directory;
import io.daxfs.fs.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileSystemException;
import java.util.Objects;

/**
 * A channel to a daxfs directory, as the JDK gives on Linux for a directory opened for reading. It
 * exists for {@link #force}: {@code fsync(2)} on a directory is how a program makes the creation,
 * removal or renaming of names in it durable (for example Lucene's {@code IOUtils.fsync(dir, true)}
 * after a commit).
 *
 * <p>Every other operation behaves as the JDK's channel does over the kernel's answers: a read that
 * would move a byte fails with {@link IOException} "Is a directory" (reads into full buffers return
 * 0); writes, {@code truncate}, {@code transferFrom} and exclusive locks fail with {@link
 * NonWritableChannelException}, the channel being read-only; {@code map} of a non-empty range fails
 * with "No such device" as {@code mmap(2)} does; {@code size()} is the directory's size as {@code
 * stat(2)} reports it; the position can be read and set; shared byte-range locks work and conflict
 * as on files.
 */
final class DaxDirectoryChannel extends DaxChannel {

  private final DaxFileSystem fs;
  private final DaxPath path;
  private final Directory dir;
  private volatile long position;

  private DaxDirectoryChannel(DaxFileSystem fs, DaxPath path, Directory dir) {
    super(dir.byteRangeLocks());
    this.fs = fs;
    this.path = path;
    this.dir = dir;
  }

  /**
   * A channel on {@code dir}, which {@code path} names, opened read-only with {@code options}.
   *
   * @throws FileSystemException "Invalid argument" for {@code DIRECT}, as {@code open(2)} refuses
   *     {@code O_DIRECT} on a directory
   */
  static DaxDirectoryChannel open(
      DaxFileSystem fs, DaxPath path, Directory dir, OpenOptions options) throws IOException {
    if (options.direct()) {
      throw new FileSystemException(path.toString(), null, Errno.EINVAL);
    }
    DaxDirectoryChannel ch = new DaxDirectoryChannel(fs, path, dir);
    fs.register(ch);
    return ch;
  }

  // ---- reads: read(2) on a directory is EISDIR --------------------------------------------------

  /**
   * @throws IOException "Is a directory" unless {@code dst} is full
   */
  @Override
  public int read(ByteBuffer dst) throws IOException {
    requireNonNull(dst, "dst");
    ensureOpen();
    return failRead(dst.isReadOnly(), dst.remaining());
  }

  /**
   * @throws IOException "Is a directory" unless {@code dst} is full
   */
  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    requireNonNull(dst, "dst");
    checkPosition(position);
    ensureOpen();
    return failRead(dst.isReadOnly(), dst.remaining());
  }

  /**
   * @throws IOException "Is a directory" unless every buffer is full
   */
  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, requireNonNull(dsts, "dsts").length);
    boolean readOnly = false;
    long remaining = 0;
    for (int i = offset; i < offset + length; i++) {
      readOnly |= requireNonNull(dsts[i], "dsts[" + i + "]").isReadOnly();
      remaining += dsts[i].remaining();
    }
    ensureOpen();
    return failRead(readOnly, remaining);
  }

  /** What a read on a directory comes to: 0 for nothing asked, else EISDIR. */
  private int failRead(boolean readOnlyBuffer, long remaining) throws IOException {
    if (readOnlyBuffer) {
      throw new IllegalArgumentException("Read-only buffer");
    }
    checkInterrupt();
    if (remaining == 0) {
      return 0;
    }
    throw new IOException(Errno.EISDIR);
  }

  // ---- writes: the channel is read-only
  // -----------------------------------------------------------

  @Override
  public int write(ByteBuffer src) throws IOException {
    requireNonNull(src, "src");
    ensureOpen();
    throw new NonWritableChannelException();
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    requireNonNull(src, "src");
    checkPosition(position);
    ensureOpen();
    throw new NonWritableChannelException();
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, requireNonNull(srcs, "srcs").length);
    for (int i = offset; i < offset + length; i++) {
      requireNonNull(srcs[i], "srcs[" + i + "]");
    }
    ensureOpen();
    throw new NonWritableChannelException();
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    if (size < 0) {
      throw new IllegalArgumentException("Negative size");
    }
    ensureOpen();
    throw new NonWritableChannelException();
  }

  // ---- position, size, force
  // ----------------------------------------------------------------------

  /** {@inheritDoc} Nothing reads at it; it is kept as {@code lseek(2)} keeps it. */
  @Override
  public long position() throws IOException {
    ensureOpen();
    return position;
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    checkPosition(newPosition);
    ensureOpen();
    position = newPosition;
    return this;
  }

  /** The directory's size as {@code stat(2)} reports it: one block. */
  @Override
  public long size() throws IOException {
    ensureOpen();
    return dir.size();
  }

  /**
   * Makes the directory's entries durable, as {@code fsync(2)} on a directory does: names created,
   * removed or renamed in it before the call survive a power failure after it. {@code metaData}
   * makes no difference: a directory's entries are its data.
   *
   * @throws ClosedChannelException if the channel is closed
   * @throws ClosedByInterruptException if the calling thread is interrupted (the channel closes)
   */
  @Override
  public void force(boolean metaData) throws IOException {
    ensureOpen();
    checkInterrupt();
    fs.volume().syncDirectory(dir);
  }

  // ---- transfers
  // ----------------------------------------------------------------------------------

  /**
   * @return 0 when {@code position} is at or past {@link #size()} or {@code count} is 0
   * @throws IOException "Is a directory" otherwise
   */
  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    requireNonNull(target, "target");
    checkTransfer(position, count, target);
    if (target instanceof DaxDirectoryChannel
        || target instanceof DaxFileChannel f && !f.isWritable()) {
      throw new NonWritableChannelException();
    }
    checkInterrupt();
    if (position >= dir.size() || count == 0) {
      return 0;
    }
    throw new IOException(Errno.EISDIR);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    requireNonNull(src, "src");
    checkTransfer(position, count, src);
    throw new NonWritableChannelException();
  }

  // ---- mapping
  // ------------------------------------------------------------------------------------

  /**
   * As {@code mmap(2)} on a directory: an empty range maps to an empty read-only buffer, as the JDK
   * maps any empty range without asking the kernel.
   *
   * @throws NonWritableChannelException for {@code READ_WRITE} and {@code PRIVATE}
   * @throws IOException "No such device" for a non-empty range
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
    if (mode != MapMode.READ_ONLY && mode != MapMode.READ_WRITE && mode != MapMode.PRIVATE) {
      throw new UnsupportedOperationException(mode + " not supported");
    }
    if (mode != MapMode.READ_ONLY) {
      throw new NonWritableChannelException();
    }
    checkInterrupt();
    if (size == 0) {
      return fs.volume().device().map(MapMode.READ_ONLY, 0, 0, () -> {});
    }
    throw new IOException(Errno.ENODEV);
  }

  // ---- locks
  // --------------------------------------------------------------------------------------

  /**
   * @throws NonWritableChannelException for an exclusive lock: the channel is read-only
   */
  @Override
  void checkLockMode(boolean shared) {
    if (!shared) {
      throw new NonWritableChannelException();
    }
  }

  // ---- close
  // --------------------------------------------------------------------------------------

  /**
   * Releases the channel's locks. A directory opened with {@code DELETE_ON_CLOSE} stays, as on
   * Linux.
   */
  @Override
  protected void implCloseChannel() {
    releaseLocks();
    fs.unregister(this);
  }

  @Override
  public String toString() {
    return "DaxDirectoryChannel[" + path + (isOpen() ? "" : ", closed") + "]";
  }
}
