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

/**
 * Reads the whole prefilled file front to back with a 1 MiB buffer; one operation is the whole
 * file. The buffer is direct and 512-aligned so that the DIRECT path runs the same loop; with two
 * threads each reads the whole file.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SequentialRead {
  static final int BUFFER = 1 << 20;

  @State(Scope.Benchmark)
  public static class FileState {
    @Param({"raw", "dax", "direct", "tmpfs", "jimfs"})
    public String contender;

    @Param({"256"})
    public int fileMiB;

    Fixture fixture;
    Store store;

    @Setup(Level.Trial)
    public void open() throws IOException {
      fixture = Fixture.open(contender, (long) fileMiB << 20);
      store = Store.of(fixture);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      fixture.close();
    }
  }

  @State(Scope.Thread)
  public static class ThreadState {
    final ByteBuffer buf = Fixture.alignedDirect(BUFFER);
  }

  @Benchmark
  public long readAll(FileState f, ThreadState t) throws IOException {
    ByteBuffer b = t.buf;
    Store s = f.store;
    long pos = 0;
    while (true) {
      b.clear();
      int n = s.read(b, pos);
      if (n < 0) {
        return pos;
      }
      pos += n;
    }
  }
}
