package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import io.daxfs.DaxConfiguration;
import io.daxfs.fs.Directory;
import io.daxfs.fs.Errno;
import io.daxfs.fs.Inode;
import io.daxfs.fs.Volume;
import io.daxfs.image.Image;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The {@code dax} filesystem provider, found through {@code META-INF/services}. Filesystems are
 * named by the authority of their URI ({@code dax://name/path}) and known to every instance of this
 * provider while open.
 */
public final class DaxFileSystemProvider extends FileSystemProvider {
  /** The URI scheme. */
  public static final String SCHEME = "dax";

  private static final ConcurrentHashMap<String, DaxFileSystem> FILE_SYSTEMS =
      new ConcurrentHashMap<>();
  private static final AtomicLong ANONYMOUS = new AtomicLong();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static volatile DaxFileSystemProvider fallback;

  /** For {@link java.util.ServiceLoader}; use {@link #instance()} otherwise. */
  public DaxFileSystemProvider() {}

  /**
   * The installed provider when daxfs is on the class path as a service, else a private instance.
   */
  public static DaxFileSystemProvider instance() {
    for (FileSystemProvider p : FileSystemProvider.installedProviders()) {
      if (p instanceof DaxFileSystemProvider d) {
        return d;
      }
    }
    DaxFileSystemProvider p = fallback;
    if (p == null) {
      synchronized (DaxFileSystemProvider.class) {
        if (fallback == null) {
          fallback = new DaxFileSystemProvider();
        }
        p = fallback;
      }
    }
    return p;
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  // ---- filesystems -----------------------------------------------------------------------------

  /**
   * Creates the filesystem {@code dax://name}, configured by {@code env} (see {@link
   * DaxConfiguration#fromEnvironment(Map)}).
   *
   * @throws IllegalArgumentException if the URI is not {@code dax://name} or {@code dax://name/},
   *     or the environment is invalid
   * @throws FileSystemAlreadyExistsException if a filesystem of that name is open
   */
  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
    String name = nameOf(uri);
    String path = uri.getPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      throw new IllegalArgumentException("a filesystem URI has no path: " + uri);
    }
    return newFileSystem(name, DaxConfiguration.fromEnvironment(requireNonNull(env, "env")));
  }

  /**
   * Creates a filesystem named {@code name}.
   *
   * @throws IllegalArgumentException if the name is not letters, digits, '.', '_' and '-'
   * @throws FileSystemAlreadyExistsException if a filesystem of that name is open
   */
  public DaxFileSystem newFileSystem(String name, DaxConfiguration config) throws IOException {
    requireNonNull(name, "name");
    requireNonNull(config, "config");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "filesystem name must be letters, digits, '.', '_' and '-', starting with a letter or digit: '"
              + name
              + "'");
    }
    if (FILE_SYSTEMS.containsKey(name)) {
      throw new FileSystemAlreadyExistsException(name);
    }
    DaxFileSystem fs;
    if (config.image().isPresent()) {
      Image image = Image.mount(config);
      fs = new DaxFileSystem(this, name, image.configuration(), image.volume(), image);
    } else {
      Volume volume = Volume.create(config);
      fs = new DaxFileSystem(this, name, config, volume, volume);
    }
    if (FILE_SYSTEMS.putIfAbsent(name, fs) != null) {
      fs.close();
      throw new FileSystemAlreadyExistsException(name);
    }
    return fs;
  }

  /** Creates a filesystem with a fresh unique name. */
  public DaxFileSystem newAnonymousFileSystem(DaxConfiguration config) throws IOException {
    while (true) {
      String name = "daxfs-" + ANONYMOUS.incrementAndGet();
      if (!FILE_SYSTEMS.containsKey(name)) {
        try {
          return newFileSystem(name, config);
        } catch (FileSystemAlreadyExistsException raced) {
          // another thread took the name; take the next
        }
      }
    }
  }

  void forget(DaxFileSystem fs) {
    FILE_SYSTEMS.remove(fs.name(), fs);
  }

  /** {@code successor} takes the name of {@code fs}, which lost power. */
  void replace(DaxFileSystem fs, DaxFileSystem successor) {
    FILE_SYSTEMS.replace(fs.name(), fs, successor);
  }

  /**
   * @throws FileSystemNotFoundException if no filesystem of that name is open
   */
  @Override
  public DaxFileSystem getFileSystem(URI uri) {
    String name = nameOf(uri);
    DaxFileSystem fs = FILE_SYSTEMS.get(name);
    if (fs == null) {
      throw new FileSystemNotFoundException(uri.toString());
    }
    return fs;
  }

  /**
   * @throws FileSystemNotFoundException if the URI's filesystem is not open
   */
  @Override
  public Path getPath(URI uri) {
    DaxFileSystem fs = getFileSystem(uri);
    String path = uri.getPath();
    if (path == null || path.isEmpty()) {
      path = "/";
    }
    return fs.getPath(path);
  }

  private static String nameOf(URI uri) {
    requireNonNull(uri, "uri");
    if (!SCHEME.equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("URI scheme is not '" + SCHEME + "': " + uri);
    }
    String name = uri.getAuthority();
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("URI has no filesystem name (dax://name/...): " + uri);
    }
    if (uri.getQuery() != null || uri.getFragment() != null) {
      throw new IllegalArgumentException("URI has a query or fragment: " + uri);
    }
    return name;
  }

  // ---- channels and streams --------------------------------------------------------------------

  @Override
  public SeekableByteChannel newByteChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    return newFileChannel(path, options, attrs);
  }

  @Override
  public FileChannel newFileChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    DaxPath p = DaxPath.cast(path);
    OpenOptions o = OpenOptions.parse(options);
    DaxFileSystem fs = p.getFileSystem();
    fs.checkOpen();
    return DaxChannels.open(
        fs, fs.volume().root(), p, o, AttributeService.initialPermissions(0666, attrs));
  }

  @Override
  public AsynchronousFileChannel newAsynchronousFileChannel(
      Path path,
      Set<? extends OpenOption> options,
      ExecutorService executor,
      FileAttribute<?>... attrs)
      throws IOException {
    DaxPath p = DaxPath.cast(path);
    OpenOptions o = OpenOptions.parse(options, true);
    DaxFileSystem fs = p.getFileSystem();
    fs.checkOpen();
    FileChannel ch =
        DaxChannels.open(
            fs, fs.volume().root(), p, o, AttributeService.initialPermissions(0666, attrs));
    try {
      return new DaxAsynchronousFileChannel(ch, o, executor != null ? executor : fs.asyncPool());
    } catch (RuntimeException e) { // closed meanwhile
      ch.close();
      throw e;
    }
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(
      Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
    DaxPath p = DaxPath.cast(dir);
    requireNonNull(filter, "filter");
    DaxFileSystem fs = p.getFileSystem();
    fs.checkOpen();
    Directory d = fs.volume().directory(fs.volume().root(), p);
    return new DaxSecureDirectoryStream(fs, p, d, filter);
  }

  // ---- namespace -------------------------------------------------------------------------------

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
    DaxPath p = DaxPath.cast(dir);
    int perms = AttributeService.initialPermissions(0777, attrs);
    DaxFileSystem fs = requireOpenFileSystem(p);
    fs.volume().createDirectory(fs.volume().root(), p, perms);
  }

  @Override
  public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs)
      throws IOException {
    DaxPath p = DaxPath.cast(link);
    DaxPath t = DaxPath.cast(target);
    if (attrs.length > 0) {
      requireNonNull(attrs[0], "attribute");
      throw new UnsupportedOperationException(
          "Initial file attributes not supported when creating symbolic link");
    }
    DaxFileSystem fs = requireOpenFileSystem(p);
    fs.volume().createSymbolicLink(fs.volume().root(), p, t.toString(), 0777);
  }

  @Override
  public void createLink(Path link, Path existing) throws IOException {
    DaxPath p = DaxPath.cast(link);
    DaxPath e = DaxPath.cast(existing);
    DaxFileSystem fs = requireOpenFileSystem(p);
    if (e.getFileSystem() != fs) {
      throw new FileSystemException(p.toString(), e.toString(), Errno.EXDEV);
    }
    fs.volume().createLink(fs.volume().root(), p, fs.volume().root(), e);
  }

  @Override
  public void delete(Path path) throws IOException {
    DaxPath p = DaxPath.cast(path);
    DaxFileSystem fs = requireOpenFileSystem(p);
    fs.volume().delete(fs.volume().root(), p, Volume.DeleteMode.ANY);
  }

  @Override
  public Path readSymbolicLink(Path link) throws IOException {
    DaxPath p = DaxPath.cast(link);
    DaxFileSystem fs = requireOpenFileSystem(p);
    return fs.getPath(fs.volume().readSymbolicLink(fs.volume().root(), p));
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    DaxPath s = DaxPath.cast(source);
    DaxPath t = DaxPath.cast(target);
    CopyOptions o = CopyOptions.forCopy(options);
    requireOpenFileSystem(s);
    requireOpenFileSystem(t);
    DaxCopy.copy(s, t, o);
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    DaxPath s = DaxPath.cast(source);
    DaxPath t = DaxPath.cast(target);
    CopyOptions o = CopyOptions.forMove(options);
    DaxFileSystem fs = requireOpenFileSystem(s);
    requireOpenFileSystem(t);
    if (t.getFileSystem() == fs) {
      Volume v = fs.volume();
      v.rename(v.root(), s, v.root(), t, o.replaceExisting(), o.atomicMove());
      return;
    }
    if (o.atomicMove()) {
      throw new AtomicMoveNotSupportedException(s.toString(), t.toString(), Errno.EXDEV);
    }
    DaxCopy.moveAcross(s, t, o);
  }

  @Override
  public boolean isSameFile(Path path, Path path2) throws IOException {
    DaxPath a = DaxPath.cast(path);
    if (a.equals(requireNonNull(path2, "path2"))) {
      return true;
    }
    if (!(path2 instanceof DaxPath b) || b.getFileSystem() != a.getFileSystem()) {
      return false;
    }
    DaxFileSystem fs = requireOpenFileSystem(a);
    Volume v = fs.volume();
    return v.resolve(v.root(), a, true) == v.resolve(v.root(), b, true);
  }

  @Override
  public boolean isHidden(Path path) throws IOException {
    DaxPath p = DaxPath.cast(path);
    requireOpenFileSystem(p);
    Path name = p.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  @Override
  public FileStore getFileStore(Path path) throws IOException {
    DaxPath p = DaxPath.cast(path);
    DaxFileSystem fs = requireOpenFileSystem(p);
    fs.volume().resolve(fs.volume().root(), p, true);
    return fs.store();
  }

  /**
   * Checks that the file exists and, for {@link AccessMode#EXECUTE}, that it has an execute bit.
   * daxfs keeps permissions but, as for root on Linux, does not enforce read and write permission.
   */
  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    DaxPath p = DaxPath.cast(path);
    DaxFileSystem fs = requireOpenFileSystem(p);
    Inode inode = fs.volume().resolve(fs.volume().root(), p, true);
    for (AccessMode m : modes) {
      if (requireNonNull(m) == AccessMode.EXECUTE
          && !inode.isDirectory()
          && (inode.permissions() & 0111) == 0) {
        throw new AccessDeniedException(p.toString());
      }
    }
  }

  // ---- attributes ------------------------------------------------------------------------------

  @Override
  public <V extends FileAttributeView> V getFileAttributeView(
      Path path, Class<V> type, LinkOption... options) {
    DaxPath p = DaxPath.cast(path);
    requireNonNull(type, "type");
    requireOpenFileSystem(p);
    return AttributeService.view(source(p, options), type);
  }

  @Override
  public <A extends BasicFileAttributes> A readAttributes(
      Path path, Class<A> type, LinkOption... options) throws IOException {
    DaxPath p = DaxPath.cast(path);
    requireNonNull(type, "type");
    requireOpenFileSystem(p);
    return AttributeService.read(source(p, options), type);
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
      throws IOException {
    DaxPath p = DaxPath.cast(path);
    requireNonNull(attributes, "attributes");
    requireOpenFileSystem(p);
    return AttributeService.read(source(p, options), attributes);
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options)
      throws IOException {
    DaxPath p = DaxPath.cast(path);
    requireNonNull(attribute, "attribute");
    requireOpenFileSystem(p);
    AttributeService.set(source(p, options), attribute, value);
  }

  private static InodeSource source(DaxPath p, LinkOption... options) {
    boolean follow = followLinks(options);
    DaxFileSystem fs = p.getFileSystem();
    return InodeSource.named(
        p.toString(),
        () -> {
          fs.checkOpen();
          return fs.volume().resolve(fs.volume().root(), p, follow);
        });
  }

  static boolean followLinks(LinkOption... options) {
    boolean follow = true;
    for (LinkOption o : options) {
      if (requireNonNull(o, "option") == LinkOption.NOFOLLOW_LINKS) {
        follow = false;
      } else {
        throw new UnsupportedOperationException(o + " not supported");
      }
    }
    return follow;
  }

  /** {@code p}'s file system; {@link java.nio.file.ClosedFileSystemException} if it is closed. */
  private static DaxFileSystem requireOpenFileSystem(DaxPath p) {
    DaxFileSystem fs = p.getFileSystem();
    fs.checkOpen();
    return fs;
  }

  /** Copy options, checked as the JDK checks them. */
  record CopyOptions(
      boolean replaceExisting, boolean copyAttributes, boolean followLinks, boolean atomicMove) {
    static CopyOptions forCopy(CopyOption... options) {
      boolean replace = false, attrs = false, follow = true;
      for (CopyOption o : options) {
        if (requireNonNull(o, "option") == StandardCopyOption.REPLACE_EXISTING) {
          replace = true;
        } else if (o == StandardCopyOption.COPY_ATTRIBUTES) {
          attrs = true;
        } else if (o == LinkOption.NOFOLLOW_LINKS) {
          follow = false;
        } else {
          throw new UnsupportedOperationException("Unsupported copy option: " + o);
        }
      }
      return new CopyOptions(replace, attrs, follow, false);
    }

    static CopyOptions forMove(CopyOption... options) {
      boolean replace = false, atomic = false;
      for (CopyOption o : options) {
        if (requireNonNull(o, "option") == StandardCopyOption.REPLACE_EXISTING) {
          replace = true;
        } else if (o == StandardCopyOption.ATOMIC_MOVE) {
          atomic = true;
        } else if (o == StandardCopyOption.COPY_ATTRIBUTES || o == LinkOption.NOFOLLOW_LINKS) {
          // a move keeps attributes and never follows links anyway
        } else {
          throw new UnsupportedOperationException("Unsupported copy option: " + o);
        }
      }
      return new CopyOptions(replace, true, false, atomic);
    }
  }
}
