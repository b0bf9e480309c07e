package io.daxfs.bench;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What a large, mostly empty device costs: a 64 GiB daxfs device holding 256 MiB of files (64 files
 * of 4 MiB). Prints {@code PmemDevice.memoryUsed()} and the process's resident memory from
 * /proc/self/status before and after, and writes them as properties to the file named by the first
 * argument. Run in a JVM of its own (the launcher forks one), so that nothing else moves RSS.
 *
 * <p>Then the same on an image, after the memory figures are taken: the host space the image file
 * takes ({@code st_blocks}, from {@code stat}) when formatted, with the files, after the close, and
 * after the files are deleted, beside its apparent size.
 */
public final class MemoryFootprint {
  static final long DEVICE = 64L << 30;
  static final int FILES = 64;
  static final int FILE_SIZE = 4 << 20;

  private MemoryFootprint() {}

  public static void main(String[] args) throws IOException {
    Map<String, Object> out = measure();
    out.putAll(image());
    out.forEach((k, v) -> System.out.println("memory: " + k + " = " + v));
    if (args.length > 0) {
      Properties p = new Properties();
      out.forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
      Path file = Path.of(args[0]);
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (Writer w = Files.newBufferedWriter(file)) {
        p.store(w, "daxfs memory footprint (MemoryFootprint)");
      }
    }
  }

  static Map<String, Object> measure() throws IOException {
    ByteBuffer chunk = ByteBuffer.allocateDirect(Fixture.MiB).put(Fixture.pattern()).flip();
    // Load and compile what the measured part uses, so that the "before" figure already has it.
    try (FileSystem warm = DaxFileSystems.newFileSystem()) {
      writeFiles(warm, 2, chunk);
    }
    System.gc();
    Map<String, Long> before = status();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("deviceBytes", DEVICE);
    out.put("fileBytes", (long) FILES * FILE_SIZE);
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(DEVICE).build())) {
      writeFiles(fs, FILES, chunk);
      System.gc();
      Map<String, Long> after = status();
      out.put("memoryUsed", DaxFileSystems.device(fs).memoryUsed());
      for (String k : before.keySet()) {
        out.put(k + ".before", before.get(k));
        out.put(k + ".after", after.get(k));
      }
    }
    System.gc();
    Map<String, Long> closed = status();
    for (String k : before.keySet()) {
      out.put(k + ".closed", closed.get(k));
    }
    return out;
  }

  private static void writeFiles(FileSystem fs, int count, ByteBuffer chunk) throws IOException {
    Path dir = Files.createDirectories(fs.getPath("/data"));
    for (int i = 0; i < count; i++) {
      try (FileChannel ch =
          FileChannel.open(
              dir.resolve("f" + i), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        for (int p = 0; p < FILE_SIZE; p += Fixture.MiB) {
          chunk.clear();
          while (chunk.hasRemaining()) {
            ch.write(chunk);
          }
        }
      }
    }
  }

  /** The host space of a 64 GiB image as 256 MiB of files come and go; keys start "image.". */
  static Map<String, Object> image() throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    Path dir = Files.createTempDirectory(Fixture.imageRoot(), "daxfs-bench-");
    try {
      Path image = Fixture.image(dir);
      DaxConfiguration config = DaxConfiguration.builder().deviceSize(DEVICE).image(image).build();
      ByteBuffer chunk = ByteBuffer.allocateDirect(Fixture.MiB).put(Fixture.pattern()).flip();
      out.put("image.deviceBytes", DEVICE);
      out.put("image.fileBytes", (long) FILES * FILE_SIZE);
      DaxFileSystems.newFileSystem(config).close();
      out.put("image.hostBytes.formatted", hostBytes(image));
      try (FileSystem fs = DaxFileSystems.newFileSystem(config)) {
        writeFiles(fs, FILES, chunk);
        out.put("image.hostBytes.written", hostBytes(image));
      }
      out.put("image.hostBytes.closed", hostBytes(image));
      out.put("image.apparentBytes", Files.size(image));
      try (FileSystem fs = DaxFileSystems.newFileSystem(config)) {
        for (int i = 0; i < FILES; i++) {
          Files.delete(fs.getPath("/data/f" + i));
        }
      }
      out.put("image.hostBytes.deleted", hostBytes(image));
      out.put("image.hostFilesystem", Files.getFileStore(dir).type());
    } finally {
      Fixture.deleteTree(dir);
    }
    return out;
  }

  /**
   * The bytes the host filesystem has allocated to {@code file}: {@code st_blocks} in 512-byte
   * units, which the JDK's attribute views do not give, read from {@code stat}.
   */
  static long hostBytes(Path file) throws IOException {
    Process p =
        new ProcessBuilder("stat", "-c", "%b %B", file.toString())
            .redirectErrorStream(true)
            .start();
    String s = new String(p.getInputStream().readAllBytes()).trim();
    try {
      if (p.waitFor() != 0) {
        throw new IOException("stat failed: " + s);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    String[] f = s.split("\\s+");
    return Long.parseLong(f[0]) * Long.parseLong(f[1]);
  }

  /** VmRSS and its parts (anonymous, file-backed, shared memory), in bytes. */
  static Map<String, Long> status() throws IOException {
    Map<String, Long> m = new LinkedHashMap<>();
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return m; // not Linux: memoryUsed() is still reported
    }
    for (String line : Files.readAllLines(status)) {
      for (String key : new String[] {"VmRSS", "RssAnon", "RssFile", "RssShmem"}) {
        if (line.startsWith(key + ":")) {
          String[] f = line.substring(key.length() + 1).trim().split("\\s+");
          m.put(key, Long.parseLong(f[0]) * 1024); // the kernel reports kB
        }
      }
    }
    return m;
  }
}
