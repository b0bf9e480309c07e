package io.daxfs.fs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * The in-place writes under way on one file, by byte range, and the locked reads that must not
 * overlap them.
 *
 * <p>An in-place write changes bytes inside the file's size and its allocated blocks, and nothing
 * else: no size, no extent. Such writes need not exclude each other when their ranges are disjoint,
 * so they hold a range here instead of the file's write lock, and two threads writing different
 * parts of a file copy at the same time. Linux serializes DAX writes to one inode on its {@code
 * i_rwsem}; this is where daxfs does more than Linux, and only in what a program can observe as
 * speed: every read still sees each write whole or not at all.
 *
 * <p>Who sees the writes:
 *
 * <ul>
 *   <li>Lock-free readers take a {@link #stamp()}, copy, then check {@link #unchanged}: the stamp
 *       changes whenever a write begins or ends, and says when one is under way.
 *   <li>Locked readers try the same; when writes are under way they hold a shared range ({@link
 *       #beginRead}), which no in-place write can overlap.
 *   <li>Operations that change the file's shape hold the file's write lock, which new in-place
 *       writes check after taking their range, and then wait here until the writes under way end
 *       ({@link #awaitNone}).
 * </ul>
 *
 * <p>The book-keeping is a few entries under a spin lock held for a handful of instructions: there
 * are rarely more entries than threads, and a range query must not cost more than the copy it
 * guards. The spin lock's bit lives in the stamp's word, so a write begins and ends with one atomic
 * instruction each.
 *
 * <p>Small writes (of at most {@link #SMALL_MAX} bytes: page writes are among them) do not touch
 * that word, whose cache line would otherwise move between the cores on every write: each holds the
 * <em>stripes</em> its bytes fall in, a word per {@value #STRIPE_BYTES} bytes of the file modulo
 * {@value #STRIPE_COUNT}, each on a cache line of its own, as a sequence lock (odd while held),
 * taken in index order. Two small writes to distant bytes then touch different lines, and two that
 * share a stripe take turns. A small write goes ahead only when the registry above is empty (no
 * write nor locked read of it under way), else it gives its stripes back and takes the registry's
 * path; a registry entry, once taken, waits for the stripes of its range to be free. Each side
 * publishes itself before it looks at the other (Dekker), so the two never overlap. Lock-free
 * readers validate the stripes of their range as they validate the stamp; the file's write lock
 * waits for every stripe.
 */
final class InPlaceWrites {
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(InPlaceWrites.class, "state", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The spin lock's bit of the state. */
  private static final long LOCKED = 1;

  /** One write under way, in the state. */
  private static final long WRITE = 2;

  /** The bits that count the writes under way. */
  private static final long WRITES = 0x7FFF_FFFEL;

  /** Set while locked reads hold ranges; no part of a stamp, since readers exclude no reader. */
  private static final long READS = 1L << 31;

  /** Each begin and end of a write adds this to the state, so a stamp never comes back. */
  private static final long CHANGE = 1L << 32;

  /** {@code changes << 32 | writes under way << 1 | locked}. */
  @SuppressWarnings("unused") // through STATE
  private volatile long state;

  private static final long[] NONE = {};

  // Guarded by the spin lock: {start, end} pairs, packed from index 0; allocated at first use,
  // since most files are never written by two threads at once.
  private long[] writes = NONE;
  private int writeCount;
  private long[] reads = NONE;
  private int readCount;

  /** Readers waiting for a range: while any waits, new writes are refused, so none starves. */
  private int waitingReaders;

  static final int STRIPE_BYTES = 4096;

  /**
   * The longest write that may hold stripes: it falls into at most five. Longer writes copy long
   * enough that the range table's atomic on one word does not count, and stay tearable by a power
   * cut (which lets stripe holders end).
   */
  static final int SMALL_MAX = 4 * STRIPE_BYTES;

  private static final int STRIPE_SHIFT = 12;

  /**
   * As many stripes as a mask has bits. Two threads writing pages at random places each hold one or
   * two stripes for the whole copy, so with 16 one write in five waited for the other's copy though
   * their bytes were far apart; with 64, one in twenty. The price is 4 KiB per file, and only for
   * files that take small in-place writes.
   */
  static final int STRIPE_COUNT = Long.SIZE;

  private static final long ALL_STRIPES = -1L;

  /** Longs from one stripe's word to the next: 64 bytes, a cache line. */
  private static final int PAD = 8;

  private static final VarHandle STRIPE = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle STRIPES;

  static {
    try {
      STRIPES = MethodHandles.lookup().findVarHandle(InPlaceWrites.class, "stripes", long[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Stripes no write ever held: shared by every file until its first small in-place write. */
  private static final long[] NO_STRIPES = new long[(STRIPE_COUNT + 1) * PAD];

  /**
   * Stripe {@code i}'s word at {@code (i + 1) * PAD}: a count of the begins and ends of the small
   * writes that held it, odd while one does. Allocated at the first small in-place write (most
   * files get none), never replaced after.
   */
  private volatile long[] stripes = NO_STRIPES;

  /** The current stamp, to check with {@link #unchanged} after a copy. */
  long stamp() {
    return (long) STATE.getVolatile(this) & ~(LOCKED | READS);
  }

  /** Whether no in-place write was under way when {@code stamp} was taken. */
  static boolean quiet(long stamp) {
    return (int) stamp == 0;
  }

  /**
   * Whether no in-place write began or ended since {@code stamp}. Orders the caller's earlier reads
   * before this check, as {@link java.util.concurrent.locks.StampedLock#validate} does.
   */
  boolean unchanged(long stamp) {
    VarHandle.acquireFence();
    return ((long) STATE.getVolatile(this) & ~(LOCKED | READS)) == stamp;
  }

  /**
   * Takes {@code [start, end)} for an in-place write, unless another write or a locked read holds
   * an overlapping range or a reader is waiting; never blocks.
   *
   * @return whether the range is now held; if so, {@link #endWrite} must follow
   */
  boolean tryBeginWrite(long start, long end) {
    long s = lock();
    try {
      if (waitingReaders > 0
          || overlaps(writes, writeCount, start, end)
          || overlaps(reads, readCount, start, end)) {
        return false;
      }
      writes = add(writes, writeCount, start, end);
      writeCount++;
      s += CHANGE + WRITE;
    } finally {
      unlock(s);
    }
    // Published before the stripes are looked at, so that a small write either sees this entry or
    // is seen holding its stripe; this also orders the new stamp before any byte of the write for
    // lock-free readers (the seqlock's write-side fence).
    VarHandle.fullFence();
    awaitStripes(start, end);
    return true;
  }

  /** Gives back a range that {@link #tryBeginWrite} took; the write's bytes are ordered before. */
  void endWrite(long start, long end) {
    long s = lock();
    try {
      writeCount = remove(writes, writeCount, start, end);
      s += CHANGE - WRITE;
    } finally {
      unlock(s);
    }
  }

  /**
   * Holds {@code [start, end)} against in-place writes for a locked read, waiting while one that
   * overlaps is under way (it ends without waiting on anything). {@link #endRead} must follow.
   */
  void beginRead(long start, long end) {
    boolean waiting = false;
    for (int spins = 0; ; spins++) {
      long s = lock();
      try {
        if (!overlaps(writes, writeCount, start, end)) {
          reads = add(reads, readCount, start, end);
          readCount++;
          s |= READS;
          if (waiting) {
            waitingReaders--;
          }
          break;
        }
        if (!waiting) {
          waiting = true;
          waitingReaders++;
        }
      } finally {
        unlock(s);
      }
      backOff(spins);
    }
    VarHandle.fullFence(); // as in tryBeginWrite
    awaitStripes(start, end);
  }

  /** Gives back a range that {@link #beginRead} took. */
  void endRead(long start, long end) {
    long s = lock();
    try {
      readCount = remove(reads, readCount, start, end);
      if (readCount == 0) {
        s &= ~READS;
      }
    } finally {
      unlock(s);
    }
  }

  /**
   * Waits until no in-place write is under way. The caller holds the file's write lock, so writes
   * that begin meanwhile find it taken and give their range back.
   */
  void awaitNone() {
    // A write counts itself under the spin lock and looks at the file's write lock afterwards: a
    // held spin lock may be such a write about to count itself, so it is waited for too.
    for (int spins = 0; ((long) STATE.getVolatile(this) & (WRITES | LOCKED)) != 0; spins++) {
      backOff(spins);
    }
    awaitStripes(0, Long.MAX_VALUE);
  }

  // ---- small writes --------------------------------------------------------------------------

  /**
   * Takes the stripes of {@code [start, end)} (at most {@link #SMALL_MAX} bytes) for a small
   * in-place write, waiting while another small write holds one (it is copying, and waits for
   * nothing but a higher stripe). Refused, with nothing held, when the registry is not empty: the
   * caller then tries {@link #tryBeginWrite}.
   *
   * @return whether the stripes are now held; if so, {@link #endSmallWrite} must follow
   */
  boolean tryBeginSmallWrite(long start, long end) {
    long[] st = stripes;
    if (st == NO_STRIPES) {
      long[] fresh = new long[(STRIPE_COUNT + 1) * PAD];
      long[] won = (long[]) STRIPES.compareAndExchange(this, NO_STRIPES, fresh);
      st = won == NO_STRIPES ? fresh : won;
    }
    // In index order, so that two writes that each want the other's stripe never wait in a ring.
    long mask = stripeMask(start, end);
    for (long m = mask; m != 0; m &= m - 1) {
      hold(st, Long.numberOfTrailingZeros(m));
    }
    // The stripes' compare-and-set orders this read after them (Dekker, with tryBeginWrite).
    if (((long) STATE.getVolatile(this) & (WRITES | READS | LOCKED)) != 0) {
      freeAll(st, mask);
      return false;
    }
    return true;
  }

  /**
   * Gives back the stripes {@link #tryBeginSmallWrite} took; the write's bytes are ordered before.
   */
  void endSmallWrite(long start, long end) {
    freeAll(stripes, stripeMask(start, end));
  }

  /**
   * The stripes' stamp of {@code [start, end)}, to check with {@link #stripesUnchanged} after a
   * copy: the sum of their words (which only grow, so any begin or end changes it), or -1 while a
   * small write holds one of them.
   */
  long stripeStamp(long start, long end) {
    long[] st = stripes;
    if (st == NO_STRIPES) {
      return 0;
    }
    long sum = 0;
    for (long m = stripeMask(start, end); m != 0; m &= m - 1) {
      long w = (long) STRIPE.getVolatile(st, slot(Long.numberOfTrailingZeros(m)));
      if ((w & 1) != 0) {
        return -1;
      }
      sum += w;
    }
    return sum;
  }

  /**
   * Whether no small write over {@code [start, end)} began or ended since {@code stamp} was taken;
   * orders the caller's earlier reads before the check.
   */
  boolean stripesUnchanged(long stamp, long start, long end) {
    VarHandle.acquireFence();
    return stripeStamp(start, end) == stamp;
  }

  /** Waits until no small write holds a stripe of {@code [start, end)}. */
  private void awaitStripes(long start, long end) {
    for (int spins = 0; stripeStamp(start, end) < 0; spins++) {
      backOff(spins);
    }
  }

  /**
   * The stripes that {@code [start, end)} (not empty) falls in, a bit each: a run of bits from the
   * first byte's stripe, wrapping around past the last stripe, or all of them.
   */
  static long stripeMask(long start, long end) {
    long count = ((end - 1) >>> STRIPE_SHIFT) - (start >>> STRIPE_SHIFT) + 1;
    if (count >= STRIPE_COUNT) {
      return ALL_STRIPES;
    }
    return Long.rotateLeft((1L << count) - 1, (int) (start >>> STRIPE_SHIFT));
  }

  private static void freeAll(long[] st, long mask) {
    for (long m = mask; m != 0; m &= m - 1) {
      free(st, Long.numberOfTrailingZeros(m));
    }
  }

  private static int slot(int stripe) {
    return (stripe + 1) * PAD;
  }

  private static void hold(long[] st, int stripe) {
    int at = slot(stripe);
    for (int spins = 0; ; spins++) {
      long w = (long) STRIPE.getVolatile(st, at);
      if ((w & 1) == 0 && STRIPE.compareAndSet(st, at, w, w + 1)) {
        return;
      }
      // The holder copies a few hundred bytes at most, unless it was preempted: then let it run.
      if (spins < 64) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
  }

  private static void free(long[] st, int stripe) {
    int at = slot(stripe);
    STRIPE.setRelease(st, at, (long) STRIPE.get(st, at) + 1);
  }

  /**
   * The ranges of the in-place writes under way now, as {@code {start, end}} pairs: what a power
   * cut finds half done. Off the write path: only the cut asks.
   */
  long[] writesUnderWay() {
    long s = lock();
    try {
      return Arrays.copyOf(writes, 2 * writeCount);
    } finally {
      unlock(s);
    }
  }

  /** Takes the spin lock; returns the state (unlocked) for {@link #unlock}. */
  private long lock() {
    for (int spins = 0; ; spins++) {
      long s = (long) STATE.getVolatile(this);
      if ((s & LOCKED) == 0 && STATE.compareAndSet(this, s, s | LOCKED)) {
        return s;
      }
      // The holder may have been preempted: let it run rather than burn its core.
      if (spins < 64) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
  }

  /** Releases the spin lock, publishing {@code next} (unlocked) as the state. */
  private void unlock(long next) {
    STATE.setRelease(this, next);
  }

  /** Spins briefly, then yields, then sleeps in short naps: the wait is for a copy to end. */
  private static void backOff(int spins) {
    if (spins < 100) {
      Thread.onSpinWait();
    } else if (spins < 200) {
      Thread.yield();
    } else {
      LockSupport.parkNanos(20_000);
    }
  }

  private static boolean overlaps(long[] ranges, int count, long start, long end) {
    for (int i = 0; i < count; i++) {
      if (ranges[2 * i] < end && start < ranges[2 * i + 1]) {
        return true;
      }
    }
    return false;
  }

  private static long[] add(long[] ranges, int at, long start, long end) {
    long[] r =
        2 * at + 2 <= ranges.length
            ? ranges
            : Arrays.copyOf(ranges, Math.max(8, ranges.length * 2));
    r[2 * at] = start;
    r[2 * at + 1] = end;
    return r;
  }

  /** Removes one entry equal to {@code [start, end)}, moving the last into its place. */
  private static int remove(long[] ranges, int count, long start, long end) {
    for (int i = 0; i < count; i++) {
      if (ranges[2 * i] == start && ranges[2 * i + 1] == end) {
        int last = count - 1;
        ranges[2 * i] = ranges[2 * last];
        ranges[2 * i + 1] = ranges[2 * last + 1];
        return last;
      }
    }
    throw new IllegalStateException("range " + start + ".." + end + " is not held");
  }
}
