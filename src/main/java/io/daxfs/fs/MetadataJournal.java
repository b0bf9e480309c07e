package io.daxfs.fs;

import java.io.IOException;

/**
 * Hears every metadata change of a volume, and every point where the program asks for durability:
 * what an image keeps on the host and what a power cut is emulated from.
 *
 * <p>{@link #record} is called while the change's own locks are held (the tree lock for names, the
 * file's lock for its blocks and size), so the order of calls is the order of the changes on each
 * inode and directory; it may come from many threads at once. Nothing is called on the data path of
 * a write that stays within the file's size and blocks.
 *
 * <p>A journal fails to keep a change only with an {@link IOException} (an image whose host storage
 * failed), and then keeps nothing of it, nor of the other changes of a {@link #recordAll}. The
 * volume records a change before it makes it, or undoes it (gives back the blocks it took, puts
 * attributes back), so that the operation fails with the cause and nothing changed.
 */
public interface MetadataJournal {
  /**
   * A change the volume makes.
   *
   * @throws IOException if it cannot be kept; nothing of it is
   */
  void record(MetadataChange change) throws IOException;

  /**
   * Changes that took effect together, as one operation (one journal handle on Linux): the new
   * inode and its first name, a rename and the name it replaced, a truncation's blocks and size,
   * the blocks one allocation took. A journal that can lose changes keeps or loses them together.
   * The default records each in turn.
   */
  default void recordAll(java.util.List<? extends MetadataChange> changes) throws IOException {
    for (MetadataChange c : changes) {
      record(c);
    }
  }

  /**
   * {@code fsync} ({@code withTimes}) or {@code fdatasync} of a file: its size, blocks and, with
   * times, all its attributes are durable now.
   */
  default void fileSynced(long inode, boolean withTimes) {}

  /** {@code fsync} of a directory: its names are durable now. */
  default void directorySynced(long directory) {}

  /** {@code syncfs}: everything is durable now. */
  default void allSynced() {}

  /** A journal that hears everything this one does, then {@code next}, in that order. */
  default MetadataJournal andThen(MetadataJournal next) {
    MetadataJournal first = this;
    return new MetadataJournal() {
      @Override
      public void record(MetadataChange change) throws IOException {
        first.record(change);
        next.record(change);
      }

      @Override
      public void recordAll(java.util.List<? extends MetadataChange> changes) throws IOException {
        first.recordAll(changes);
        next.recordAll(changes);
      }

      @Override
      public void fileSynced(long inode, boolean withTimes) {
        first.fileSynced(inode, withTimes);
        next.fileSynced(inode, withTimes);
      }

      @Override
      public void directorySynced(long directory) {
        first.directorySynced(directory);
        next.directorySynced(directory);
      }

      @Override
      public void allSynced() {
        first.allSynced();
        next.allSynced();
      }
    };
  }
}
