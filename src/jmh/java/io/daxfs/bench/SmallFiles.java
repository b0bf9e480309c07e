package io.daxfs.bench;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.Closeable;
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

  /** A contender's directory the threads work in, with the options the cycle opens files with. */
  static final class Directory implements Closeable {
    final Path dir;
    final Set<OpenOption> options;
    private final FileSystem fs;

    /** The default filesystem's directory (tmpfs, or the image's), deleted at the end. */
    private final Path tmpDir;

    private Directory(Path dir, Set<OpenOption> options, FileSystem fs, Path tmpDir) {
      this.dir = dir;
      this.options = options;
      this.fs = fs;
      this.tmpDir = tmpDir;
    }

    static Directory open(String contender) throws IOException {
      switch (contender) {
        case "dax", "direct" -> {
          Set<OpenOption> options = new HashSet<>(CREATE);
          if (contender.equals("direct")) {
            options.add(ExtendedOpenOption.DIRECT);
          }
          return in(
              DaxFileSystems.newFileSystem(
                  DaxConfiguration.builder().deviceSize(64L << 20).build()),
              options,
              null);
        }
        case "daxImage" -> {
          Path tmpDir = Files.createTempDirectory(Fixture.imageRoot(), "daxfs-bench-");
          FileSystem fs;
          try {
            fs =
                DaxFileSystems.newFileSystem(
                    DaxConfiguration.builder()
                        .deviceSize(64L << 20)
                        .image(Fixture.image(tmpDir))
                        .build());
          } catch (IOException | RuntimeException e) {
            Fixture.deleteTree(tmpDir);
            throw e;
          }
          return in(fs, CREATE, tmpDir);
        }
        case "tmpfs" -> {
          Path tmpDir = Files.createTempDirectory(Fixture.tmpfsRoot(), "daxfs-bench-");
          return new Directory(tmpDir, CREATE, null, tmpDir);
        }
        case "jimfs" -> {
          return in(Jimfs.newFileSystem(Configuration.unix()), CREATE, null);
        }
        default -> throw new IllegalArgumentException("unknown contender: " + contender);
      }
    }

    /**
     * The directory /small of {@code fs}; closes {@code fs} and deletes {@code tmpDir} if it fails.
     */
    private static Directory in(FileSystem fs, Set<OpenOption> options, Path tmpDir)
        throws IOException {
      try {
        return new Directory(Files.createDirectory(fs.getPath("/small")), options, fs, tmpDir);
      } catch (IOException | RuntimeException e) {
        try {
          new Directory(null, options, fs, tmpDir).close(); // its close, for its order
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }

    @Override
    public void close() throws IOException {
      try {
        if (fs != null) {
          fs.close();
        }
      } finally {
        Fixture.deleteTree(tmpDir); // an image is closed (or its close failed) by now
      }
    }
  }

  @State(Scope.Benchmark)
  public static class DirState {
    @Param({"dax", "daxImage", "direct", "tmpfs", "jimfs"})
    public String contender;

    Directory directory;

    @Setup(Level.Trial)
    public void open() throws IOException {
      directory = Directory.open(contender);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      directory.close();
    }
  }

  @State(Scope.Thread)
  public static class ThreadState {
    Path file;
    final ByteBuffer buf = data();

    @Setup(Level.Trial)
    public void setup(DirState d, ThreadParams t) {
      file = d.directory.dir.resolve("file-" + t.getThreadIndex());
    }
  }

  @Benchmark
  public int createWriteCloseDelete(DirState d, ThreadState t) throws IOException {
    return cycle(t.file, d.directory.options, t.buf);
  }
}
