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
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One contender's prefilled file, shared by the threads of a benchmark.
 *
 * <p>Contenders, by their {@code contender} parameter value:
 *
 * <ul>
 *   <li>{@code raw}: a direct {@link ByteBuffer} as the "device"; a read or write is one absolute
 *       bulk copy, the same JDK copy daxfs' {@code DeviceMemory} makes. This is the limit.
 *   <li>{@code dax}: a daxfs file opened plainly (the DAX path); {@code direct}: the same with
 *       {@link ExtendedOpenOption#DIRECT} (the block-driver path), aligned sizes and buffers only.
 *   <li>{@code daxImage}: as {@code dax}, on a device backed by an image file in {@link
 *       #imageRoot()} (a host filesystem, not tmpfs), deleted at the end.
 *   <li>{@code tmpfs}: the default filesystem, on /dev/shm where present (else java.io.tmpdir), so
 *       that the OS side is a page-cache copy too, never a disk.
 *   <li>{@code jimfs}: Jimfs with {@code Configuration.unix()}: a heap-based in-memory filesystem.
 * </ul>
 *
 * The tmpfs file is unlinked as soon as it is open (and mapped): a killed run leaves nothing in
 * /dev/shm.
 */
final class Fixture implements Closeable {
  static final long SEED = 0x5eed_da7a_f5L;
  static final int MiB = 1 << 20;

  final String contender;
  final long size;

  /** Raw: the device itself. */
  final ByteBuffer device;

  /** Every other contender: a read-write channel to the prefilled file. */
  final FileChannel channel;

  /** The daxfs or Jimfs filesystem holding the file; null for raw and tmpfs. */
  final FileSystem fs;

  /** The host directory holding an image, deleted after the filesystem closes; else null. */
  private final Path imageDir;

  private Fixture(
      String contender, long size, ByteBuffer device, FileChannel channel, FileSystem fs) {
    this(contender, size, device, channel, fs, null);
  }

  private Fixture(
      String contender,
      long size,
      ByteBuffer device,
      FileChannel channel,
      FileSystem fs,
      Path imageDir) {
    this.contender = contender;
    this.size = size;
    this.device = device;
    this.channel = channel;
    this.fs = fs;
    this.imageDir = imageDir;
  }

  /** Opens {@code contender}'s file of {@code size} bytes, prefilled with seeded random bytes. */
  static Fixture open(String contender, long size) throws IOException {
    return open(contender, size, daxConfig(size));
  }

  /** A daxfs device with room for the file twice over (a mapping may want a contiguous copy). */
  static DaxConfiguration daxConfig(long fileSize) {
    return DaxConfiguration.builder().deviceSize(2 * fileSize + 64L * MiB).build();
  }

  static Fixture open(String contender, long size, DaxConfiguration daxConfig) throws IOException {
    switch (contender) {
      case "raw":
        {
          ByteBuffer device = pageAligned(Math.toIntExact(size));
          ByteBuffer chunk = pattern();
          for (int p = 0; p < size; p += chunk.capacity()) {
            device.put(p, chunk, 0, (int) Math.min(chunk.capacity(), size - p));
          }
          return new Fixture(contender, size, device, null, null);
        }
      case "dax":
      case "direct":
        {
          FileSystem fs = DaxFileSystems.newFileSystem(daxConfig);
          try {
            Path file = fs.getPath("/bench.dat");
            prefill(file, size);
            Set<OpenOption> options =
                new HashSet<>(Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
            if (contender.equals("direct")) {
              options.add(ExtendedOpenOption.DIRECT);
            }
            return new Fixture(contender, size, null, FileChannel.open(file, options), fs);
          } catch (IOException | RuntimeException e) {
            fs.close();
            throw e;
          }
        }
      case "daxImage":
        {
          Path dir = Files.createTempDirectory(imageRoot(), "daxfs-bench-");
          FileSystem fs = null;
          try {
            fs = DaxFileSystems.newFileSystem(daxConfig.toBuilder().image(image(dir)).build());
            Path file = fs.getPath("/bench.dat");
            prefill(file, size);
            FileChannel ch =
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            return new Fixture(contender, size, null, ch, fs, dir);
          } catch (IOException | RuntimeException e) {
            if (fs != null) {
              fs.close();
            }
            deleteTree(dir);
            throw e;
          }
        }
      case "tmpfs":
        {
          Path dir = Files.createTempDirectory(tmpfsRoot(), "daxfs-bench-");
          try {
            Path file = dir.resolve("bench.dat");
            prefill(file, size);
            FileChannel ch =
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Files.delete(file);
            Files.delete(dir);
            return new Fixture(contender, size, null, ch, null);
          } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
          }
        }
      case "jimfs":
        {
          FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
          Path file = fs.getPath("/bench.dat");
          prefill(file, size);
          return new Fixture(
              contender,
              size,
              null,
              FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE),
              fs);
        }
      default:
        throw new IllegalArgumentException("unknown contender: " + contender);
    }
  }

  /**
   * The whole file as a buffer: the raw device itself, or a {@code READ_WRITE} mapping of the file
   * (for daxfs, the device memory under it).
   */
  ByteBuffer mapWhole() throws IOException {
    if (device != null) {
      return device;
    }
    return channel.map(MapMode.READ_WRITE, 0, size);
  }

  /** Where the default-filesystem contenders live: tmpfs, so that no disk is measured. */
  static Path tmpfsRoot() {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return shm;
    }
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  /**
   * Where image files go: {@code bench.imageDir}, else {@code java.io.tmpdir}, a host filesystem
   * with a disk under it, as a program's images would be (tmpfs would measure the in-memory device
   * again).
   */
  static Path imageRoot() {
    return Path.of(System.getProperty("bench.imageDir", System.getProperty("java.io.tmpdir")));
  }

  /** The image file in a directory of {@link #imageRoot()}. */
  static Path image(Path dir) {
    return dir.resolve("bench.img");
  }

  /** 1 MiB of seeded random bytes (the same in every contender and run). */
  static ByteBuffer pattern() {
    byte[] bytes = new byte[MiB];
    new SplittableRandom(SEED).nextBytes(bytes);
    return ByteBuffer.wrap(bytes);
  }

  private static void prefill(Path file, long size) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocateDirect(MiB).put(pattern()).flip();
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long p = 0; p < size; ) {
        chunk.clear().limit((int) Math.min(MiB, size - p));
        while (chunk.hasRemaining()) {
          p += ch.write(chunk, p);
        }
      }
    }
  }

  /**
   * A direct buffer of {@code size} bytes starting on a page, as device memory (and any mapping)
   * does. A plain {@code allocateDirect} of this size starts 16 bytes into a page (the allocator's
   * header), so every copy between the raw device and a buffer would be aligned differently from
   * the same copy out of daxfs' device memory.
   */
  static ByteBuffer pageAligned(int size) {
    int page = 4096;
    return ByteBuffer.allocateDirect(size + page).alignedSlice(page).slice(0, size);
  }

  /** A direct buffer of {@code size} bytes whose address is 512-aligned, as DIRECT I/O wants. */
  static ByteBuffer alignedDirect(int size) {
    // alignedSlice also rounds the end down to the alignment: allocate whole units and one more.
    int units = (size + 511) / 512;
    return ByteBuffer.allocateDirect((units + 1) * 512).alignedSlice(512).slice(0, size);
  }

  static ByteBuffer buffer(String kind, int size) {
    switch (kind) {
      case "heap":
        return ByteBuffer.allocate(size);
      case "direct":
        return alignedDirect(size);
      default:
        throw new IllegalArgumentException("unknown buffer kind: " + kind);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Override
  public void close() throws IOException {
    try {
      if (channel != null) {
        channel.close();
      }
    } finally {
      try {
        if (fs != null) {
          fs.close();
        }
      } finally {
        deleteTree(imageDir);
      }
    }
  }
}
