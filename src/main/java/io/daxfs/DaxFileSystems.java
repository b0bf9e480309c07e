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

  /**
   * Makes everything of the filesystem durable, as {@code syncfs(2)} does: every file's size,
   * blocks and attributes, and every directory's names. Data written through channels is durable
   * already when the write returns. A filesystem that does not {@linkplain
   * DaxConfiguration#powerFailModel() track durability} has nothing to do.
   *
   * @throws IllegalArgumentException if {@code fs} is not a daxfs filesystem
   * @throws ClosedFileSystemException if it is closed
   */
  public static void sync(FileSystem fs) {
    daxfs(fs).volume().syncAll();
  }

  /**
   * Cuts the power of a daxfs filesystem, and returns the filesystem a restart finds on the same
   * device: what the program made durable and, of the rest, one outcome that the configured {@link
   * PowerFailModel} allows, chosen by {@code seed} (the same seed, the same outcome).
   *
   * <p>{@code fs} ends as {@link FileSystem#close()} ends it (its channels, streams, directory
   * streams and watch services are closed, its paths fail with {@link ClosedFileSystemException}),
   * except that its device is kept, with its data and its media errors, and that {@code
   * DELETE_ON_CLOSE} deletes nothing. A mapping of it stays valid as after a close, but no longer
   * reaches the restarted filesystem: a file there that held its blocks gets copies, made at the
   * cut. The restarted filesystem has the same name (so {@code dax://name/} URIs reach it), the
   * same configuration and the same {@link PmemDevice}; close it as usual. On an {@linkplain
   * DaxConfiguration#image() image}, the image holds the restarted filesystem's state before this
   * returns (a later mount, in this process or another, finds it), and stays locked throughout.
   *
   * <p>Data written through a channel is durable when the write returns; a store through a mapping
   * when it is made (daxfs emulates an eADR platform, where CPU caches are in the persistence
   * domain). A write under way on another thread at the cut keeps part of what it stores: for a
   * write whose position, length and buffer address are multiples of 8, each aligned 8-byte word it
   * covers is either old or new (x86 stores to pmem are atomic in such words); an unaligned one may
   * tear at any byte. Which words a racing write keeps depends on timing, not on the seed.
   *
   * @throws IllegalStateException if {@code fs} does not track durability: its configuration has no
   *     {@link DaxConfiguration.Builder#powerFailModel power-fail model}
   * @throws IllegalArgumentException if {@code fs} is not a daxfs filesystem
   * @throws ClosedFileSystemException if it is closed
   * @throws IOException if the restarted filesystem cannot be mounted, or its state not written
   *     into its image (the device, and the image, are then closed)
   */
  public static FileSystem powerFail(FileSystem fs, long seed) throws IOException {
    return daxfs(fs).powerFail(seed);
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
