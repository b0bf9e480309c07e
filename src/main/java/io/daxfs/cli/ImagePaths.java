package io.daxfs.cli;

import java.nio.file.FileSystem;
import java.nio.file.Path;

/**
 * Paths inside an image as the commands take them: absolute, or relative to its root; {@code ..}
 * stops at the root, as it does there.
 */
final class ImagePaths {
  private ImagePaths() {}

  static Path resolve(FileSystem fs, String path) {
    if (path.isEmpty()) {
      throw ImageCommand.invalid("an empty path inside the image");
    }
    return fs.getPath("/").resolve(path).normalize();
  }
}
