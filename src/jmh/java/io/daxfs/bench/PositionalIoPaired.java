package io.daxfs.bench;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * against its reference, measured together ({@link PairedTimes}) in batches of {@link #batch}
 * operations. Pairs, by their {@code pair} parameter value ({@code reference:contender}, each a
 * {@link Fixture} contender):
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

  /** Operations per batch: about 4 KiB moved or more, so that reading the clock costs little. */
  static int batch(int size) {
    return Math.max(1, Math.min(64, 65536 / size));
  }

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
        for (int turn = 0; turn < 4; turn++) {
          stores[turn] = Store.of(sides.forTurn(turn));
        }
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
  public static class ThreadState {
    ByteBuffer buf;
    int next;
    int batch;

    @Setup(Level.Trial)
    public void setup(PairFiles f, ThreadParams t) {
      buf = Fixture.buffer(f.buffer, f.size);
      next = Offsets.start(t.getThreadIndex(), t.getThreadCount());
      batch = batch(f.size);
    }
  }

  @Benchmark
  public int read(PairFiles f, ThreadState t, PairedTimes times, Control control)
      throws IOException {
    return run(f, t, times, control, false);
  }

  @Benchmark
  public int write(PairFiles f, ThreadState t, PairedTimes times, Control control)
      throws IOException {
    return run(f, t, times, control, true);
  }

  private static int run(
      PairFiles f, ThreadState t, PairedTimes times, Control control, boolean write)
      throws IOException {
    long start = System.nanoTime();
    int turn = PairedTimes.turn(start);
    Store store = f.stores[turn];
    int n =
        (turn & 1) != 0
            ? contenderBatch(store, t, f.offsets, write)
            : referenceBatch(store, t, f.offsets, write);
    times.add(control, turn, t.batch, System.nanoTime() - start);
    return n;
  }

  /**
   * A batch on the reference. The same code as {@link #contenderBatch}, written twice so that each
   * side's store is called from a call site of its own: the JIT profiles receivers per call site,
   * and each then sees one type, as in a trial of its own (raw and daxfs are two).
   */
  private static int referenceBatch(Store store, ThreadState t, long[] offsets, boolean write)
      throws IOException {
    ByteBuffer b = t.buf;
    int i = t.next;
    int n = 0;
    for (int k = 0; k < t.batch; k++) {
      b.clear();
      n += write ? store.write(b, offsets[i]) : store.read(b, offsets[i]);
      i = (i + 1) & Offsets.MASK;
    }
    t.next = i;
    return n;
  }

  /** A batch on the contender; see {@link #referenceBatch}. */
  private static int contenderBatch(Store store, ThreadState t, long[] offsets, boolean write)
      throws IOException {
    ByteBuffer b = t.buf;
    int i = t.next;
    int n = 0;
    for (int k = 0; k < t.batch; k++) {
      b.clear();
      n += write ? store.write(b, offsets[i]) : store.read(b, offsets[i]);
      i = (i + 1) & Offsets.MASK;
    }
    t.next = i;
    return n;
  }
}
