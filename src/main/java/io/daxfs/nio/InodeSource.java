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
}
