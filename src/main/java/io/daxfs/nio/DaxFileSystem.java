package io.daxfs.nio;

import com.google.common.collect.ImmutableList;
import io.daxfs.DaxConfiguration;
import io.daxfs.MediaErrorException;
import io.daxfs.device.DaemonPool;
import io.daxfs.fs.Errno;
import io.daxfs.fs.FileMediaFault;
import io.daxfs.fs.Inode;
import io.daxfs.fs.RegularFile;
import io.daxfs.fs.Volume;
import io.daxfs.image.Image;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A daxfs filesystem: one volume on one emulated device, reached through {@code dax://name/...}
 * URIs. Thread-safe. Closing it closes every channel and stream opened on it and frees the device;
 * afterwards operations throw {@link ClosedFileSystemException}.
 */
public final class DaxFileSystem extends FileSystem {
  /**
   * Numbers every filesystem made in this JVM, to order paths of two with the same name (one
   * closed).
   */
  private static final AtomicLong SERIALS = new AtomicLong();

  private final DaxFileSystemProvider provider;
  private final long serial = SERIALS.incrementAndGet();
  private final String name;
  private final DaxConfiguration config;
  private final Volume volume;

  /** What holds the volume's storage and is closed last: the volume itself, or its image. */
  private final Closeable storage;

  private final DaxFileStore store;
  private final DaxPath root;
  private final DaxPath empty;
  private final Set<Closeable> resources = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean open = true;
  private final DaxWatchRegistry watches = new DaxWatchRegistry(this);

  /**
   * The shared lookup, failing once this filesystem is closed; its principals work on any daxfs
   * filesystem.
   */
  private final UserPrincipalLookupService lookupService =
      new UserPrincipalLookupService() {
        @Override
        public UserPrincipal lookupPrincipalByName(String name) throws IOException {
          checkOpen();
          return AttributeService.LOOKUP_SERVICE.lookupPrincipalByName(name);
        }

        @Override
        public GroupPrincipal lookupPrincipalByGroupName(String group) throws IOException {
          checkOpen();
          return AttributeService.LOOKUP_SERVICE.lookupPrincipalByGroupName(group);
        }

        @Override
        public String toString() {
          return AttributeService.LOOKUP_SERVICE.toString();
        }
      };

  /**
   * Runs asynchronous channels opened without an executor; started by the first. Guarded by this.
   */
  private DaemonPool asyncPool;

  DaxFileSystem(
      DaxFileSystemProvider provider,
      String name,
      DaxConfiguration config,
      Volume volume,
      Closeable storage) {
    this.provider = provider;
    this.name = name;
    this.config = config;
    this.volume = volume;
    this.storage = storage;
    this.store = new DaxFileStore(this);
    this.root = DaxPath.of(this, true, ImmutableList.of());
    this.empty = DaxPath.of(this, false, ImmutableList.of());
  }

  /** The name in this filesystem's URIs ({@code dax://name/}). */
  public String name() {
    return name;
  }

  /** Orders filesystems of the same name: the one made first comes first. */
  long serial() {
    return serial;
  }

  public DaxConfiguration configuration() {
    return config;
  }

  /** The filesystem layer under this NIO filesystem. */
  public Volume volume() {
    return volume;
  }

  @Override
  public DaxFileSystemProvider provider() {
    return provider;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /** True for an image mounted {@linkplain DaxConfiguration#readOnly() read-only}. */
  @Override
  public boolean isReadOnly() {
    return volume.isReadOnly();
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    checkOpen();
    return ImmutableList.of(root);
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    checkOpen();
    return ImmutableList.of(store);
  }

  DaxFileStore store() {
    return store;
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    checkOpen();
    return AttributeService.SUPPORTED_VIEWS;
  }

  @Override
  public DaxPath getPath(String first, String... more) {
    checkOpen();
    return DaxPath.parse(this, first, more);
  }

  DaxPath rootPath() {
    return root;
  }

  DaxPath emptyPath() {
    return empty;
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    checkOpen();
    return DaxPathMatcher.of(syntaxAndPattern);
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    checkOpen();
    return lookupService;
  }

  /**
   * A new watch service for directories of this filesystem. It starts no thread: each operation
   * that changes a watched directory's entries queues the event before it returns. Beside the
   * standard kinds it accepts {@link io.daxfs.DaxWatchEventKinds#ENTRY_MEDIA_ERROR}. Closing this
   * filesystem closes its watch services.
   *
   * @throws ClosedFileSystemException if this filesystem is closed
   */
  @Override
  public WatchService newWatchService() {
    checkOpen();
    DaxWatchService service = new DaxWatchService(this, watches);
    register(service);
    return service;
  }

  WatchKey register(
      DaxPath path,
      WatchService watcher,
      WatchEvent.Kind<?>[] events,
      WatchEvent.Modifier... modifiers)
      throws IOException {
    if (watcher == null) {
      throw new NullPointerException("watcher");
    }
    if (!(watcher instanceof DaxWatchService service) || service.fileSystem() != this) {
      throw new java.nio.file.ProviderMismatchException(
          "not a watch service of " + this + ": " + watcher);
    }
    checkOpen();
    return service.register(path, events, modifiers);
  }

  /**
   * {@code dax://name/absolute/path}, with a trailing slash for a directory (as the default
   * provider does).
   */
  URI toUri(DaxPath path) {
    checkOpen();
    DaxPath abs = path.toAbsolutePath();
    StringBuilder sb = new StringBuilder("/");
    for (int i = 0; i < abs.nameCount(); i++) {
      if (i > 0) {
        sb.append('/');
      }
      sb.append(abs.name(i));
    }
    if (abs.nameCount() > 0 && isDirectory(abs)) {
      sb.append('/');
    }
    try {
      return new URI(DaxFileSystemProvider.SCHEME, name, sb.toString(), null);
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  private boolean isDirectory(DaxPath path) {
    if (!open) {
      return false;
    }
    try {
      return volume.resolve(volume.root(), path, true).isDirectory();
    } catch (IOException e) {
      return false;
    }
  }

  DaxPath toRealPath(DaxPath path, LinkOption... options) throws IOException {
    checkOpen();
    boolean follow = DaxFileSystemProvider.followLinks(options);
    List<String> names = volume.realPath(volume.root(), path, follow);
    return DaxPath.of(this, true, ImmutableList.copyOf(names));
  }

  /**
   * The daxfs filesystem of {@code path}.
   *
   * @throws java.nio.file.ProviderMismatchException if it is not a daxfs path
   * @throws ClosedFileSystemException if the filesystem is closed
   */
  public static DaxFileSystem of(Path path) {
    DaxFileSystem fs = DaxPath.cast(path).getFileSystem();
    fs.checkOpen();
    return fs;
  }

  /**
   * The regular file {@code path} names, links followed.
   *
   * @throws java.nio.file.NoSuchFileException if there is none
   * @throws FileSystemException "Is a directory" (or not a regular file)
   */
  public RegularFile regularFile(Path path) throws IOException {
    DaxPath p = DaxPath.cast(path);
    checkOpen();
    Inode inode = volume.resolve(volume.root(), p, true);
    if (inode instanceof RegularFile f) {
      return f;
    }
    throw new FileSystemException(
        p.toString(), null, inode.isDirectory() ? Errno.EISDIR : "Not a regular file");
  }

  /** The exception a program sees for a fault met on {@code file} by {@code operation}. */
  public MediaErrorException mediaError(
      Path file, FileMediaFault fault, MediaErrorException.Operation operation) {
    return MediaErrors.of(config, file.toString(), fault, operation);
  }

  void checkOpen() {
    if (!open) {
      throw new ClosedFileSystemException();
    }
  }

  /** Tracks a channel or stream so that {@link #close()} closes it. */
  void register(Closeable resource) {
    resources.add(resource);
    if (!open) {
      resources.remove(resource);
      closeQuietly(resource);
      throw new ClosedFileSystemException();
    }
  }

  void unregister(Closeable resource) {
    resources.remove(resource);
  }

  /**
   * The pool of asynchronous channels opened without an executor: this filesystem's own, so that
   * its threads end when it closes.
   *
   * @throws ClosedFileSystemException if the filesystem is closed
   */
  synchronized ExecutorService asyncPool() {
    checkOpen();
    if (asyncPool == null) {
      asyncPool = DaemonPool.cached("daxfs-async-io");
    }
    return asyncPool;
  }

  /**
   * Closes every channel and stream of this filesystem, forgets its name, and frees the device's
   * memory (for an image: writes its last checkpoint and releases it). Mappings obtained from
   * {@code FileChannel.map} become inaccessible. The operations of its asynchronous channels (those
   * without an executor of their own) and media-error listeners already notified finish first, and
   * every thread this filesystem started has ended when it returns, unless the closing thread is
   * interrupted meanwhile or is one of those threads. Idempotent.
   */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    open = false;
    provider.forget(this);
    IOException failure = closeResources();
    try {
      storage.close();
    } catch (IOException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Cuts the power: this filesystem ends as {@link #close()} ends it, but keeps its device, and the
   * filesystem a restart finds there takes its name. See {@link io.daxfs.DaxFileSystems#powerFail}.
   *
   * @throws IllegalStateException if this filesystem does not track durability
   * @throws ClosedFileSystemException if it is closed
   */
  public DaxFileSystem powerFail(long seed) throws IOException {
    volume.checkTracksDurability(); // before anything ends
    if (!closed.compareAndSet(false, true)) {
      throw new ClosedFileSystemException();
    }
    open = false;
    volume.cutPower(); // first: the instant of the cut, for writes under way on other threads
    // Nothing closes at a power cut, so nothing of closing is reported; DELETE_ON_CLOSE deletes
    // nothing, as the filesystem is no longer open.
    closeResources();
    Volume next;
    try {
      // An image stays the storage: it takes the restarted volume's state as its own.
      next = storage instanceof Image image ? image.restart(seed) : volume.restart(seed);
    } catch (IOException | RuntimeException e) {
      provider.forget(this);
      throw e;
    }
    Closeable nextStorage = storage instanceof Image ? storage : next;
    DaxFileSystem successor = new DaxFileSystem(provider, name, config, next, nextStorage);
    provider.replace(this, successor);
    return successor;
  }

  /**
   * Closes every channel, stream and watch service, and waits for the asynchronous operations of
   * this filesystem's own pool; returns what failed to close.
   */
  private IOException closeResources() {
    IOException failure = null;
    for (Closeable c : new ArrayList<>(resources)) {
      try {
        c.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    resources.clear();
    DaemonPool pool;
    synchronized (this) {
      pool = asyncPool;
      asyncPool = null;
    }
    if (pool != null) {
      // Before the device goes: operations under way still copy to and from its memory.
      pool.shutDownAndAwait();
    }
    return failure;
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing on behalf of a closed filesystem: nothing to report to
    }
  }

  @Override
  public String toString() {
    return "dax://" + name;
  }
}
