package io.daxfs.bench;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
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
 * What a capability costs the DAX data path, measured together with the same path without it
 * ({@link PairedTimes}): 4 KiB reads and writes at random sector-aligned offsets of a 256 MiB file
 * on a 1 GiB device, into and from an aligned direct buffer, every thread through one channel, as
 * {@link BadRanges} measures reads in trials of its own. ({@link DurabilityTracking}'s in-place
 * write differs: a 16 MiB file, 4 KiB-aligned offsets, a channel per thread.) Pairs, by their
 * {@code pair} parameter value ({@code reference:contender}, each side opened twice, {@link
 * PairedSides}):
 *
 * <ul>
 *   <li>{@code dax:daxBadRanges}: with {@value #BAD_RANGES} one-sector bad ranges on the device
 *       outside the file ({@link BadRanges#injectOutside}), so that every operation succeeds but
 *       checks the badblocks list;
 *   <li>{@code dax:daxOrdered}, {@code dax:daxStrict}: on a filesystem that tracks durability under
 *       that model, the file made durable before the measurement.
 * </ul>
 *
 * Both sides run the same compiled code, so the capability's branch (the badblocks lookup, say) is
 * compiled in for the reference too, where a trial of its own would leave it out: the ratio is of
 * the work, not of the code's shape.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class DataPathPaired {
  static final int SIZE = 4096;
  static final int BAD_RANGES = 100_000;

  /** As {@link BadRanges}: room after the file for {@link #BAD_RANGES} ranges apart. */
  static final long DEVICE = BadRanges.DEVICE;

  @State(Scope.Benchmark)
  public static class PairFiles {
    @Param({"dax:daxBadRanges", "dax:daxOrdered", "dax:daxStrict"})
    public String pair;

    @Param({"256"})
    public int fileMiB;

    PairedSides<Fixture> sides;

    /** By turn ({@link PairedTimes#turn}). */
    final Store[] stores = new Store[4];

    long[] offsets;

    @Setup(Level.Trial)
    public void open() throws IOException {
      long bytes = (long) fileMiB << 20;
      offsets = Offsets.random(bytes, SIZE, Fixture.SEED);
      sides = PairedSides.open(pair, contender -> openSide(contender, bytes));
      PairedIo.storesByTurn(sides, stores);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      Arrays.fill(stores, null);
      sides.close();
    }
  }

  /** One side's file; closed again if what follows the open fails. */
  static Fixture openSide(String contender, long bytes) throws IOException {
    DaxConfiguration.Builder config = DaxConfiguration.builder().deviceSize(DEVICE);
    if (!contender.equals("daxBadRanges")) {
      DurabilityTracking.tracking(config, contender);
    }
    Fixture f = Fixture.open("dax", bytes, config.build());
    try {
      if (contender.equals("daxBadRanges")) {
        BadRanges.injectOutside(f.fs, BAD_RANGES);
        // The first check after a change builds the lookup snapshot: not part of what is measured.
        Store.of(f).read(ByteBuffer.allocate(SIZE), 0);
      } else {
        DaxFileSystems.sync(f.fs);
      }
      return f;
    } catch (Throwable t) { // an error too (direct memory): JMH runs no tear-down after a set-up
      try {
        f.close();
      } catch (Throwable suppressed) {
        t.addSuppressed(suppressed);
      }
      throw t;
    }
  }

  @State(Scope.Thread)
  public static class ThreadState extends PairedIo.Cursor {
    @Setup(Level.Trial)
    public void setup(ThreadParams t) {
      start(Fixture.alignedDirect(SIZE), t.getThreadIndex(), t.getThreadCount());
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
