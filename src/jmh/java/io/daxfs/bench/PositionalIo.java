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
 * Positional read and write ({@code pread}/{@code pwrite}) of 64 B, 4 KiB and 1 MiB at random
 * offsets of a prefilled file, into heap and direct buffers, for every contender that takes any
 * size and buffer. The DIRECT path, which takes only aligned ones, is {@link DirectIo}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PositionalIo {

  @State(Scope.Benchmark)
  public static class FileState {
    @Param({"raw", "dax", "daxImage", "tmpfs", "jimfs"})
    public String contender;

    @Param({"64", "4096", "1048576"})
    public int size;

    @Param({"heap", "direct"})
    public String buffer;

    @Param({"256"})
    public int fileMiB;

    Fixture fixture;
    Store store;
    long[] offsets;

    @Setup(Level.Trial)
    public void open() throws IOException {
      fixture = Fixture.open(contender, (long) fileMiB << 20);
      store = Store.of(fixture);
      offsets = Offsets.random(fixture.size, size, Fixture.SEED);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      fixture.close();
    }
  }

  @State(Scope.Thread)
  public static class ThreadState {
    ByteBuffer buf;
    int next;

    @Setup(Level.Trial)
    public void setup(FileState f, ThreadParams t) {
      buf = Fixture.buffer(f.buffer, f.size);
      next = Offsets.start(t.getThreadIndex(), t.getThreadCount());
    }

    long nextOffset(long[] offsets) {
      int i = next;
      next = (i + 1) & Offsets.MASK;
      return offsets[i];
    }
  }

  @Benchmark
  public int read(FileState f, ThreadState t) throws IOException {
    ByteBuffer b = t.buf;
    b.clear();
    return f.store.read(b, t.nextOffset(f.offsets));
  }

  @Benchmark
  public int write(FileState f, ThreadState t) throws IOException {
    ByteBuffer b = t.buf;
    b.clear();
    return f.store.write(b, t.nextOffset(f.offsets));
  }
}
