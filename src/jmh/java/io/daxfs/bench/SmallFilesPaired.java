package io.daxfs.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;
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
 * The small-file cycle of {@link SmallFiles} of a contender against its reference, measured
 * together ({@link PairedTimes}, {@link PairedSides}) in batches of {@link #BATCH} cycles. Pairs,
 * by their {@code pair} parameter value ({@code reference:contender}, each a {@link SmallFiles}
 * contender): {@code dax:daxImage}, an image against the in-memory device; {@code jimfs:dax}, daxfs
 * against Jimfs. The JDK's calls from {@code Files} and {@code FileChannel} into a provider see
 * both providers of {@code jimfs:dax} (one call site each, in the JDK), where a trial of its own
 * sees one: a cost the pair pays on both sides.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SmallFilesPaired {
  static final int BATCH = 16;

  /** The two sides' directories. */
  @State(Scope.Benchmark)
  public static class PairDirectories {
    @Param({"dax:daxImage", "jimfs:dax"})
    public String pair;

    PairedSides<SmallFiles.Directory> sides;

    @Setup(Level.Trial)
    public void open() throws IOException {
      sides = PairedSides.open(pair, SmallFiles.Directory::open);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      sides.close();
    }
  }

  /** A thread's file and its directory by turn ({@link PairedTimes#turn}), and its 4 KiB. */
  @State(Scope.Thread)
  public static class Names {
    final Path[] files = new Path[4];
    final SmallFiles.Directory[] directories = new SmallFiles.Directory[4];
    final ByteBuffer buf = SmallFiles.data();

    @Setup(Level.Trial)
    public void setup(PairDirectories d, ThreadParams t) {
      for (int turn = 0; turn < 4; turn++) {
        directories[turn] = d.sides.forTurn(turn);
        files[turn] = directories[turn].dir.resolve("file-" + t.getThreadIndex());
      }
    }
  }

  @Benchmark
  public int batch(Names n, PairedTimes times, Control control) throws IOException {
    long start = System.nanoTime();
    int turn = PairedTimes.turn(start);
    Path file = n.files[turn];
    Set<OpenOption> options = n.directories[turn].options;
    int written = 0;
    for (int i = 0; i < BATCH; i++) {
      written += SmallFiles.cycle(file, options, n.buf);
    }
    times.add(control, turn, BATCH, System.nanoTime() - start);
    return written;
  }
}
