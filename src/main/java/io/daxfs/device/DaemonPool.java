package io.daxfs.device;

import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The only kind of thread pool daxfs starts: daemon threads that end after a second without work,
 * and a shut-down that waits for them, so that none outlives what owns it and a thread-leak checker
 * that looks right after finds none. A worker clears an interrupt before each task, as every {@link
 * ThreadPoolExecutor} does, and ignores one while it waits for work.
 */
public final class DaemonPool extends ThreadPoolExecutor {
  /**
   * Long enough that a busy program does not start a thread per task, short enough to end soon
   * after.
   */
  private static final long KEEP_ALIVE_MILLIS = 1000;

  private final String name;
  private final Set<Thread> workers = ConcurrentHashMap.newKeySet();

  private DaemonPool(String name, int core, int max, BlockingQueue<Runnable> queue) {
    super(core, max, KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS, queue);
    this.name = name;
    setThreadFactory(this::newWorker);
    allowCoreThreadTimeOut(core > 0);
  }

  /** One thread at most: tasks run one after another, in the order they were given. */
  static DaemonPool serial(String name) {
    return new DaemonPool(name, 1, 1, new LinkedBlockingQueue<>());
  }

  /** A thread for each task that finds none idle, as {@code Executors.newCachedThreadPool} does. */
  public static DaemonPool cached(String name) {
    return new DaemonPool(name, 0, Integer.MAX_VALUE, new SynchronousQueue<>());
  }

  private Thread newWorker(Runnable work) {
    // Ended threads leave only here (or once joined): one that removed itself could still be alive.
    workers.removeIf(w -> !w.isAlive());
    Thread t = new Thread(work, name);
    t.setDaemon(true);
    workers.add(t);
    return t;
  }

  /**
   * Stops taking tasks, lets those given run, and waits until every thread of the pool has ended.
   * It does not wait when called from a task of the pool itself (that thread ends once its task
   * returns), nor once the calling thread is interrupted: the interrupt is kept, and the threads
   * end by themselves when their tasks return.
   */
  public void shutDownAndAwait() {
    shutdown();
    if (workers.contains(Thread.currentThread())) {
      return;
    }
    try {
      awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
      // Terminated means every task is done, not that each worker's run() has returned: wait for
      // the threads themselves, as a leak checker would see them.
      for (Thread t : Set.copyOf(workers)) {
        t.join();
        workers.remove(t);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
