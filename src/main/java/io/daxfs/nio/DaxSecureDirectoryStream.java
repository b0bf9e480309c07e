package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import io.daxfs.fs.Directory;
import io.daxfs.fs.Errno;
import io.daxfs.fs.Volume;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A directory stream over a snapshot of the entries taken when the iterator is created, that also
 * works relative to the open directory itself, whatever renames happen to its path.
 */
final class DaxSecureDirectoryStream implements SecureDirectoryStream<Path> {
  private final DaxFileSystem fs;
  private final DaxPath path;
  private final Directory dir;
  private final DirectoryStream.Filter<? super Path> filter;
  private volatile boolean open = true;
  private boolean iterated; // guarded by this

  DaxSecureDirectoryStream(
      DaxFileSystem fs, DaxPath path, Directory dir, DirectoryStream.Filter<? super Path> filter) {
    this.fs = fs;
    this.path = path;
    this.dir = dir;
    this.filter = filter;
    fs.register(this);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Once the stream is closed, an iterator obtained before behaves as if the end were reached,
   * as the contract says.
   *
   * @throws IllegalStateException "Directory stream is closed" if the stream was closed, as the JDK
   *     throws; {@link ClosedDirectoryStreamException} (one too) if it was closed by closing its
   *     filesystem, as Jimfs throws
   */
  @Override
  public synchronized Iterator<Path> iterator() {
    if (!open) {
      if (!fs.isOpen()) {
        throw new ClosedDirectoryStreamException();
      }
      throw new IllegalStateException("Directory stream is closed");
    }
    if (iterated) {
      throw new IllegalStateException("Iterator already obtained");
    }
    iterated = true;
    List<String> names = fs.volume().list(dir);
    return new Iterator<>() {
      private int next;
      private Path pending;

      @Override
      public boolean hasNext() {
        if (pending != null) {
          return true;
        }
        while (open && next < names.size()) {
          Path p = path.resolve(names.get(next++));
          try {
            if (filter.accept(p)) {
              pending = p;
              return true;
            }
          } catch (IOException e) {
            throw new DirectoryIteratorException(e);
          }
        }
        return false;
      }

      @Override
      public Path next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Path p = pending;
        pending = null;
        return p;
      }
    };
  }

  @Override
  public void close() {
    open = false;
    fs.unregister(this);
  }

  /**
   * For a view obtained from this stream, at each use: the stream's state first, as Jimfs (the view
   * was obtained while the filesystem was open).
   */
  private void checkViewSource() {
    if (!open) {
      throw new ClosedDirectoryStreamException();
    }
    fs.checkOpen();
  }

  /** The filesystem's state first, as Jimfs: closing it closed this stream too. */
  private void checkOpen() {
    fs.checkOpen();
    if (!open) {
      throw new ClosedDirectoryStreamException();
    }
  }

  /**
   * The directory a relative path starts from: this stream's directory (absolute paths start at the
   * root).
   */
  private Directory base() {
    return dir;
  }

  @Override
  public SecureDirectoryStream<Path> newDirectoryStream(Path path, LinkOption... options)
      throws IOException {
    DaxPath p = DaxPath.cast(path);
    checkOpen();
    Volume v = fs.volume();
    boolean follow = DaxFileSystemProvider.followLinks(options);
    var inode = v.resolve(base(), p, follow);
    if (!(inode instanceof Directory d)) {
      if (!follow && inode.isSymbolicLink()) {
        throw new java.nio.file.FileSystemException(p.toString(), null, Errno.ELOOP);
      }
      throw new java.nio.file.NotDirectoryException(p.toString());
    }
    return new DaxSecureDirectoryStream(fs, this.path.resolve(p), d, e -> true);
  }

  @Override
  public SeekableByteChannel newByteChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    DaxPath p = DaxPath.cast(path);
    OpenOptions o = OpenOptions.parse(options);
    checkOpen();
    return DaxChannels.open(fs, base(), p, o, AttributeService.initialPermissions(0666, attrs));
  }

  @Override
  public void deleteFile(Path path) throws IOException {
    DaxPath p = DaxPath.cast(path);
    checkOpen();
    fs.volume().delete(base(), p, Volume.DeleteMode.NON_DIRECTORY);
  }

  @Override
  public void deleteDirectory(Path path) throws IOException {
    DaxPath p = DaxPath.cast(path);
    checkOpen();
    fs.volume().delete(base(), p, Volume.DeleteMode.DIRECTORY);
  }

  @Override
  public void move(Path srcpath, SecureDirectoryStream<Path> targetdir, Path targetpath)
      throws IOException {
    DaxPath s = DaxPath.cast(srcpath);
    DaxPath t = DaxPath.cast(targetpath);
    requireNonNull(targetdir, "targetdir");
    if (!(targetdir instanceof DaxSecureDirectoryStream target) || target.fs != fs) {
      throw new java.nio.file.ProviderMismatchException();
    }
    checkOpen();
    target.checkOpen();
    fs.volume().rename(base(), s, target.base(), t, true, true);
  }

  @Override
  public <V extends FileAttributeView> V getFileAttributeView(Class<V> type) {
    requireNonNull(type, "type");
    fs.checkOpen();
    return AttributeService.view(
        () -> {
          checkViewSource();
          return dir;
        },
        type);
  }

  @Override
  public <V extends FileAttributeView> V getFileAttributeView(
      Path path, Class<V> type, LinkOption... options) {
    DaxPath p = DaxPath.cast(path);
    requireNonNull(type, "type");
    boolean follow = DaxFileSystemProvider.followLinks(options);
    fs.checkOpen();
    return AttributeService.view(
        InodeSource.named(
            p.toString(),
            () -> {
              checkViewSource();
              return fs.volume().resolve(base(), p, follow);
            }),
        type);
  }
}
