package io.daxfs.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * DAX reads and writes of {@link PositionalIo} (heap buffer, random offsets of a 256 MiB file) on
 * an image against the same in memory, measured together as {@link SmallFilesPaired} measures the
 * small-file cycle: in slices of {@link SmallFilesPaired#SLICE_NANOS}, in batches of {@link #batch}
 * operations, each filesystem's time counted apart ({@link SmallFilesPaired.Times}). The primary
 * score means nothing; the summary reads the counters.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PositionalIoPaired {

  /** Operations per batch: about 4 KiB moved or more, so that reading the clock costs little. */
  static int batch(int size) {
    return Math.max(1, Math.min(64, 65536 / size));
  }

  @State(Scope.Benchmark)
  public static class TwoFiles {
    @Param({"64", "4096", "1048576"})
    public int size;

    @Param({"256"})
    public int fileMiB;

    Fixture memory;
    Fixture image;
    Store onMemory;
    Store onImage;
    long[] offsets;

    @Setup(Level.Trial)
    public void open() throws IOException {
      long bytes = (long) fileMiB << 20;
      memory = Fixture.open("dax", bytes);
      try {
        image = Fixture.open("daxImage", bytes);
      } catch (IOException | RuntimeException e) {
        try {
          memory.close(); // JMH runs no tear-down after a failed set-up
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      onMemory = Store.of(memory);
      onImage = Store.of(image);
      offsets = Offsets.random(bytes, size, Fixture.SEED);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      try {
        memory.close();
      } finally {
        image.close();
      }
    }
  }

  @State(Scope.Thread)
  public static class ThreadState {
    ByteBuffer buf;
    int next;
    int batch;

    @Setup(Level.Trial)
    public void setup(TwoFiles f, ThreadParams t) {
      buf = Fixture.buffer("heap", f.size);
      next = Offsets.start(t.getThreadIndex(), t.getThreadCount());
      batch = batch(f.size);
    }
  }

  @Benchmark
  public int read(TwoFiles f, ThreadState t, SmallFilesPaired.Times times, Control control)
      throws IOException {
    return run(f, t, times, control, false);
  }

  @Benchmark
  public int write(TwoFiles f, ThreadState t, SmallFilesPaired.Times times, Control control)
      throws IOException {
    return run(f, t, times, control, true);
  }

  private static int run(
      TwoFiles f, ThreadState t, SmallFilesPaired.Times times, Control control, boolean write)
      throws IOException {
    long start = System.nanoTime();
    boolean onImage = SmallFilesPaired.imageSlice(start);
    Store store = onImage ? f.onImage : f.onMemory;
    ByteBuffer b = t.buf;
    long[] offsets = f.offsets;
    int i = t.next;
    int n = 0;
    for (int k = 0; k < t.batch; k++) {
      b.clear();
      n += write ? store.write(b, offsets[i]) : store.read(b, offsets[i]);
      i = (i + 1) & Offsets.MASK;
    }
    t.next = i;
    times.add(control, onImage, t.batch, System.nanoTime() - start);
    return n;
  }
}
