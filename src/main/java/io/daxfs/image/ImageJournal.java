package io.daxfs.image;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import io.daxfs.device.MediaJournal;
import io.daxfs.fs.MetadataChange;
import io.daxfs.fs.MetadataJournal;
import io.daxfs.fs.VolumeState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes a mounted image's changes to its log as they happen: every metadata change of the volume
 * and every change of the device's media state, each a checksummed record copied into the shared
 * mapping of the log before the operation returns.
 *
 * <p>It keeps a mirror of the state (metadata and media) by applying each change, so that when the
 * log fills it can write a checkpoint without taking any lock of the volume or the device (it is
 * called under them). All appends are serialized on this object, which is taken last: nothing here
 * calls back into the volume or the device.
 */
final class ImageJournal implements MetadataJournal, MediaJournal {
  private final Image image;
  private VolumeState mirror; // guarded by this
  private final RangeSet<Long> poisoned;
  private final RangeSet<Long> known;
  private final ImageLog log;
  private final Bytes.Out out = new Bytes.Out(512);
  private boolean closed; // guarded by this

  ImageJournal(
      Image image,
      VolumeState mirror,
      RangeSet<Long> poisoned,
      RangeSet<Long> known,
      ImageLog log) {
    this.image = image;
    this.mirror = mirror;
    this.poisoned = poisoned;
    this.known = known;
    this.log = log;
  }

  @Override
  public synchronized void record(MetadataChange change) {
    if (closed) {
      return;
    }
    mirror.apply(change);
    out.reset();
    out.skip(ImageLog.HEADER);
    Records.encode(change, out);
    append(Records.typeOf(change));
  }

  /**
   * Records changes of one operation: all of them enter the mirror first, so that a checkpoint the
   * full log calls for holds the whole operation; the records carry {@link ImageLog#MORE} but the
   * last, so that replay takes them all or none.
   */
  @Override
  public synchronized void recordAll(List<? extends MetadataChange> changes) {
    if (closed || changes.isEmpty()) {
      return;
    }
    for (MetadataChange change : changes) {
      mirror.apply(change);
    }
    for (int i = 0; i < changes.size(); i++) {
      MetadataChange change = changes.get(i);
      out.reset();
      out.skip(ImageLog.HEADER);
      Records.encode(change, out);
      if (!append(Records.typeOf(change), i < changes.size() - 1)) {
        return; // the checkpoint holds the rest
      }
    }
  }

  @Override
  public synchronized void record(MediaJournal.Kind kind, long fromSector, long toSector) {
    if (closed) {
      return;
    }
    Range<Long> r = Range.closedOpen(fromSector, toSector);
    switch (kind) {
      case POISON_ADDED -> poisoned.add(r);
      case POISON_REMOVED -> poisoned.remove(r);
      case KNOWN_ADDED -> known.add(r);
      case KNOWN_REMOVED -> known.remove(r);
    }
    out.reset();
    out.skip(ImageLog.HEADER);
    out.u64(fromSector).u64(toSector);
    append(Records.typeOf(kind));
  }

  /** Starts the current epoch's log with its marker, when a mount found it empty. */
  synchronized void begin(long generation) {
    out.reset();
    out.skip(ImageLog.HEADER);
    out.u64(generation);
    append(Records.EPOCH_START);
  }

  /** Appends the record in {@code out}; when the log is full, checkpoints instead. */
  private void append(int type) {
    append(type, false);
  }

  /**
   * Appends the record in {@code out}, marked as continued by the next when {@code more}; when the
   * log is full, checkpoints the mirror instead and returns false.
   */
  private boolean append(int type, boolean more) {
    int length = out.position();
    out.room(12); // for the checksum and the padding
    if (log.append(type, out.array(), length, more)) {
      return true;
    }
    try {
      checkpoint(mirror, poisoned, known);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "daxfs image " + image.path() + ": the log is full and a checkpoint failed", e);
    }
    return false;
  }

  /**
   * Writes {@code state} and the media state as the new checkpoint, flips the superblock and
   * restarts the log in a new epoch. The mirror already holds the change being recorded, if any.
   */
  private void checkpoint(VolumeState state, RangeSet<Long> poison, RangeSet<Long> listed)
      throws IOException {
    Superblock next = image.writeCheckpoint(state, poison, listed);
    log.restart(next.epoch(), next.generation());
  }

  /**
   * Makes {@code after}, the metadata a restart finds after a power cut, the image's state: writes
   * it (with the media state, which a cut leaves as it is) as the new checkpoint and restarts the
   * log in a new epoch, so that the changes logged before the cut, kept or lost, are all replaced.
   * From now on the mirror follows the restarted volume.
   */
  synchronized void restart(VolumeState after) throws IOException {
    if (closed) {
      throw new IllegalStateException("daxfs bug: the image journal is closed");
    }
    mirror = after.copy();
    checkpoint(mirror, poisoned, known);
  }

  /**
   * The last checkpoint, at unmount: {@code live} holds every inode's times, which the log records
   * only lazily. Nothing is recorded afterwards.
   */
  synchronized void close(VolumeState live, RangeSet<Long> poison, RangeSet<Long> listed)
      throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    checkpoint(live, poison, listed);
  }

  /** Stops recording without a checkpoint (a mount that failed). */
  synchronized void abandon() {
    closed = true;
  }
}
