package io.daxfs.nio;

import io.daxfs.DaxWatchEventKinds;
import io.daxfs.fs.Directory;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * A watch service of one daxfs filesystem. It has no thread: the operations that change the
 * filesystem queue the events on the keys (through {@link DaxWatchRegistry}), so an event is
 * pending by the time the operation returns. Thread-safe.
 */
final class DaxWatchService implements WatchService {
  /** Queued to wake every taker once the service is closed; never handed out. */
  private static final WatchKey CLOSED_MARKER = new ClosedMarker();

  private final DaxFileSystem fs;
  private final DaxWatchRegistry registry;
  private final LinkedBlockingDeque<WatchKey> signalled = new LinkedBlockingDeque<>();

  /** This service's valid keys, one per directory. */
  private final ConcurrentHashMap<Directory, DaxWatchKey> keys = new ConcurrentHashMap<>();

  private volatile boolean closed; // set under this object's monitor

  DaxWatchService(DaxFileSystem fs, DaxWatchRegistry registry) {
    this.fs = fs;
    this.registry = registry;
  }

  DaxFileSystem fileSystem() {
    return fs;
  }

  /**
   * Registers the directory {@code path} names (links followed), or updates the kinds of its key
   * and returns that key, as the JDK's Linux service does.
   *
   * @throws UnsupportedOperationException for an event kind or modifier daxfs does not support
   * @throws IllegalArgumentException when no event kind but {@code OVERFLOW} is given
   * @throws ClosedWatchServiceException if this service is closed
   * @throws java.nio.file.NoSuchFileException if nothing is there
   * @throws java.nio.file.NotDirectoryException if it is not a directory
   */
  WatchKey register(DaxPath path, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
      throws IOException {
    Set<WatchEvent.Kind<?>> kinds = new HashSet<>();
    for (WatchEvent.Kind<?> kind : events) {
      if (kind == StandardWatchEventKinds.ENTRY_CREATE
          || kind == StandardWatchEventKinds.ENTRY_DELETE
          || kind == StandardWatchEventKinds.ENTRY_MODIFY
          || kind == DaxWatchEventKinds.ENTRY_MEDIA_ERROR) {
        kinds.add(kind);
      } else if (kind == null) {
        throw new NullPointerException("An element in event set is 'null'");
      } else if (kind != StandardWatchEventKinds.OVERFLOW) { // always delivered, never registered
        throw new UnsupportedOperationException(kind.name());
      }
    }
    if (kinds.isEmpty()) {
      throw new IllegalArgumentException("No events to register");
    }
    checkOpen();
    for (WatchEvent.Modifier modifier : modifiers) {
      if (modifier == null) {
        throw new NullPointerException("An element in modifier set is 'null'");
      }
      // Events are queued as the change happens, so every sensitivity is met; any other
      // modifier (FILE_TREE among them) is refused, as on Linux.
      if (!modifier.getClass().getName().equals("com.sun.nio.file.SensitivityWatchEventModifier")) {
        throw new UnsupportedOperationException("Modifier not supported");
      }
    }
    Directory dir = fs.volume().directory(fs.volume().root(), path);
    Set<WatchEvent.Kind<?>> registered = Set.copyOf(kinds);
    synchronized (this) {
      checkOpen();
      DaxWatchKey key = keys.get(dir);
      if (key != null) {
        registry.changeKinds(key, registered);
        return key;
      }
      key = new DaxWatchKey(this, path, dir, registered);
      keys.put(dir, key);
      registry.add(key);
      return key;
    }
  }

  void enqueue(DaxWatchKey key) {
    signalled.offer(key);
  }

  /** Drops a key whose directory is gone. */
  void forget(DaxWatchKey key) {
    keys.remove(key.directory(), key);
  }

  /** Drops a cancelled key and stops its events. */
  void cancel(DaxWatchKey key) {
    forget(key);
    registry.remove(key);
  }

  @Override
  public WatchKey poll() {
    checkOpen();
    return checked(signalled.poll());
  }

  @Override
  public WatchKey poll(long timeout, TimeUnit unit) throws InterruptedException {
    checkOpen();
    return checked(signalled.poll(timeout, unit));
  }

  @Override
  public WatchKey take() throws InterruptedException {
    checkOpen();
    return checked(signalled.take());
  }

  private WatchKey checked(WatchKey key) {
    if (key == CLOSED_MARKER) {
      signalled.offer(key); // for the next taker
      throw new ClosedWatchServiceException();
    }
    return key;
  }

  private void checkOpen() {
    if (closed) {
      throw new ClosedWatchServiceException();
    }
  }

  /**
   * Closes the service: its keys become invalid, and threads waiting in {@code take} or {@code
   * poll} wake with {@link ClosedWatchServiceException}. Idempotent.
   */
  @Override
  public void close() {
    List<DaxWatchKey> cancelled;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      cancelled = new ArrayList<>(keys.values());
      keys.clear();
    }
    for (DaxWatchKey key : cancelled) {
      key.invalidate();
      registry.remove(key);
    }
    signalled.clear();
    signalled.offer(CLOSED_MARKER);
    fs.unregister(this);
  }

  @Override
  public String toString() {
    return "DaxWatchService[" + fs + (closed ? ", closed" : "") + "]";
  }

  private static final class ClosedMarker implements WatchKey {
    @Override
    public boolean isValid() {
      return false;
    }

    @Override
    public List<WatchEvent<?>> pollEvents() {
      return List.of();
    }

    @Override
    public boolean reset() {
      return false;
    }

    @Override
    public void cancel() {}

    @Override
    public java.nio.file.Watchable watchable() {
      return null;
    }
  }
}
