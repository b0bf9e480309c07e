package io.daxfs.nio;

import io.daxfs.fs.Directory;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The registration of one directory with one {@link DaxWatchService}: its pending events and its
 * ready/signalled state, as {@link WatchKey} specifies. Thread-safe; events are added on the
 * threads that change the filesystem, so adding one is a few field updates under this key's
 * monitor.
 */
final class DaxWatchKey implements WatchKey {
  /**
   * Pending events a key holds before it drops them for one {@code OVERFLOW}, as the JDK's keys do.
   */
  static final int MAX_EVENTS = 512;

  private final DaxWatchService service;
  private final DaxPath watchable;
  private final Directory directory;
  private volatile Set<WatchEvent.Kind<?>> kinds;
  private volatile boolean valid = true;
  private boolean signalled; // guarded by this
  private final List<Event<?>> events = new ArrayList<>(); // guarded by this

  /**
   * Per context, its pending modify event while that is the context's latest event. Guarded by
   * this.
   */
  private final Map<Object, Event<?>> lastModify = new HashMap<>();

  DaxWatchKey(
      DaxWatchService service,
      DaxPath watchable,
      Directory directory,
      Set<WatchEvent.Kind<?>> kinds) {
    this.service = service;
    this.watchable = watchable;
    this.directory = directory;
    this.kinds = kinds;
  }

  Directory directory() {
    return directory;
  }

  DaxWatchService service() {
    return service;
  }

  boolean wants(WatchEvent.Kind<?> kind) {
    return kinds.contains(kind);
  }

  Set<WatchEvent.Kind<?>> kinds() {
    return kinds;
  }

  void setKinds(Set<WatchEvent.Kind<?>> kinds) {
    this.kinds = kinds;
  }

  /**
   * Queues an event. A repeat of the latest event, or any event after an {@code OVERFLOW}, only
   * counts; so does a modify of a context whose latest event is a modify. A full queue is replaced
   * by one {@code OVERFLOW}.
   */
  void signalEvent(WatchEvent.Kind<?> kind, Object context) {
    boolean modify = kind == StandardWatchEventKinds.ENTRY_MODIFY;
    synchronized (this) {
      if (!events.isEmpty()) {
        Event<?> last = events.get(events.size() - 1);
        if (last.kind() == StandardWatchEventKinds.OVERFLOW
            || (last.kind() == kind && Objects.equals(last.context(), context))) {
          last.count++;
          return;
        }
        if (modify) {
          Event<?> pending = lastModify.get(context);
          if (pending != null) {
            pending.count++;
            return;
          }
        } else {
          lastModify.remove(context);
        }
        if (events.size() >= MAX_EVENTS) {
          events.clear();
          lastModify.clear();
          kind = StandardWatchEventKinds.OVERFLOW;
          context = null;
          modify = false;
        }
      }
      Event<?> event = new Event<>(kind, context);
      if (modify) {
        lastModify.put(context, event);
      }
      events.add(event);
      signal();
    }
  }

  /** Queues this key with its service unless it is queued or being processed already. */
  synchronized void signal() {
    if (!signalled) {
      signalled = true;
      service.enqueue(this);
    }
  }

  /**
   * Makes the key invalid because its directory is gone, and queues it so that a taker learns of
   * it.
   */
  void directoryRemoved() {
    valid = false;
    service.forget(this);
    signal();
  }

  /** Makes the key invalid without queueing it: it was cancelled or its service closed. */
  void invalidate() {
    valid = false;
  }

  @Override
  public boolean isValid() {
    return valid;
  }

  @Override
  public List<WatchEvent<?>> pollEvents() {
    synchronized (this) {
      List<WatchEvent<?>> taken = List.copyOf(events);
      events.clear();
      lastModify.clear();
      return taken;
    }
  }

  @Override
  public boolean reset() {
    synchronized (this) {
      if (signalled && valid) {
        if (events.isEmpty()) {
          signalled = false;
        } else {
          service.enqueue(this);
        }
      }
      return valid;
    }
  }

  @Override
  public void cancel() {
    if (valid) {
      valid = false;
      service.cancel(this);
    }
  }

  @Override
  public DaxPath watchable() {
    return watchable;
  }

  @Override
  public String toString() {
    return "DaxWatchKey[" + watchable + (valid ? "" : ", invalid") + "]";
  }

  /**
   * One pending event; its count only grows, and only while it is pending (under the key's
   * monitor).
   */
  private static final class Event<T> implements WatchEvent<T> {
    private final Kind<T> kind;
    private final T context;
    private int count = 1;

    @SuppressWarnings("unchecked")
    Event(Kind<?> kind, Object context) {
      this.kind = (Kind<T>) kind;
      this.context = (T) context;
    }

    @Override
    public Kind<T> kind() {
      return kind;
    }

    @Override
    public int count() {
      return count;
    }

    @Override
    public T context() {
      return context;
    }

    @Override
    public String toString() {
      return kind + " " + context + (count > 1 ? " x" + count : "");
    }
  }
}
