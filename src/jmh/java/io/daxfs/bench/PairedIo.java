package io.daxfs.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.openjdk.jmh.infra.Control;

/**
 * The batch loop of the paired benchmarks that read or write at random offsets ({@link
 * PositionalIoPaired}, {@link DataPathPaired}): a batch runs on the side whose turn it starts in
 * ({@link PairedTimes#turn}), and its operations and time are counted there.
 */
final class PairedIo {
  private PairedIo() {}

  /** Operations per batch: about 4 KiB moved or more, so that reading the clock costs little. */
  static int batch(int size) {
    return Math.max(1, Math.min(64, 65536 / size));
  }

  /** A thread's buffer and place in the offsets. */
  abstract static class Cursor {
    ByteBuffer buf;
    int next;
    int batch;

    void start(ByteBuffer buf, int threadIndex, int threadCount) {
      this.buf = buf;
      this.next = Offsets.start(threadIndex, threadCount);
      this.batch = batch(buf.capacity());
    }
  }

  /** Fills {@code stores} (by turn) with a store of each side's copy for that turn. */
  static void storesByTurn(PairedSides<Fixture> sides, Store[] stores) {
    for (int turn = 0; turn < stores.length; turn++) {
      stores[turn] = Store.of(sides.forTurn(turn));
    }
  }

  /** Runs one batch on the store of the current turn ({@code stores}, by turn) and counts it. */
  static int run(
      Store[] stores, long[] offsets, Cursor t, PairedTimes times, Control control, boolean write)
      throws IOException {
    long start = System.nanoTime();
    int turn = PairedTimes.turn(start);
    Store store = stores[turn];
    int n =
        (turn & 1) != 0
            ? contenderBatch(store, t, offsets, write)
            : referenceBatch(store, t, offsets, write);
    times.add(control, turn, t.batch, System.nanoTime() - start);
    return n;
  }

  /**
   * A batch on the reference. The same code as {@link #contenderBatch}, written twice so that each
   * side's store is called from a call site of its own: the JIT profiles receivers per call site,
   * and each then sees one type, as in a trial of its own (raw and daxfs are two).
   */
  private static int referenceBatch(Store store, Cursor t, long[] offsets, boolean write)
      throws IOException {
    ByteBuffer b = t.buf;
    int i = t.next;
    int n = 0;
    for (int k = 0; k < t.batch; k++) {
      b.clear();
      n += write ? store.write(b, offsets[i]) : store.read(b, offsets[i]);
      i = (i + 1) & Offsets.MASK;
    }
    t.next = i;
    return n;
  }

  /**
   * A batch on the contender; see {@link #referenceBatch}. Also every batch of {@link
   * PositionalIoThreads}, whose two sides are one store.
   */
  static int contenderBatch(Store store, Cursor t, long[] offsets, boolean write)
      throws IOException {
    ByteBuffer b = t.buf;
    int i = t.next;
    int n = 0;
    for (int k = 0; k < t.batch; k++) {
      b.clear();
      n += write ? store.write(b, offsets[i]) : store.read(b, offsets[i]);
      i = (i + 1) & Offsets.MASK;
    }
    t.next = i;
    return n;
  }
}
