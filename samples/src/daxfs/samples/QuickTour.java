package daxfs.samples;

import io.daxfs.DaxFileSystems;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * A first look: a daxfs filesystem used through nothing but {@code java.nio.file}. Writes a few
 * files, reads them back, and checks every step.
 */
public final class QuickTour implements Sample {
  @Override
  public String title() {
    return "Quick tour: plain java.nio.file on an emulated pmem device";
  }

  @Override
  public void run(PrintStream out) throws IOException {
    try (FileSystem fs = DaxFileSystems.newFileSystem()) {
      PmemDevice device = DaxFileSystems.device(fs);
      out.printf(
          "created %s on a %d MiB device with %d-byte sectors%n",
          fs.getRootDirectories().iterator().next().toUri(),
          device.size() >> 20,
          device.sectorSize());

      Path dir = Files.createDirectories(fs.getPath("/data/logs"));
      Path log = dir.resolve("app.log");
      Files.write(log, List.of("started", "working", "stopped"), StandardCharsets.UTF_8);
      List<String> lines = Files.readAllLines(log);
      out.printf("wrote and read back %s: %s%n", log, lines);
      Check.that(
          lines.equals(List.of("started", "working", "stopped")), "log lines read back as written");

      Path blob = dir.resolve("blob.bin");
      byte[] data = new byte[1 << 20];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (i * 31);
      }
      try (FileChannel ch =
          FileChannel.open(
              blob, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
        ch.write(ByteBuffer.wrap(data));
        ByteBuffer slice = ByteBuffer.allocate(16);
        ch.read(slice, 4096);
        out.printf(
            "wrote 1 MiB through a FileChannel (the DAX path); 16 bytes at 4096 read back%n");
        Check.that(
            slice.get(0) == data[4096] && slice.get(15) == data[4111],
            "positional read returns the written bytes");
      }

      Path copy = fs.getPath("/backup/blob.bin");
      Files.createDirectories(copy.getParent());
      Files.copy(blob, copy);
      Check.that(Files.mismatch(blob, copy) == -1, "the copy equals the original");
      out.printf("copied %s to %s (%d bytes)%n", blob, copy, Files.size(copy));

      try (Stream<Path> walk = Files.walk(fs.getPath("/"))) {
        out.println("the tree now:");
        walk.forEach(p -> out.println("  " + p));
      }
      FileStore store = Files.getFileStore(log);
      out.printf(
          "store %s (%s): %d KiB used of %d KiB; device memory in use: %d KiB%n",
          store.name(),
          store.type(),
          (store.getTotalSpace() - store.getUnallocatedSpace()) >> 10,
          store.getTotalSpace() >> 10,
          device.memoryUsed() >> 10);
    }
  }
}
