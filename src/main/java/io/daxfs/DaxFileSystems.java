package io.daxfs;

import static java.util.Objects.requireNonNull;

import io.daxfs.nio.DaxFileSystem;
import io.daxfs.nio.DaxFileSystemProvider;
import java.io.IOException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;

/**
 * Creates daxfs filesystems: {@code java.nio.file} filesystems whose files live on an emulated
 * persistent-memory device, in memory that is released when the filesystem is closed (and, in any
 * case, when the JVM exits).
 *
 * <pre>{@code
 * try (FileSystem fs = DaxFileSystems.newFileSystem()) {
 *   Path p = fs.getPath("/data/log");
 *   Files.createDirectories(p.getParent());
 *   Files.writeString(p, "hello");
 * }
 * }</pre>
 *
 * A filesystem is also reachable by URI while open: {@code dax://name/path}, see {@link
 * FileSystem#provider()} and {@link java.nio.file.Path#of(java.net.URI)}.
 */
public final class DaxFileSystems {
  private DaxFileSystems() {}

  /**
   * A new filesystem with the {@linkplain DaxConfiguration#defaults() defaults} and a unique name.
   */
  public static FileSystem newFileSystem() throws IOException {
    return newFileSystem(DaxConfiguration.defaults());
  }

  /**
   * A new filesystem as configured, with a unique name; on the configuration's {@linkplain
   * DaxConfiguration#image() image}, if it names one.
   *
   * @throws IllegalArgumentException if an explicit setting contradicts the image's geometry
   * @throws java.nio.file.FileSystemException "Device or resource busy" if another writer holds the
   *     image (or, for a writer, anyone), in this JVM or another process
   * @throws CorruptImageException if the image is damaged, truncated or of a newer format
   * @throws java.nio.file.NoSuchFileException if a read-only mount names a missing image
   */
  public static FileSystem newFileSystem(DaxConfiguration config) throws IOException {
    return DaxFileSystemProvider.instance()
        .newAnonymousFileSystem(requireNonNull(config, "config"));
  }

  /**
   * A new filesystem reachable as {@code dax://name/}.
   *
   * @throws IllegalArgumentException if the name is not letters, digits, '.', '_' and '-'
   * @throws FileSystemAlreadyExistsException if a filesystem of that name is open
   */
  public static FileSystem newFileSystem(String name, DaxConfiguration config) throws IOException {
    return DaxFileSystemProvider.instance().newFileSystem(name, config);
  }

  /**
   * The emulated device under a daxfs filesystem.
   *
   * @throws IllegalArgumentException if {@code fs} is not a daxfs filesystem
   * @throws ClosedFileSystemException if it is closed
   */
  public static PmemDevice device(FileSystem fs) {
    return daxfs(fs).volume().device().userView();
  }

  static DaxFileSystem daxfs(FileSystem fs) {
    requireNonNull(fs, "fs");
    if (!(fs instanceof DaxFileSystem d)) {
      throw new IllegalArgumentException("not a daxfs filesystem: " + fs);
    }
    if (!d.isOpen()) {
      throw new ClosedFileSystemException();
    }
    return d;
  }
}
