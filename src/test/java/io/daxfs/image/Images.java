package io.daxfs.image;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Test images: made small (1 MiB device, a 64 KiB log) so that each can be copied and damaged. */
final class Images {
  private Images() {}

  static DaxConfiguration config(Path img) {
    return DaxConfiguration.builder().image(img).build();
  }

  static DaxConfiguration readOnly(Path img) {
    return DaxConfiguration.builder().image(img).readOnly(true).build();
  }

  /** Formats {@code img} with a small device and log; returns it. */
  static Path format(Path img, long deviceSize) throws IOException {
    Image.mount(
            DaxConfiguration.builder().image(img).deviceSize(deviceSize).build(),
            ImageLog.MIN_CAPACITY)
        .close();
    return img;
  }

  /** A closed image holding a little of everything: files, directories, links, media errors. */
  static Path populated(Path img) throws IOException {
    format(img, 1 << 20);
    try (FileSystem fs = DaxFileSystems.newFileSystem(config(img))) {
      populate(fs, new Random(5));
    }
    return img;
  }

  static void populate(FileSystem fs, Random random) throws IOException {
    Files.createDirectories(fs.getPath("/etc/conf.d"));
    Files.createDirectories(fs.getPath("/var/log"));
    for (int i = 0; i < 12; i++) {
      byte[] b = new byte[random.nextInt(9000)];
      random.nextBytes(b);
      Files.write(fs.getPath(i % 2 == 0 ? "/etc" : "/var/log", "file" + i), b);
    }
    Files.writeString(fs.getPath("/etc/conf.d/app"), "key=value\n");
    Files.createLink(fs.getPath("/etc/hard"), fs.getPath("/etc/conf.d/app"));
    Files.createSymbolicLink(fs.getPath("/etc/soft"), fs.getPath("conf.d/app"));
    Files.createSymbolicLink(fs.getPath("/dangling"), fs.getPath("/no/such/file"));
    Files.setAttribute(
        fs.getPath("/etc/conf.d"),
        "posix:permissions",
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
    PmemDevice device = DaxFileSystems.device(fs);
    DaxFiles.injectError(fs.getPath("/var/log/file1"), 0, 512);
    device.injectLatentError(device.sectorCount() - 4, 2);
  }

  /** The current superblock of a closed image. */
  static Superblock superblock(Path img) throws IOException {
    Superblock best = null;
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
      for (int i = 0; i < 2; i++) {
        byte[] b = new byte[Superblock.HEADER_LENGTH];
        f.seek((long) i * Superblock.SLOT_SIZE);
        f.readFully(b);
        if (Superblock.decode(b, i) instanceof Superblock.Valid v
            && (best == null || v.superblock().generation() > best.generation())) {
          best = v.superblock();
        }
      }
    }
    return best;
  }

  /** Writes {@code sb} into its slot (its checksum computed anew: an edit by hand). */
  static void writeSuperblock(Path img, Superblock sb) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.seek((long) sb.slot() * Superblock.SLOT_SIZE);
      f.write(sb.encode());
    }
  }

  static void flipBit(Path img, long offset, int bit) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ (1 << bit));
    }
  }

  static void write(Path img, long offset, byte[] bytes) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.seek(offset);
      f.write(bytes);
    }
  }

  static java.nio.MappedByteBuffer mapped(Path img, long offset, long length) throws IOException {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(img)) {
      return ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, offset, length);
    }
  }

  static byte[] read(Path img, long offset, int length) throws IOException {
    byte[] b = new byte[length];
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
      f.seek(offset);
      f.readFully(b);
    }
    return b;
  }
}
