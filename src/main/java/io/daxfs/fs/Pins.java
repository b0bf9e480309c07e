package io.daxfs.fs;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Device blocks under live memory mappings. A pinned block is never handed to another file: when
 * its file lets go of it (truncate, hole punch, delete), the free is deferred until the last
 * mapping over it is gone (its buffer unreachable, its arena closed).
 *
 * <p>No thread watches for that: every question whose answer depends on the pins (a free, a
 * relocation check, a new pin, the free space, an allocation while frees wait) first has the device
 * release the mappings found gone, which unpins them here.
 */
final class Pins {
  private final BlockAllocator allocator;
  private final Runnable reapMappings;
  private final List<Pin> pins = new ArrayList<>(); // guarded by this
  private final RangeSet<Long> deferred = TreeRangeSet.create(); // guarded by this
  private volatile boolean any;
  private volatile boolean anyDeferred;

  /**
   * After a power cut, the volume mounted in this one's place: each pin that was live then has a
   * twin there, released in its stead (guarded by this).
   */
  private Map<Pin, Pin> successors;

  /** One mapping's hold on a block run. */
  final class Pin {
    final long start;
    final long count;
    private boolean released; // guarded by Pins.this

    private Pin(long start, long count) {
      this.start = start;
      this.count = count;
    }

    /** Releases the hold (the mapping became unreachable, or was never handed out); idempotent. */
    void release() {
      unpin(this);
    }
  }

  Pins(BlockAllocator allocator, Runnable reapMappings) {
    this.allocator = allocator;
    this.reapMappings = reapMappings;
  }

  /** Releases the pins of mappings found gone. Not under this lock: a release takes it. */
  void reap() {
    if (any) {
      reapMappings.run();
    }
  }

  /** Reaps only while frees wait on pins: the cheap check allocations make. */
  void reapIfDeferred() {
    if (anyDeferred) {
      reapMappings.run();
    }
  }

  Pin pin(long start, long count) {
    reap();
    return newPin(start, count);
  }

  private synchronized Pin newPin(long start, long count) {
    Pin p = new Pin(start, count);
    pins.add(p);
    any = true;
    return p;
  }

  private void unpin(Pin p) {
    List<Range<Long>> toFree = new ArrayList<>();
    Pin twin = null;
    synchronized (this) {
      if (p.released) {
        return;
      }
      p.released = true;
      if (successors != null) {
        twin = successors.get(p);
      }
    }
    if (twin != null) {
      twin.release();
      return;
    }
    synchronized (this) {
      if (successors != null) {
        return; // pinned nothing the successor knows of
      }
      pins.remove(p);
      any = !pins.isEmpty();
      RangeSet<Long> candidates =
          TreeRangeSet.create(deferred.subRangeSet(Range.closedOpen(p.start, p.start + p.count)));
      for (Pin other : pins) {
        candidates.remove(Range.closedOpen(other.start, other.start + other.count));
      }
      for (Range<Long> r : candidates.asRanges()) {
        deferred.remove(r);
        toFree.add(r);
      }
      anyDeferred = !deferred.isEmpty();
    }
    for (Range<Long> r : toFree) {
      allocator.free(r.lowerEndpoint(), r.upperEndpoint() - r.lowerEndpoint());
    }
  }

  /** Frees a run now, except the blocks a live mapping pins, whose free waits for the unpin. */
  void free(long start, long count) {
    reap();
    if (!any) {
      allocator.free(start, count);
      return;
    }
    RangeSet<Long> now = TreeRangeSet.create();
    synchronized (this) {
      now.add(Range.closedOpen(start, start + count));
      for (Pin p : pins) {
        Range<Long> pinned = Range.closedOpen(p.start, p.start + p.count);
        for (Range<Long> r : now.subRangeSet(pinned).asRanges()) {
          deferred.add(r);
        }
        now.remove(pinned);
      }
      anyDeferred = !deferred.isEmpty();
    }
    for (Range<Long> r : now.asRanges()) {
      allocator.free(r.lowerEndpoint(), r.upperEndpoint() - r.lowerEndpoint());
    }
  }

  /** The pins of mappings that are not gone, as of now. */
  List<Pin> live() {
    reap();
    synchronized (this) {
      return new ArrayList<>(pins);
    }
  }

  /**
   * Pins, for a mapping of the volume that lost power, blocks of this volume: which must be free
   * here. They go back to the allocator once the twin is released.
   */
  Pin adopt(long start, long count) {
    Pin p = newPin(start, count);
    free(start, count); // deferred by the pin itself
    return p;
  }

  /**
   * The power is cut: each live pin's release releases its twin in the volume mounted after the cut
   * instead (at once, for one released meanwhile); this volume's allocator is out of use.
   */
  void handOver(Map<Pin, Pin> twins) {
    List<Pin> gone = new ArrayList<>();
    synchronized (this) {
      successors = twins;
      for (Map.Entry<Pin, Pin> e : twins.entrySet()) {
        if (e.getKey().released) {
          gone.add(e.getValue());
        }
      }
    }
    gone.forEach(Pin::release);
  }

  /** Whether any block of the run is pinned by a mapping that is not gone. */
  boolean isPinned(long start, long count) {
    reap();
    return isPinnedNow(start, count);
  }

  private synchronized boolean isPinnedNow(long start, long count) {
    for (Pin p : pins) {
      if (p.start < start + count && start < p.start + p.count) {
        return true;
      }
    }
    return false;
  }
}
