package io.daxfs.nio;

import io.daxfs.fs.Directory;
import io.daxfs.fs.Inode;
import io.daxfs.fs.RegularFile;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Opens the channel a path leads to, as {@code open(2)} does: a regular file, or a directory for
 * reading.
 */
final class DaxChannels {
  private DaxChannels() {}

  /**
   * Opens (maybe creating) what {@code path} names, relative to {@code base} when relative: a
   * {@link DaxFileChannel} on a regular file, or a {@link DaxDirectoryChannel} on a directory
   * opened read-only.
   *
   * @throws java.nio.file.FileSystemException "Is a directory" for a directory opened for writing
   */
  static FileChannel open(
      DaxFileSystem fs, Directory base, DaxPath path, OpenOptions o, int permissions)
      throws IOException {
    if (o.write() || o.deleteOnClose()) {
      fs.volume().checkWritable(); // as the JDK's zip provider: a writable open fails at once
    }
    if (o.write()) {
      return DaxFileChannel.open(fs, base, path, o, permissions);
    }
    Inode inode = fs.volume().openForReading(base, path, o.followLinks());
    if (inode instanceof Directory dir) {
      return DaxDirectoryChannel.open(fs, path, dir, o);
    }
    return DaxFileChannel.opened(fs, base, path, (RegularFile) inode, o);
  }
}
