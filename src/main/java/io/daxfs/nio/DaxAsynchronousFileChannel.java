package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ShutdownChannelGroupException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * An asynchronous channel that runs each operation of a daxfs file or directory channel on an
 * executor: the one given at open (never shut down by daxfs), or else its filesystem's own pool,
 * whose threads end when idle and are waited for when the filesystem closes. Where the JDK would
 * use its JVM-wide default pool, a pool per filesystem leaves no thread behind once the filesystem
 * is closed, and keeps one filesystem's completion handlers from starving another's; a pool per
 * channel would start a thread for every channel a program opens.
 *
 * <p>An operation still waiting for a thread when the channel closes fails with {@link
 * AsynchronousCloseException}; one under way completes. Either way its handler or future hears of
 * it, and when the filesystem closes, before its close returns. Interrupting a thread that runs an
 * operation does not close the channel, as with the JDK's asynchronous file channels.
 */
final class DaxAsynchronousFileChannel extends AsynchronousFileChannel {
  private final FileChannel channel;
  private final boolean readable;
  private final boolean writable;
  private final ExecutorService executor;

  /**
   * Runs the operations of {@code channel}, a file or directory channel opened with {@code
   * options}.
   */
  DaxAsynchronousFileChannel(FileChannel channel, OpenOptions options, ExecutorService executor) {
    this.channel = channel;
    this.readable = options.read();
    this.writable = options.write();
    this.executor = requireNonNull(executor, "executor");
  }

  @FunctionalInterface
  private interface Op<V> {
    V run() throws IOException;
  }

  private <V> Future<V> submit(Op<V> op) {
    CompletableFuture<V> future = new CompletableFuture<>();
    run(
        op,
        new CompletionHandler<V, Object>() {
          @Override
          public void completed(V result, Object attachment) {
            future.complete(result);
          }

          @Override
          public void failed(Throwable exc, Object attachment) {
            future.completeExceptionally(exc);
          }
        },
        null);
    return future;
  }

  private <V, A> void run(Op<V> op, CompletionHandler<V, ? super A> handler, A attachment) {
    if (!channel.isOpen()) {
      // Started after the close (not pending at it): the handler still runs on the executor, as the
      // JDK's does.
      handOver(() -> handler.failed(new ClosedChannelException(), attachment), handler, attachment);
      return;
    }
    handOver(
        () -> {
          V result;
          try {
            if (!channel.isOpen()) {
              throw new AsynchronousCloseException();
            }
            result = op.run();
          } catch (ClosedChannelException closedMeanwhile) {
            handler.failed(new AsynchronousCloseException(), attachment);
            return;
          } catch (Throwable t) {
            handler.failed(t, attachment);
            return;
          }
          handler.completed(result, attachment);
        },
        handler,
        attachment);
  }

  private <A> void handOver(Runnable task, CompletionHandler<?, ? super A> handler, A attachment) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // The filesystem's own pool refuses work only once the filesystem, and so the channel, is
      // closed.
      Throwable failure =
          channel.isOpen() ? new ShutdownChannelGroupException() : new ClosedChannelException();
      handler.failed(failure, attachment);
    }
  }

  @Override
  public long size() throws IOException {
    return channel.size();
  }

  @Override
  public AsynchronousFileChannel truncate(long size) throws IOException {
    channel.truncate(size);
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    channel.force(metaData);
  }

  @Override
  public <A> void lock(
      long position,
      long size,
      boolean shared,
      A attachment,
      CompletionHandler<FileLock, ? super A> handler) {
    requireNonNull(handler, "handler");
    checkLock(position, size, shared);
    run(() -> channel.lock(position, size, shared), handler, attachment);
  }

  @Override
  public Future<FileLock> lock(long position, long size, boolean shared) {
    checkLock(position, size, shared);
    return submit(() -> channel.lock(position, size, shared));
  }

  /** The checks the contract wants before the operation starts. */
  private void checkLock(long position, long size, boolean shared) {
    if (position < 0 || size < 0 || position + size < 0) {
      throw new IllegalArgumentException("Negative position or size");
    }
    if (shared && !readable) {
      throw new NonReadableChannelException();
    }
    if (!shared && !writable) {
      throw new NonWritableChannelException();
    }
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return channel.tryLock(position, size, shared);
  }

  @Override
  public <A> void read(
      ByteBuffer dst, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
    requireNonNull(handler, "handler");
    checkRead(dst, position);
    run(() -> readAt(dst, position), handler, attachment);
  }

  @Override
  public Future<Integer> read(ByteBuffer dst, long position) {
    checkRead(dst, position);
    return submit(() -> readAt(dst, position));
  }

  private void checkRead(ByteBuffer dst, long position) {
    requireNonNull(dst, "dst");
    if (position < 0) {
      throw new IllegalArgumentException("Negative position");
    }
    if (!readable) {
      throw new NonReadableChannelException();
    }
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("Read-only buffer");
    }
  }

  @Override
  public <A> void write(
      ByteBuffer src, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
    requireNonNull(handler, "handler");
    checkWrite(src, position);
    run(() -> writeAt(src, position), handler, attachment);
  }

  @Override
  public Future<Integer> write(ByteBuffer src, long position) {
    checkWrite(src, position);
    return submit(() -> writeAt(src, position));
  }

  private void checkWrite(ByteBuffer src, long position) {
    requireNonNull(src, "src");
    if (position < 0) {
      throw new IllegalArgumentException("Negative position");
    }
    if (!writable) {
      throw new NonWritableChannelException();
    }
  }

  /** A read that an interrupt of the running thread does not turn into a close of the channel. */
  private int readAt(ByteBuffer dst, long position) throws IOException {
    return channel instanceof DaxFileChannel file
        ? file.readUninterruptibly(dst, position)
        : channel.read(dst, position);
  }

  /** A write that an interrupt of the running thread does not turn into a close of the channel. */
  private int writeAt(ByteBuffer src, long position) throws IOException {
    return channel instanceof DaxFileChannel file
        ? file.writeUninterruptibly(src, position)
        : channel.write(src, position);
  }

  @Override
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
