package io.daxfs.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary directories on tmpfs ({@code /dev/shm}) where there is one, else in {@code
 * java.io.tmpdir}: the crash tests mount hundreds of images, and each close of an image makes it
 * durable ({@code fsync}), which a disk pays for and tmpfs does not.
 */
public final class MemoryTempDir implements TempDirFactory {
  @Override
  public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext extension)
      throws IOException {
    Path shm = Path.of("/dev/shm");
    return Files.isDirectory(shm) && Files.isWritable(shm)
        ? Files.createTempDirectory(shm, "daxfs-test-")
        : Files.createTempDirectory("daxfs-test-");
  }
}
