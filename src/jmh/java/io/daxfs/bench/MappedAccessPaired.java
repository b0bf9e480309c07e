package io.daxfs.bench;

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
 * The mapped gets and puts of {@link MappedAccess} through a contender's mapping against its
 * reference's, measured together ({@link PairedTimes}, {@link PairedSides}) in batches of {@link
 * #BATCH}. Pairs, by their {@code pair} parameter value ({@code reference:contender}, each a {@link
 * MappedAccess} contender): {@code raw:daxMap}, a daxfs mapping against the limit, a direct buffer.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MappedAccessPaired {
  /** Accesses per batch: enough that reading the clock twice costs about 1 % of a batch. */
  static final int BATCH = 64;

  @State(Scope.Benchmark)
  public static class PairMaps {
    @Param({"raw:daxMap"})
    public String pair;

    @Param({"256"})
    public int fileMiB;

    PairedSides<Fixture> sides;

    /** By turn ({@link PairedTimes#turn}). */
    final ByteBuffer[] regions = new ByteBuffer[4];

    int[] offsets;

    @Setup(Level.Trial)
    public void open() throws IOException {
      long bytes = (long) fileMiB << 20;
      sides = PairedSides.open(pair, contender -> MappedAccess.file(contender, bytes));
      try {
        for (int turn = 0; turn < 4; turn++) {
          regions[turn] = sides.forTurn(turn).mapWhole();
        }
      } catch (IOException | RuntimeException e) {
        try {
          close(); // JMH runs no tear-down after a failed set-up
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      offsets = Offsets.randomInts(bytes, MappedAccess.SIZE, Fixture.SEED);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      Arrays.fill(regions, null);
      sides.close();
    }
  }

  @State(Scope.Thread)
  public static class ThreadState {
    final byte[] bytes = new byte[MappedAccess.SIZE];
    int next;

    @Setup(Level.Trial)
    public void setup(ThreadParams t) {
      next = Offsets.start(t.getThreadIndex(), t.getThreadCount());
    }
  }

  @Benchmark
  public byte[] get(PairMaps m, ThreadState t, PairedTimes times, Control control) {
    run(m, t, times, control, false);
    return t.bytes;
  }

  @Benchmark
  public ByteBuffer put(PairMaps m, ThreadState t, PairedTimes times, Control control) {
    return run(m, t, times, control, true);
  }

  /** A batch of gets or puts on the side of the current turn; returns its region. */
  private static ByteBuffer run(
      PairMaps m, ThreadState t, PairedTimes times, Control control, boolean put) {
    long start = System.nanoTime();
    int turn = PairedTimes.turn(start);
    ByteBuffer region = m.regions[turn];
    int[] offsets = m.offsets;
    byte[] bytes = t.bytes;
    int i = t.next;
    for (int k = 0; k < BATCH; k++) {
      if (put) {
        region.put(offsets[i], bytes);
      } else {
        region.get(offsets[i], bytes);
      }
      i = (i + 1) & Offsets.MASK;
    }
    t.next = i;
    times.add(control, turn, BATCH, System.nanoTime() - start);
    return region;
  }
}
