package io.daxfs.bench;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.PowerFailModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * What tracking durability ({@code DaxConfiguration.Builder.powerFailModel}) costs: metadata
 * operations with it under each model and without it ({@code dax}), and an in-place write, which
 * tracking must leave alone. Nothing is synced but where the operation says so: blocks freed by
 * changes not yet durable are then held until an allocation finds none free and commits, as ext4
 * does.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class DurabilityTracking {
  /** Appends per file before it is emptied again: 1 MiB of 64 B records. */
  static final int APPENDS = 16384;

  /** Appends per file before it is emptied again when each is forced: 1 MiB of 4 KiB. */
  static final int FORCED_APPENDS = 256;

  /** The in-place file. */
  static final int FILE = 16 << 20;

  @State(Scope.Benchmark)
  public static class Fs {
    @Param({"dax", "daxOrdered", "daxStrict"})
    public String contender;

    FileSystem fs;
    Path dir;
    Path shared;

    @Setup(Level.Trial)
    public void open() throws IOException {
      fs =
          DaxFileSystems.newFileSystem(
              tracking(DaxConfiguration.builder().deviceSize(64L << 20), contender).build());
      dir = Files.createDirectory(fs.getPath("/bench"));
      shared = dir.resolve("in-place");
      try (FileChannel ch =
          FileChannel.open(shared, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer p = Fixture.pattern();
        for (long at = 0; at < FILE; at += p.capacity()) {
          ch.write(p.clear(), at);
        }
      }
      DaxFileSystems.sync(fs);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      fs.close();
    }
  }

  /**
   * {@code config} with the durability tracking a contender name says: none for {@code dax}, {@code
   * ORDERED} for {@code daxOrdered}, {@code STRICT} for {@code daxStrict}.
   *
   * @throws IllegalArgumentException for any other name
   */
  static DaxConfiguration.Builder tracking(DaxConfiguration.Builder config, String contender) {
    switch (contender) {
      case "dax" -> {}
      case "daxOrdered" -> config.powerFailModel(PowerFailModel.ORDERED);
      case "daxStrict" -> config.powerFailModel(PowerFailModel.STRICT);
      default -> throw new IllegalArgumentException("unknown contender: " + contender);
    }
    return config;
  }

  @State(Scope.Thread)
  public static class PerThread {
    Path small;
    FileChannel log;
    FileChannel forcedLog;
    FileChannel inPlace;
    int appended;
    int forced;
    int next;
    final ByteBuffer record = Fixture.alignedDirect(64).put(Fixture.pattern().limit(64));
    final ByteBuffer block = Fixture.alignedDirect(4096).put(Fixture.pattern().limit(4096));
    final long[] offsets = new long[4096];

    @Setup(Level.Trial)
    public void open(Fs f, ThreadParams t) throws IOException {
      small = f.dir.resolve("small-" + t.getThreadIndex());
      log =
          FileChannel.open(
              f.dir.resolve("log-" + t.getThreadIndex()),
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE);
      forcedLog =
          FileChannel.open(
              f.dir.resolve("forced-" + t.getThreadIndex()),
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE);
      inPlace = FileChannel.open(f.shared, StandardOpenOption.WRITE);
      java.util.Random r = new java.util.Random(42 + t.getThreadIndex());
      for (int i = 0; i < offsets.length; i++) {
        offsets[i] = (long) r.nextInt(FILE / 4096) * 4096;
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      log.close();
      forcedLog.close();
      inPlace.close();
    }
  }

  /** The small-file cycle: create, write 4 KiB, close, delete. */
  @Benchmark
  public int createWriteCloseDelete(PerThread t) throws IOException {
    int n;
    try (FileChannel ch =
        FileChannel.open(t.small, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      n = ch.write(t.block.clear());
    }
    Files.delete(t.small);
    return n;
  }

  /** An append of 64 B that grows the file; every 1 MiB the file is emptied. */
  @Benchmark
  public int append64(PerThread t) throws IOException {
    if (++t.appended == APPENDS) {
      t.appended = 0;
      t.log.truncate(0);
    }
    return t.log.write(t.record.clear(), t.log.size());
  }

  /** An append of 4 KiB, then {@code force(false)}; every 1 MiB the file is emptied. */
  @Benchmark
  public int appendAndForce(PerThread t) throws IOException {
    if (++t.forced == FORCED_APPENDS) {
      t.forced = 0;
      t.forcedLog.truncate(0);
    }
    int n = t.forcedLog.write(t.block.clear(), t.forcedLog.size());
    t.forcedLog.force(false);
    return n;
  }

  /** A write of 4 KiB in place, at a random block of a 16 MiB file: the DAX data path. */
  @Benchmark
  public int writeInPlace(PerThread t) throws IOException {
    long at = t.offsets[t.next++ & (t.offsets.length - 1)];
    return t.inPlace.write(t.block.clear(), at);
  }
}
