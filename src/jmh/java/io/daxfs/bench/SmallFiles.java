package io.daxfs.bench;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The small-file cycle: create a new file, write 4 KiB, close it, delete it. Threads work in the
 * same directory, on a name each. There is no raw contender: a memory copy has no names. On an
 * image ({@code daxImage}) every change of names, blocks and size is also appended to the image's
 * metadata log.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SmallFiles {
  static final int SIZE = 4096;

  /** How the cycle opens its file (the DIRECT contender adds its option). */
  static final Set<OpenOption> CREATE =
      Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

  /** A thread's 4 KiB to write. */
  static ByteBuffer data() {
    return Fixture.alignedDirect(SIZE).put(Fixture.pattern().limit(SIZE));
  }

  /** One cycle: creates {@code file} with {@code options}, writes {@code data}, closes, deletes. */
  static int cycle(Path file, Set<OpenOption> options, ByteBuffer data) throws IOException {
    data.clear();
    int n;
    try (FileChannel ch = FileChannel.open(file, options)) {
      n = ch.write(data);
    }
    Files.delete(file);
    return n;
  }

  @State(Scope.Benchmark)
  public static class DirState {
    @Param({"dax", "daxImage", "direct", "tmpfs", "jimfs"})
    public String contender;

    FileSystem fs;
    Path dir;

    /** The default filesystem's directory (tmpfs, or the image's), deleted at the end. */
    Path tmpDir;

    final Set<OpenOption> options = new HashSet<>(CREATE);

    @Setup(Level.Trial)
    public void open() throws IOException {
      switch (contender) {
        case "dax", "direct" -> {
          fs =
              DaxFileSystems.newFileSystem(
                  DaxConfiguration.builder().deviceSize(64L << 20).build());
          dir = Files.createDirectory(fs.getPath("/small"));
          if (contender.equals("direct")) {
            options.add(ExtendedOpenOption.DIRECT);
          }
        }
        case "daxImage" -> {
          tmpDir = Files.createTempDirectory(Fixture.imageRoot(), "daxfs-bench-");
          try {
            fs =
                DaxFileSystems.newFileSystem(
                    DaxConfiguration.builder()
                        .deviceSize(64L << 20)
                        .image(Fixture.image(tmpDir))
                        .build());
            dir = Files.createDirectory(fs.getPath("/small"));
          } catch (IOException | RuntimeException e) {
            close(); // JMH runs no tear-down after a failed set-up
            throw e;
          }
        }
        case "tmpfs" ->
            dir = tmpDir = Files.createTempDirectory(Fixture.tmpfsRoot(), "daxfs-bench-");
        case "jimfs" -> {
          fs = Jimfs.newFileSystem(Configuration.unix());
          dir = Files.createDirectory(fs.getPath("/small"));
        }
        default -> throw new IllegalArgumentException("unknown contender: " + contender);
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      if (fs != null) {
        fs.close();
      }
      Fixture.deleteTree(tmpDir);
    }
  }

  @State(Scope.Thread)
  public static class ThreadState {
    Path file;
    final ByteBuffer buf = data();

    @Setup(Level.Trial)
    public void setup(DirState d, ThreadParams t) {
      file = d.dir.resolve("file-" + t.getThreadIndex());
    }
  }

  @Benchmark
  public int createWriteCloseDelete(DirState d, ThreadState t) throws IOException {
    return cycle(t.file, d.options, t.buf);
  }
}
