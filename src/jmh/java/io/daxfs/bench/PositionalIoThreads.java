package io.daxfs.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The 64 B DAX reads and writes of {@link PositionalIo} (one daxfs file, random offsets) by one
 * thread against two, measured together ({@link PairedTimes}): for the target that two threads on
 * one file do together at least what one does. It runs with exactly 2 threads. In the reference's
 * turns the second thread sleeps until its slice ends and the first works alone; in the contender's
 * both work. So one thread and two meet the same machine, where two trials of {@link PositionalIo}
 * with 1 and 2 threads run minutes apart.
 *
 * <p>Only the first thread's clock counts: both threads count their operations, the first alone its
 * time, so each side's rate is the operations of all its threads per second of the first's. A
 * sleeping thread wakes some tens of microseconds late, and the first part of a two-thread turn
 * then has one thread working, in time that counts: that leans the two-thread rate toward the
 * one-thread rate. (Counting each thread's own time instead would lean it the other way: the late
 * thread's missing time would not count, the first thread's lone work would.)
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(2)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PositionalIoThreads {
  @State(Scope.Benchmark)
  public static class OneFile {
    @Param({"64"})
    public int size;

    @Param({"heap", "direct"})
    public String buffer;

    @Param({"256"})
    public int fileMiB;

    Fixture file;
    Store store;
    long[] offsets;

    @Setup(Level.Trial)
    public void open(ThreadParams t) throws IOException {
      if (t.getThreadCount() != 2) {
        throw new IllegalStateException(
            "PositionalIoThreads measures one thread against two: run it with 2 threads, not "
                + t.getThreadCount());
      }
      long bytes = (long) fileMiB << 20;
      file = Fixture.open("dax", bytes);
      store = Store.of(file);
      offsets = Offsets.random(bytes, size, Fixture.SEED);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      file.close();
    }
  }

  @State(Scope.Thread)
  public static class ThreadState extends PairedIo.Cursor {
    boolean first;

    @Setup(Level.Trial)
    public void setup(OneFile f, ThreadParams t) {
      start(Fixture.buffer(f.buffer, f.size), t.getThreadIndex(), t.getThreadCount());
      first = t.getThreadIndex() == 0;
    }
  }

  @Benchmark
  public int read(OneFile f, ThreadState t, PairedTimes times, Control control) throws IOException {
    return run(f, t, times, control, false);
  }

  @Benchmark
  public int write(OneFile f, ThreadState t, PairedTimes times, Control control)
      throws IOException {
    return run(f, t, times, control, true);
  }

  private static int run(
      OneFile f, ThreadState t, PairedTimes times, Control control, boolean write)
      throws IOException {
    long start = System.nanoTime();
    int turn = PairedTimes.turn(start);
    boolean both = (turn & 1) != 0;
    if (!both && !t.first) {
      long sliceEnd = (Math.floorDiv(start, PairedTimes.SLICE_NANOS) + 1) * PairedTimes.SLICE_NANOS;
      LockSupport.parkNanos(sliceEnd - start);
      return 0;
    }
    int n = PairedIo.contenderBatch(f.store, t, f.offsets, write);
    times.add(control, turn, t.batch, t.first ? System.nanoTime() - start : 0);
    return n;
  }
}
