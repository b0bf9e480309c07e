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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Loads and stores of 64 B at random offsets through a buffer over the whole file: the raw direct
 * buffer, a daxfs {@code FileChannel.map} (the device memory itself) and a tmpfs mapping. Each is
 * an absolute bulk {@code get}/{@code put} between the buffer and a 64-byte array.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MappedAccess {
  static final int SIZE = 64;

  /** Opens the file a contender maps: {@code raw}, {@code daxMap} or {@code tmpfsMap}. */
  static Fixture file(String contender, long bytes) throws IOException {
    String file =
        switch (contender) {
          case "raw" -> "raw";
          case "daxMap" -> "dax";
          case "tmpfsMap" -> "tmpfs";
          default -> throw new IllegalArgumentException("unknown contender: " + contender);
        };
    return Fixture.open(file, bytes);
  }

  @State(Scope.Benchmark)
  public static class MapState {
    @Param({"raw", "daxMap", "tmpfsMap"})
    public String contender;

    @Param({"256"})
    public int fileMiB;

    Fixture fixture;
    ByteBuffer region;
    int[] offsets;

    @Setup(Level.Trial)
    public void open() throws IOException {
      fixture = file(contender, (long) fileMiB << 20);
      region = fixture.mapWhole();
      offsets = Offsets.randomInts(fixture.size, SIZE, Fixture.SEED);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      region = null;
      fixture.close();
    }
  }

  @State(Scope.Thread)
  public static class ThreadState {
    final byte[] bytes = new byte[SIZE];
    int next;

    @Setup(Level.Trial)
    public void setup(ThreadParams t) {
      next = Offsets.start(t.getThreadIndex(), t.getThreadCount());
    }

    int nextOffset(int[] offsets) {
      int i = next;
      next = (i + 1) & Offsets.MASK;
      return offsets[i];
    }
  }

  @Benchmark
  public byte[] get(MapState m, ThreadState t) {
    m.region.get(t.nextOffset(m.offsets), t.bytes);
    return t.bytes;
  }

  @Benchmark
  public ByteBuffer put(MapState m, ThreadState t) {
    return m.region.put(t.nextOffset(m.offsets), t.bytes);
  }
}
