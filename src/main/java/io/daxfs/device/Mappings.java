package io.daxfs.device;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The daemon thread every device shares: the one thread that touches the backing files' channels.
 */
final class Mappings {
  private static final ExecutorService BACKING = Executors.newSingleThreadExecutor(r -> daemon(r, "daxfs-memory"));

  private Mappings() {}

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @FunctionalInterface
  interface IoCall<T> {
    T call() throws IOException;
  }

  /**
   * Runs an operation on a backing file's channel on the daxfs memory thread, which is never
   * interrupted, and waits for it without giving up on interrupts (the caller's interrupt status is
   * kept). A JDK file channel closes itself for good when a thread using it is interrupted, and a
   * backing file is unlinked, so it could not be opened again: the device would be lost.
   */
  static <T> T onMemoryThread(IoCall<T> op) throws IOException {
    Future<T> f = BACKING.submit((Callable<T>) op::call);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof IOException io) {
            throw io;
          }
          if (cause instanceof RuntimeException re) {
            throw re;
          }
          if (cause instanceof Error err) {
            throw err;
          }
          throw new IOException(cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
