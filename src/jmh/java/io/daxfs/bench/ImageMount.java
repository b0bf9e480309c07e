package io.daxfs.bench;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to mount an image that holds many files: {@code files} empty files in directories of 1000,
 * one in ten with 4 KiB of data (an extent each), as a writer, from the checkpoint the previous
 * close left. Only the mount is timed; the close after it (which writes a checkpoint) is not. One
 * thread by nature: an image has one writer (the launcher leaves this out of its 2-thread run).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class ImageMount {
  static final int PER_DIRECTORY = 1000;

  @Param({"100000"})
  public int files;

  private Path dir;
  private DaxConfiguration config;
  private FileSystem mounted;

  @Setup(Level.Trial)
  public void create() throws IOException {
    dir = Files.createTempDirectory(Fixture.imageRoot(), "daxfs-bench-");
    config = DaxConfiguration.builder().deviceSize(256L << 20).image(Fixture.image(dir)).build();
    ByteBuffer data = ByteBuffer.wrap(Arrays.copyOf(Fixture.pattern().array(), 4096));
    try (FileSystem fs = DaxFileSystems.newFileSystem(config)) {
      Path d = null;
      for (int i = 0; i < files; i++) {
        if (i % PER_DIRECTORY == 0) {
          d = Files.createDirectory(fs.getPath("/d" + i / PER_DIRECTORY));
        }
        Path f = d.resolve("f" + i);
        if (i % 10 == 0) {
          try (FileChannel ch =
              FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(data.clear(), 0);
          }
        } else {
          Files.createFile(f);
        }
      }
    } catch (IOException | RuntimeException e) {
      Fixture.deleteTree(dir); // JMH runs no tear-down after a failed set-up
      throw e;
    }
  }

  @Benchmark
  public FileSystem mount() throws IOException {
    mounted = DaxFileSystems.newFileSystem(config);
    return mounted;
  }

  @TearDown(Level.Invocation)
  public void unmount() throws IOException {
    if (mounted != null) {
      mounted.close();
      mounted = null;
    }
  }

  @TearDown(Level.Trial)
  public void delete() throws IOException {
    Fixture.deleteTree(dir);
  }
}
