package io.daxfs.fs;

import java.util.ArrayList;
import java.util.List;

/**
 * The byte-range locks held on one file. As the JDK's lock table does, any overlap between two
 * locks held in this JVM is refused, whatever their modes: locks are held on behalf of the whole
 * JVM.
 */
public final class ByteRangeLocks {
  private final List<Held> held = new ArrayList<>();

  private record Held(long position, long size, Object owner) {
    boolean overlaps(long pos, long len) {
      return pos < end(position, size) && position < end(pos, len);
    }
  }

  private static long end(long position, long size) {
    long e = position + size;
    return e < position ? Long.MAX_VALUE : e;
  }

  /**
   * Records a lock for {@code owner} unless it overlaps one held; returns whether it was recorded.
   */
  public synchronized boolean tryAdd(long position, long size, Object owner) {
    for (Held h : held) {
      if (h.overlaps(position, size)) {
        return false;
      }
    }
    held.add(new Held(position, size, owner));
    return true;
  }

  /** Removes the lock recorded for {@code owner}, if any. */
  public synchronized void remove(Object owner) {
    held.removeIf(h -> h.owner == owner);
  }

  public synchronized int count() {
    return held.size();
  }
}
