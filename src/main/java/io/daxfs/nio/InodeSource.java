package io.daxfs.nio;

import io.daxfs.fs.Inode;
import java.io.IOException;

/**
 * Finds the file an attribute view or read is about. Views hold a source rather than an inode so
 * that, as with the default provider, a view of a missing file can be obtained and fails only when
 * used, and a view always acts on whatever the path names at the time of each call.
 */
@FunctionalInterface
interface InodeSource {
  /**
   * Resolves the file now.
   *
   * @throws java.nio.file.NoSuchFileException if it does not exist
   * @throws IOException if it cannot be resolved
   */
  Inode inode() throws IOException;

  /**
   * The path to name in exception messages, or {@code null} when there is none (a stream's own
   * directory).
   */
  default String path() {
    return null;
  }

  /** A source that names {@code path} in its messages. */
  static InodeSource named(String path, InodeSource source) {
    return new InodeSource() {
      @Override
      public Inode inode() throws IOException {
        return source.inode();
      }

      @Override
      public String path() {
        return path;
      }
    };
  }
}
