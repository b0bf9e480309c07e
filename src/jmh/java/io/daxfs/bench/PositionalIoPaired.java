package io.daxfs.bench;

import java.io.Closeable;
import java.io.IOException;
import java.util.Arrays;
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
 * The reads and writes of {@link PositionalIo} (random offsets of a 256 MiB file) of a contender
 * against its reference, measured together ({@link PairedTimes}) in batches of {@link
 * PairedIo#batch} operations. Pairs, by their {@code pair} parameter value ({@code
 * reference:contender}, each a {@link Fixture} contender):
 *
 * <ul>
 *   <li>{@code raw:dax}: daxfs's DAX path against the limit, a copy from the same memory. The raw
 *       side copies through a mapping of the daxfs file ({@code FileChannel.map} gives the device's
 *       pages), so both sides copy from and to the same physical memory: no placement between them
 *       to balance, and one file's memory as in {@link PositionalIo}.
 *   <li>{@code dax:daxImage}: an image against the in-memory device, each opened twice ({@link
 *       PairedSides}).
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PositionalIoPaired {

  /** The pair whose sides share one file's memory. */
  static final String RAW_DAX = "raw:dax";

  @State(Scope.Benchmark)
  public static class PairFiles {
    @Param({"raw:dax", "dax:daxImage"})
    public String pair;

    @Param({"64", "4096", "1048576"})
    public int size;

    @Param({"heap", "direct"})
    public String buffer;

    @Param({"256"})
    public int fileMiB;

    /** What the stores work on: one daxfs file for {@link #RAW_DAX}, else {@link PairedSides}. */
    Closeable files;

    /** By turn ({@link PairedTimes#turn}). */
    final Store[] stores = new Store[4];

    long[] offsets;

    @Setup(Level.Trial)
    public void open() throws IOException {
      long bytes = (long) fileMiB << 20;
      if (pair.equals(RAW_DAX)) {
        Fixture file = Fixture.open("dax", bytes);
        files = file;
        try {
          Store raw = new Store.Raw(file.mapWhole());
          Store dax = Store.of(file);
          for (int turn = 0; turn < 4; turn++) {
            stores[turn] = (turn & 1) != 0 ? dax : raw;
          }
        } catch (Throwable t) {
          try {
            file.close(); // JMH runs no tear-down after a failed set-up
          } catch (Throwable suppressed) {
            t.addSuppressed(suppressed);
          }
          throw t;
        }
      } else {
        PairedSides<Fixture> sides =
            PairedSides.open(pair, contender -> Fixture.open(contender, bytes));
        files = sides;
        PairedIo.storesByTurn(sides, stores);
      }
      offsets = Offsets.random(bytes, size, Fixture.SEED);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      Arrays.fill(stores, null);
      files.close();
    }
  }

  @State(Scope.Thread)
  public static class ThreadState extends PairedIo.Cursor {
    @Setup(Level.Trial)
    public void setup(PairFiles f, ThreadParams t) {
      start(Fixture.buffer(f.buffer, f.size), t.getThreadIndex(), t.getThreadCount());
    }
  }

  @Benchmark
  public int read(PairFiles f, ThreadState t, PairedTimes times, Control control)
      throws IOException {
    return PairedIo.run(f.stores, f.offsets, t, times, control, false);
  }

  @Benchmark
  public int write(PairFiles f, ThreadState t, PairedTimes times, Control control)
      throws IOException {
    return PairedIo.run(f.stores, f.offsets, t, times, control, true);
  }
}
