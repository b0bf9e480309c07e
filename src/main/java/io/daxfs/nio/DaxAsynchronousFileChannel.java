package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;

/**
 * An asynchronous channel that runs each operation of a daxfs {@link FileChannel} on an executor:
 * the one given at open, or a shared pool of daemon threads.
 */
final class DaxAsynchronousFileChannel extends AsynchronousFileChannel {
  private static final ExecutorService DEFAULT_EXECUTOR = Executors.newCachedThreadPool(daemonThreads());

  private final FileChannel channel;
  private final boolean readable;
  private final boolean writable;
  private final ExecutorService executor;

  /** Runs the operations of {@code channel}, a file or directory channel opened with {@code options}. */
  DaxAsynchronousFileChannel(FileChannel channel, OpenOptions options, ExecutorService executor) {
    this.channel = channel;
    this.readable = options.read();
    this.writable = options.write();
    this.executor = executor == null ? DEFAULT_EXECUTOR : executor;
  }

  private static ThreadFactory daemonThreads() {
    return r -> {
      Thread t = new Thread(r, "daxfs-async-io");
      t.setDaemon(true);
      return t;
    };
  }

  @FunctionalInterface
  private interface Op<V> {
    V run() throws IOException;
  }

  private <V> Future<V> submit(Op<V> op) {
    CompletableFuture<V> future = new CompletableFuture<>();
    run(op, new CompletionHandler<V, Object>() {
      @Override
      public void completed(V result, Object attachment) {
        future.complete(result);
      }

      @Override
      public void failed(Throwable exc, Object attachment) {
        future.completeExceptionally(exc);
      }
    }, null);
    return future;
  }

  private <V, A> void run(Op<V> op, CompletionHandler<V, ? super A> handler, A attachment) {
    try {
      executor.execute(() -> {
        V result;
        try {
          if (!channel.isOpen()) {
            throw new AsynchronousCloseException();
          }
          result = op.run();
        } catch (Throwable t) {
          handler.failed(t, attachment);
          return;
        }
        handler.completed(result, attachment);
      });
    } catch (RejectedExecutionException e) {
      handler.failed(new java.nio.channels.ShutdownChannelGroupException(), attachment);
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
  public <A> void lock(long position, long size, boolean shared, A attachment,
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
  public <A> void read(ByteBuffer dst, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
    requireNonNull(handler, "handler");
    checkRead(dst, position);
    run(() -> channel.read(dst, position), handler, attachment);
  }

  @Override
  public Future<Integer> read(ByteBuffer dst, long position) {
    checkRead(dst, position);
    return submit(() -> channel.read(dst, position));
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
  public <A> void write(ByteBuffer src, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
    requireNonNull(handler, "handler");
    checkWrite(src, position);
    run(() -> channel.write(src, position), handler, attachment);
  }

  @Override
  public Future<Integer> write(ByteBuffer src, long position) {
    checkWrite(src, position);
    return submit(() -> channel.write(src, position));
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

  @Override
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
