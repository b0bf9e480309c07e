package io.daxfs.fs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * The time daxfs stamps files with: wall-clock nanoseconds, refreshed every 4 ms (Linux's timer
 * tick at its default HZ=250) by a daemon thread while any volume is open. Linux stamps files the
 * same way, from a clock that only advances at the timer tick, so that a write does not pay for a
 * clock read; here a clock read costs several times a small copy, so the hot paths read this field
 * instead.
 *
 * <p>The ticker sleeps when no one has read the time for two ticks, so an idle filesystem (or one
 * used only through mappings) costs no wake-ups; the first reader after that reads the wall clock
 * itself and wakes the ticker. The last volume to close ends the ticker and waits for it; the next
 * to open starts another. Interrupts of the ticker are ignored.
 */
final class CoarseClock {
  private static final long TICK_NANOS = 4_000_000;
  private static final int IDLE_TICKS = 2;
  private static final VarHandle SLEEPING;

  static {
    try {
      SLEEPING =
          MethodHandles.lookup().findStaticVarHandle(CoarseClock.class, "sleeping", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static volatile long now = wall();

  /**
   * Set by the first reader after each tick, cleared by the ticker (readers write it only while it
   * is clear).
   */
  private static volatile boolean touched;

  /** The ticker is parked until a reader wakes it. */
  @SuppressWarnings("unused") // also through SLEEPING
  private static volatile boolean sleeping;

  private static int users; // guarded by CoarseClock.class
  private static volatile Thread ticker; // written under CoarseClock.class

  private CoarseClock() {}

  /** Now, to the last tick. */
  static long now() {
    if (!touched) {
      return touch();
    }
    return now;
  }

  private static long touch() {
    touched = true;
    if (sleeping) {
      // The ticker has not run for a while: its time is stale.
      long t = wall();
      if (SLEEPING.compareAndSet(true, false)) {
        now = t; // before the ticker runs again, so the time never steps back
        LockSupport.unpark(ticker);
      }
      return t;
    }
    return now;
  }

  private static long wall() {
    Instant i = Instant.now();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  /** A volume opened: keep the clock ticking. */
  static synchronized void acquire() {
    now = wall();
    if (users++ == 0) {
      sleeping = false;
      Thread t = new Thread(CoarseClock::tick, "daxfs-clock");
      t.setDaemon(true);
      ticker = t;
      t.start();
    }
  }

  /**
   * A volume closed: the last one stops the clock and waits for its thread to end, so that none of
   * daxfs's threads outlives the last filesystem (a thread-leak checker looks right after). It
   * waits holding the lock, so that a volume opening meanwhile starts the next ticker only then:
   * the hand-off between readers and ticker assumes one ticker.
   */
  static synchronized void release() {
    if (users == 0 || --users > 0) {
      return;
    }
    Thread stopped = ticker;
    ticker = null;
    LockSupport.unpark(stopped);
    joinUninterruptibly(stopped); // within a tick: the ticker never takes this lock
  }

  /**
   * The ticker ends within a tick of being told; an interrupt of the closing thread is kept for
   * later.
   */
  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void tick() {
    Thread self = Thread.currentThread();
    int idle = 0;
    while (ticker == self) {
      // Someone (a leak checker, a test runner) interrupted this thread: parking would return at
      // once for ever after, a spin. The clock has no use for interrupts.
      Thread.interrupted();
      now = wall();
      if (touched) {
        touched = false;
        idle = 0;
      } else if (++idle >= IDLE_TICKS) {
        idle = 0;
        sleeping = true;
        // A reader sets touched before it looks at sleeping, and this looks at touched after
        // setting sleeping, so one of the two always sees the other. Only a reader (or the next
        // ticker) clears sleeping: this thread may already be a stopped clock's.
        if (!touched) {
          LockSupport.park(CoarseClock.class);
        }
        continue;
      }
      LockSupport.parkNanos(CoarseClock.class, TICK_NANOS);
    }
  }
}
