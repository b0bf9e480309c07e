package io.daxfs.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Control;

/**
 * How the paired benchmarks ({@link PositionalIoPaired}, {@link DataPathPaired}, {@link
 * MappedAccessPaired}, {@link SmallFilesPaired}, and {@link PositionalIoThreads} for one thread
 * against two) measure a contender against its reference together, for the ratio between them: the
 * clock is cut into slices of {@link #SLICE_NANOS}, each the reference's or the contender's as a
 * hash of its number says ({@link #turn}); every thread runs batches on the side (and the copy of
 * it, {@link PairedSides}) whose slice a batch starts in, and counts the batches' operations and
 * time per side in these counters (summed over the threads; JMH reports each field per iteration).
 * So both sides meet the same machine within milliseconds of each other, and with several threads
 * all work on the same side at once (in {@link PositionalIoThreads}, one of them sleeps through the
 * reference's turns).
 *
 * <p>Why not two separate trials: they run seconds apart, and on a shared VM the machine's speed
 * moves by up to 2× over seconds (every contender's rate together), which made the ratio of the
 * small-file cycle on an image to the one in memory range from 0.34× to 0.58× over four full runs.
 * What the pairing costs: both sides run in one JVM, so they share compiled code and its profile (a
 * call both make sees two receiver types, where a trial of its own sees one), and work done outside
 * the calling thread (a garbage collection, the host writing an image's dirty pages back) falls on
 * whichever side runs then. The ratio is of the time paid in the calling threads. A paired
 * benchmark's primary score (batches per second, of both sides) means nothing; the summary reads
 * the counters.
 */
@AuxCounters(AuxCounters.Type.EVENTS)
@State(Scope.Thread)
public class PairedTimes {
  /** A slice of the clock: long beside a batch, short beside a second of measurement. */
  static final long SLICE_NANOS = 2_000_000;

  public long referenceOps;
  public long referenceNanos;
  public long contenderOps;
  public long contenderNanos;

  @Setup(Level.Iteration)
  public void reset() {
    referenceOps = 0;
    referenceNanos = 0;
    contenderOps = 0;
    contenderNanos = 0;
  }

  /**
   * The turn of the slice that holds {@code nanoTime}: bit 0 says the side (1: the contender), bit
   * 1 which of its two copies ({@link PairedSides}). A hash of the slice's number, so that a
   * disturbance with a period of two slices (the kernel's tick at 250 Hz is one every 4 ms, daxfs's
   * clock thread wakes as often) falls on both sides alike rather than always on one. Threads agree
   * on it, so they work on the same side at once.
   */
  static int turn(long nanoTime) {
    long x = Math.floorDiv(nanoTime, SLICE_NANOS);
    x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
    x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return (int) (x ^ (x >>> 33)) & 3;
  }

  /**
   * Counts a batch of {@code ops} in {@code turn} that took {@code nanos}, unless it ran outside
   * the measurement (JMH also calls the benchmark while it brings the threads in step before and
   * after it).
   */
  void add(Control control, int turn, int ops, long nanos) {
    if (!control.startMeasurement || control.stopMeasurement) {
      return;
    }
    if ((turn & 1) != 0) {
      contenderOps += ops;
      contenderNanos += nanos;
    } else {
      referenceOps += ops;
      referenceNanos += nanos;
    }
  }
}
