package io.daxfs.nio;

import io.daxfs.fs.ByteRangeLocks;
import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.util.ArrayList;
import java.util.List;

/**
 * What every daxfs channel does the same way, whether it is open on a regular file or a directory:
 * the open and interrupt checks of the JDK's channels, and the byte-range locks it holds on what it
 * is open on.
 */
abstract class DaxChannel extends FileChannel {
  private final ByteRangeLocks rangeLocks;
  private final List<DaxFileLock> locks = new ArrayList<>(); // guarded by itself

  /**
   * A channel whose locks go to {@code rangeLocks}, the locks of the file or directory it is open
   * on.
   */
  DaxChannel(ByteRangeLocks rangeLocks) {
    this.rangeLocks = rangeLocks;
  }

  final void ensureOpen() throws ClosedChannelException {
    if (!isOpen()) {
      throw new ClosedChannelException();
    }
  }

  /** As the JDK's channels do: an interrupted caller closes the channel instead of doing I/O. */
  final void checkInterrupt() throws ClosedByInterruptException {
    if (Thread.currentThread().isInterrupted()) {
      try {
        close();
      } catch (IOException ignored) {
        // the channel is closed either way
      }
      throw new ClosedByInterruptException();
    }
  }

  static void checkPosition(long position) {
    if (position < 0) {
      throw new IllegalArgumentException("Negative position");
    }
  }

  /**
   * The checks the JDK makes before a transfer, once {@code other} is known not null, in its order:
   * the position and count, then both channels open.
   */
  final void checkTransfer(long position, long count, Channel other) throws ClosedChannelException {
    checkPosition(position);
    if (count < 0) {
      throw new IllegalArgumentException("Negative count");
    }
    ensureOpen();
    if (!other.isOpen()) {
      throw new ClosedChannelException();
    }
  }

  // ---- locks -----------------------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * <p>Never blocks: every holder of a daxfs lock is in this JVM, where the JDK refuses any overlap
   * with {@link OverlappingFileLockException}, whatever the modes.
   */
  @Override
  public final FileLock lock(long position, long size, boolean shared) throws IOException {
    return tryLock(position, size, shared);
  }

  /**
   * {@inheritDoc} The channel must be readable for a shared lock, writable for an exclusive one.
   */
  @Override
  public final FileLock tryLock(long position, long size, boolean shared) throws IOException {
    checkPosition(position);
    if (size < 0) {
      throw new IllegalArgumentException("Negative size");
    }
    if (position + size < 0) {
      throw new IllegalArgumentException("Negative position + size");
    }
    ensureOpen();
    checkLockMode(shared);
    DaxFileLock lock = new DaxFileLock(this, position, size, shared);
    synchronized (locks) {
      ensureOpen();
      if (!rangeLocks.tryAdd(position, size, lock)) {
        throw new OverlappingFileLockException();
      }
      locks.add(lock);
    }
    return lock;
  }

  /**
   * Checks that the channel was opened for what a lock of this mode needs.
   *
   * @throws java.nio.channels.NonReadableChannelException for a shared lock on a channel not open
   *     for reading
   * @throws java.nio.channels.NonWritableChannelException for an exclusive lock on a channel not
   *     open for writing
   */
  abstract void checkLockMode(boolean shared);

  /** Whether {@code lock} is still held through this channel. */
  final boolean holds(DaxFileLock lock) {
    synchronized (locks) {
      return locks.contains(lock);
    }
  }

  /**
   * @throws ClosedChannelException if the channel is closed
   */
  final void release(DaxFileLock lock) throws IOException {
    synchronized (locks) {
      ensureOpen();
      if (locks.remove(lock)) {
        rangeLocks.remove(lock);
      }
    }
  }

  /** Gives up every lock held through this channel: the first step of closing it. */
  final void releaseLocks() {
    synchronized (locks) {
      for (DaxFileLock l : locks) {
        rangeLocks.remove(l);
      }
      locks.clear();
    }
  }
}
