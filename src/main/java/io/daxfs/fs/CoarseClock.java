package io.daxfs.fs;

import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * The time daxfs stamps files with: wall-clock nanoseconds, refreshed every 4 ms (Linux's timer
 * tick at its default HZ=250) by a daemon thread while any volume is open. Linux stamps files the same way, from a clock that only
 * advances at the timer tick, so that a write does not pay for a clock read; here a clock read
 * costs several times a small copy, so the hot paths read this field instead.
 */
final class CoarseClock {
  private static final long TICK_NANOS = 4_000_000;

  private static volatile long now = wall();
  private static int users; // guarded by CoarseClock.class
  private static Thread ticker; // guarded by CoarseClock.class

  private CoarseClock() {}

  /** Now, to the last tick. */
  static long now() {
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
      Thread t = new Thread(CoarseClock::tick, "daxfs-clock");
      t.setDaemon(true);
      ticker = t;
      t.start();
    }
  }

  /** A volume closed: the last one stops the clock. */
  static synchronized void release() {
    if (users > 0 && --users == 0) {
      Thread t = ticker;
      ticker = null;
      LockSupport.unpark(t);
    }
  }

  private static void tick() {
    Thread self = Thread.currentThread();
    while (isCurrent(self)) {
      now = wall();
      LockSupport.parkNanos(TICK_NANOS);
    }
  }

  private static synchronized boolean isCurrent(Thread t) {
    return ticker == t;
  }
}
