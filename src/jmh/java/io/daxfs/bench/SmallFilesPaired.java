package io.daxfs.bench;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The small-file cycle of {@link SmallFiles} on an image against the same cycle in memory, measured
 * together, for the ratio between them. The clock is cut into slices of {@link #SLICE_NANOS}, each
 * the in-memory device's or the image's as a hash of its number says ({@link #imageSlice}); every
 * thread runs batches of {@link #BATCH} cycles on the filesystem whose slice a batch starts in, and
 * counts the batches' time per filesystem ({@link Times}). So both filesystems meet the same
 * machine, within milliseconds of each other, and with several threads they all work on the same
 * one at once.
 *
 * <p>Why not the two {@code SmallFiles} trials: they run seconds apart, and on a shared VM the
 * machine's speed moves by up to 2× over seconds (both rates together), which made their ratio
 * range from 0.34× to 0.58× over the full runs. What the pairing costs: both filesystems run in one
 * JVM, so they share compiled code and its profile, and work done outside the calling thread (a
 * garbage collection, the host writing the image's dirty pages back) falls on whichever side runs
 * then. The ratio is of the time paid in the calling threads. The primary score (batches per
 * second, of both kinds) means nothing; the summary reads the counters.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SmallFilesPaired {
  static final int BATCH = 16;
  static final long SLICE_NANOS = 2_000_000;

  /** The two filesystems, each with a directory the threads work in. */
  @State(Scope.Benchmark)
  public static class Volumes {
    FileSystem memory;
    FileSystem image;
    Path memoryDir;
    Path imageDir;
    Path tmpDir;

    @Setup(Level.Trial)
    public void open() throws IOException {
      tmpDir = Files.createTempDirectory(Fixture.imageRoot(), "daxfs-bench-");
      try {
        memory =
            DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(64L << 20).build());
        image =
            DaxFileSystems.newFileSystem(
                DaxConfiguration.builder()
                    .deviceSize(64L << 20)
                    .image(Fixture.image(tmpDir))
                    .build());
        memoryDir = Files.createDirectory(memory.getPath("/small"));
        imageDir = Files.createDirectory(image.getPath("/small"));
      } catch (IOException | RuntimeException e) {
        try {
          close(); // JMH runs no tear-down after a failed set-up
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      try {
        if (memory != null) {
          memory.close();
        }
      } finally {
        try {
          if (image != null) {
            image.close();
          }
        } finally {
          Fixture.deleteTree(tmpDir); // the image is closed (or its close failed) by now
        }
      }
    }
  }

  /** A thread's file name on each filesystem, and its 4 KiB. */
  @State(Scope.Thread)
  public static class Names {
    Path onMemory;
    Path onImage;
    final ByteBuffer buf = SmallFiles.data();

    @Setup(Level.Trial)
    public void setup(Volumes v, ThreadParams t) {
      onMemory = v.memoryDir.resolve("file-" + t.getThreadIndex());
      onImage = v.imageDir.resolve("file-" + t.getThreadIndex());
    }
  }

  /**
   * Operations done and nanoseconds spent, per filesystem, summed over the threads (JMH reports
   * each field per iteration). {@link PositionalIoPaired} counts with it too.
   */
  @AuxCounters(AuxCounters.Type.EVENTS)
  @State(Scope.Thread)
  public static class Times {
    public long memoryOps;
    public long memoryNanos;
    public long imageOps;
    public long imageNanos;

    @Setup(Level.Iteration)
    public void reset() {
      memoryOps = 0;
      memoryNanos = 0;
      imageOps = 0;
      imageNanos = 0;
    }

    /**
     * Counts a batch, unless it ran outside the measurement (JMH also calls the benchmark while it
     * brings the threads in step before and after it).
     */
    void add(Control control, boolean onImage, int ops, long nanos) {
      if (!control.startMeasurement || control.stopMeasurement) {
        return;
      }
      if (onImage) {
        imageOps += ops;
        imageNanos += nanos;
      } else {
        memoryOps += ops;
        memoryNanos += nanos;
      }
    }
  }

  /**
   * Whether the slice that holds {@code nanoTime} is the image's: a hash of the slice's number, so
   * that a disturbance with a period of two slices (the kernel's tick at 250 Hz is one every 4 ms,
   * daxfs's clock thread wakes as often) falls on both sides alike rather than always on one.
   * Threads agree on it, so they work on the same filesystem at once.
   */
  static boolean imageSlice(long nanoTime) {
    long x = nanoTime / SLICE_NANOS;
    x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
    x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return ((x ^ (x >>> 33)) & 1) != 0;
  }

  @Benchmark
  public int batch(Names n, Times t, Control control) throws IOException {
    long start = System.nanoTime();
    boolean onImage = imageSlice(start);
    Path file = onImage ? n.onImage : n.onMemory;
    int written = 0;
    for (int i = 0; i < BATCH; i++) {
      written += SmallFiles.cycle(file, SmallFiles.CREATE, n.buf);
    }
    t.add(control, onImage, BATCH, System.nanoTime() - start);
    return written;
  }
}
