package io.daxfs.bench;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.util.SplittableRandom;
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
 * The cost of the badblocks lookup on the DAX read path: a 4 KiB read at random offsets of a file
 * on a 1 GiB device, with no bad sector at all, or with {@code badRanges} one-sector ranges
 * injected in the device space the file does not use (so every read still succeeds).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class BadRanges {
  static final int SIZE = 4096;
  static final long DEVICE = 1L << 30;

  @State(Scope.Benchmark)
  public static class FileState {
    @Param({"dax"})
    public String contender;

    @Param({"0", "100000"})
    public int badRanges;

    @Param({"256"})
    public int fileMiB;

    Fixture fixture;
    Store store;
    long[] offsets;

    @Setup(Level.Trial)
    public void open() throws IOException {
      fixture =
          Fixture.open(
              contender,
              (long) fileMiB << 20,
              DaxConfiguration.builder().deviceSize(DEVICE).build());
      store = Store.of(fixture);
      offsets = Offsets.random(fixture.size, SIZE, Fixture.SEED);
      injectOutside(fixture.fs, badRanges);
      // The first check after a change builds the lookup snapshot: not part of what is measured.
      store.read(ByteBuffer.allocate(SIZE), 0);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      fixture.close();
    }
  }

  /**
   * Injects {@code count} separate one-sector errors after the last device byte of the file, spread
   * over the rest of the device: one in each window of (up to 16) sectors, at a seeded offset that
   * leaves the window's last two sectors clean, so that no two touch and the badblocks list holds
   * exactly {@code count} ranges.
   *
   * <p>They are injected latent and then made known by one scrub, which leaves the same state as
   * {@code injectError} (poisoned and listed): {@code injectError} merges each new range into the
   * known list at a cost linear in its length, so 100 000 of them take minutes.
   */
  static void injectOutside(FileSystem fs, int count) throws IOException {
    if (count == 0) {
      return;
    }
    PmemDevice device = DaxFileSystems.device(fs);
    long fileEnd = 0;
    for (FileExtent e : DaxFiles.extents(fs.getPath("/bench.dat"))) {
      fileEnd = Math.max(fileEnd, e.physicalOffset() + e.length());
    }
    long first = (fileEnd + device.sectorSize() - 1) / device.sectorSize();
    long window = Math.min(16, (device.sectorCount() - first) / count);
    if (window < 3) {
      throw new IllegalStateException(
          "no room for " + count + " separate bad ranges after sector " + first);
    }
    SplittableRandom r = new SplittableRandom(Fixture.SEED);
    for (long i = 0; i < count; i++) {
      device.injectLatentError(first + i * window + r.nextInt((int) window - 2), 1);
    }
    device.scrub();
    int listed = device.badblocks().size();
    if (listed != count) {
      throw new IllegalStateException(
          "expected " + count + " bad ranges, the device lists " + listed);
    }
  }

  @State(Scope.Thread)
  public static class ThreadState {
    final ByteBuffer buf = Fixture.alignedDirect(SIZE);
    int next;

    @Setup(Level.Trial)
    public void setup(ThreadParams t) {
      next = Offsets.start(t.getThreadIndex(), t.getThreadCount());
    }
  }

  @Benchmark
  public int read(FileState f, ThreadState t) throws IOException {
    ByteBuffer b = t.buf;
    b.clear();
    int i = t.next;
    t.next = (i + 1) & Offsets.MASK;
    return f.store.read(b, f.offsets[i]);
  }
}
