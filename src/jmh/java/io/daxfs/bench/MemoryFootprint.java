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
 */
public final class MemoryFootprint {
  static final long DEVICE = 64L << 30;
  static final int FILES = 64;
  static final int FILE_SIZE = 4 << 20;

  private MemoryFootprint() {}

  public static void main(String[] args) throws IOException {
    Map<String, Object> out = measure();
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
