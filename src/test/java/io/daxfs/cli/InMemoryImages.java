package io.daxfs.cli;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Images as in-memory filesystems that outlive each command, named by a marker file on the host:
 * the stand-in the commands are tested on until image-backed devices are merged.
 */
final class InMemoryImages implements Images, AutoCloseable {
  private final Map<Path, FileSystem> images = new HashMap<>();
  private final List<CheckReport> checkReports = new ArrayList<>();

  @Override
  public Mount create(Path image, DaxConfiguration config) throws IOException {
    if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(image.toString());
    }
    FileSystem fs = DaxFileSystems.newFileSystem(config);
    Files.writeString(image, "an in-memory daxfs image\n");
    images.put(key(image), fs);
    return mountOf(fs);
  }

  @Override
  public Mount mount(Path image, boolean readOnly) throws IOException {
    FileSystem fs = images.get(key(image));
    if (fs == null) {
      throw new IOException(image + ": not a daxfs image");
    }
    return mountOf(fs);
  }

  /** The filesystem of an image, to set up or inspect what the commands see. */
  FileSystem fs(Path image) {
    return images.get(key(image));
  }

  /** What the next {@code check} reports. */
  void nextCheck(CheckReport report) {
    checkReports.add(report);
  }

  @Override
  public CheckReport check(Path image, boolean repair) throws IOException {
    if (!images.containsKey(key(image))) {
      throw new IOException(image + ": not a daxfs image");
    }
    return checkReports.isEmpty()
        ? new CheckReport(List.of(), List.of(), true)
        : checkReports.remove(0);
  }

  private static Mount mountOf(FileSystem fs) {
    return new Mount() {
      @Override
      public FileSystem fs() {
        return fs;
      }

      @Override
      public void close() {}
    };
  }

  private static Path key(Path image) {
    return image.toAbsolutePath().normalize();
  }

  @Override
  public void close() throws IOException {
    for (FileSystem fs : images.values()) {
      fs.close();
    }
  }
}
