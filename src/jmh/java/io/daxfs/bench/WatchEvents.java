package io.daxfs.bench;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
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
 * What the watch service costs a metadata operation: create + delete of an empty file in a
 * directory that nobody watches ({@code none}), while a watch service watches another directory
 * ({@code elsewhere}), and while it watches this one ({@code here}: two events per operation, taken
 * by the operating thread after each operation, so the cost of delivering and taking them is in the
 * figure).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class WatchEvents {
  @State(Scope.Benchmark)
  public static class Fs {
    @Param({"none", "elsewhere", "here"})
    public String watch;

    FileSystem fs;
    Path dir;
    WatchService service;

    @Setup(Level.Trial)
    public void open() throws IOException {
      fs = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(64L << 20).build());
      dir = Files.createDirectory(fs.getPath("/bench"));
      Path other = Files.createDirectory(fs.getPath("/other"));
      switch (watch) {
        case "none" -> {}
        case "elsewhere" -> register(other);
        case "here" -> register(dir);
        default -> throw new IllegalArgumentException("unknown watch: " + watch);
      }
    }

    private void register(Path watched) throws IOException {
      service = fs.newWatchService();
      watched.register(service, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      fs.close(); // closes the watch service too
    }
  }

  @State(Scope.Thread)
  public static class Names {
    Path file;

    @Setup(Level.Trial)
    public void name(Fs fs, ThreadParams t) {
      file = fs.dir.resolve("f" + t.getThreadIndex());
    }
  }

  @Benchmark
  public int createDelete(Fs fs, Names names) throws IOException {
    Files.createFile(names.file);
    Files.delete(names.file);
    if (fs.service == null) {
      return 0;
    }
    WatchKey key = fs.service.poll();
    if (key == null) {
      return 0;
    }
    int n = key.pollEvents().size();
    key.reset();
    return n;
  }
}
