package io.daxfs.bench;

import java.io.Closeable;
import java.io.IOException;

/**
 * Both sides of a paired benchmark's pair, each opened twice, in the order reference, contender,
 * contender, reference, and each copy used in a quarter of the turns ({@link PairedTimes#turn}).
 *
 * <p>Why twice: measured against itself (a pair such as {@code raw:raw}), the side opened second
 * ran 5 to 11 % faster than the side opened first, and the other way round when the order was
 * swapped: where an allocation lands in memory matters on this VM, whatever the code. With a copy
 * of each side early and late, both sides get the same share of either placement.
 *
 * @param <T> what a side is: a file, a directory
 */
final class PairedSides<T extends Closeable> implements Closeable {

  /** Opens one side by its contender name. */
  interface Opener<T> {
    T open(String contender) throws IOException;
  }

  /** By turn: bit 0 the side (1: the contender), bit 1 which of its two copies. */
  private final Object[] byTurn = new Object[4];

  private PairedSides() {}

  /**
   * Opens the sides of {@code pair} ({@code reference:contender}); closes what it opened if one
   * fails.
   *
   * @throws IllegalArgumentException if {@code pair} is not two names around a colon
   */
  static <T extends Closeable> PairedSides<T> open(String pair, Opener<T> opener)
      throws IOException {
    String[] sides = pair.split(":", -1);
    if (sides.length != 2 || sides[0].isEmpty() || sides[1].isEmpty()) {
      throw new IllegalArgumentException("not reference:contender: " + pair);
    }
    PairedSides<T> s = new PairedSides<>();
    try {
      for (int turn : new int[] {0, 1, 3, 2}) { // reference, contender, contender, reference
        s.byTurn[turn] = opener.open(sides[turn & 1]);
      }
    } catch (Throwable t) { // an error too (direct memory): an image left open keeps its files
      try {
        s.close();
      } catch (Throwable suppressed) {
        t.addSuppressed(suppressed);
      }
      throw t;
    }
    return s;
  }

  /** The side (and copy of it) a turn uses. */
  @SuppressWarnings("unchecked")
  T forTurn(int turn) {
    return (T) byTurn[turn];
  }

  /** Closes every copy opened, in the reverse order; the first failure is thrown. */
  @Override
  public void close() throws IOException {
    Exception first = null;
    for (int turn : new int[] {2, 3, 1, 0}) {
      Closeable c = (Closeable) byTurn[turn];
      byTurn[turn] = null;
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (IOException | RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first instanceof IOException e) {
      throw e;
    }
    if (first != null) {
      throw (RuntimeException) first;
    }
  }
}
