package io.daxfs.device;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The mappings a device has handed out and that may still be used, found out without a thread of
 * its own: whoever needs to know ({@link #reap}) collects what the garbage collector queued and
 * what closed arenas let go of, and runs the release of each gone mapping once, on its own thread.
 * A test framework that checks for leaked threads then finds none, and a release never waits for a
 * thread to be scheduled.
 */
final class LiveMappings {
  private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

  /** Every live tracker: keeps the references themselves reachable until they are released. */
  private final Set<Tracker> live = ConcurrentHashMap.newKeySet();

  /** Trackers whose mapping may also end while still reachable (an arena closed): polled. */
  private final Set<ScopeTracker> scoped = ConcurrentHashMap.newKeySet();

  private interface Tracker {
    Runnable release();
  }

  /**
   * A buffer mapping: gone once the buffer (which every slice, duplicate and view keeps reachable)
   * is not.
   */
  private static final class BufferTracker extends PhantomReference<Object> implements Tracker {
    private final Runnable release;

    BufferTracker(Object buffer, ReferenceQueue<Object> q, Runnable release) {
      super(buffer, q);
      this.release = release;
    }

    @Override
    public Runnable release() {
      return release;
    }
  }

  /**
   * A memory-segment mapping: gone once its scope is closed or collected. The scope is held weakly,
   * so tracking it never keeps an automatic arena alive.
   */
  private static final class ScopeTracker extends WeakReference<Object> implements Tracker {
    private final Predicate<Object> alive;
    private final Runnable release;

    ScopeTracker(
        Object scope, Predicate<Object> alive, ReferenceQueue<Object> q, Runnable release) {
      super(scope, q);
      this.alive = alive;
      this.release = release;
    }

    boolean gone() {
      Object scope = get();
      return scope == null || !alive.test(scope);
    }

    @Override
    public Runnable release() {
      return release;
    }
  }

  /**
   * Tracks a buffer; {@code release} runs once at the first {@link #reap} after it became
   * unreachable.
   */
  void trackBuffer(Object buffer, Runnable release) {
    live.add(new BufferTracker(buffer, collected, release));
  }

  /**
   * Tracks a mapping that ends with {@code scope}: {@code release} runs once at the first {@link
   * #reap} after the scope was collected or {@code alive} said no. {@code alive} must not capture
   * the scope.
   */
  void trackScope(Object scope, Predicate<Object> alive, Runnable release) {
    ScopeTracker t = new ScopeTracker(scope, alive, collected, release);
    live.add(t);
    scoped.add(t);
  }

  /**
   * Releases every mapping found gone since the last call. Cheap when nothing is tracked or queued.
   */
  void reap() {
    for (Reference<?> r; (r = collected.poll()) != null; ) {
      release((Tracker) r);
    }
    if (!scoped.isEmpty()) {
      for (ScopeTracker t : scoped) {
        if (t.gone()) {
          release(t);
        }
      }
    }
  }

  /** How many mappings may still be used, after a {@link #reap}. */
  int count() {
    reap();
    return live.size();
  }

  private void release(Tracker t) {
    // Only the thread that removes the tracker runs its release: a concurrent reap skips it.
    if (live.remove(t)) {
      if (t instanceof ScopeTracker s) {
        scoped.remove(s);
      }
      t.release().run();
    }
  }
}
