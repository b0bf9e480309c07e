package io.daxfs.image;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import io.daxfs.device.MediaJournal;
import io.daxfs.fs.MetadataChange;
import io.daxfs.fs.MetadataJournal;
import io.daxfs.fs.VolumeState;
import java.io.IOException;
import java.util.List;

/**
 * Writes a mounted image's changes to its log as they happen: every metadata change of the volume
 * and every change of the device's media state, each a checksummed record copied into the shared
 * mapping of the log before the operation returns.
 *
 * <p>It keeps a mirror of the state (metadata and media) by applying each change, so that when the
 * log fills it can write a checkpoint without taking any lock of the volume or the device (it is
 * called under them); the {@link Mirror} holds the newest files' changes back, so that a file
 * created and removed between two checkpoints costs it nothing. Records are encoded before this
 * object's lock is taken; the mirror and the append into the log are serialized on it, which is
 * taken last: nothing here calls back into the volume or the device.
 */
final class ImageJournal implements MetadataJournal, MediaJournal {
  private final Image image;
  private final Mirror mirror; // guarded by this
  private final RangeSet<Long> poisoned;
  private final RangeSet<Long> known;
  private final ImageLog log;
  private final Bytes.Out out = new Bytes.Out(512);
  private boolean closed; // guarded by this

  /**
   * Set by tests: every checkpoint fails with it before it writes anything, as a full host would.
   */
  private volatile IOException checkpointFault;

  /**
   * How long after a failed checkpoint the next is tried: a checkpoint writes the whole state, so
   * retrying it for every operation would make each one that fails cost that much, where a full
   * disk fails a write at once.
   */
  static final long RETRY_NANOS = 1_000_000_000L;

  private IOException lastFailure; // guarded by this: the last checkpoint's failure, if it failed
  private long failedAt; // guarded by this: when, in System.nanoTime
  private long retryNanos = RETRY_NANOS; // guarded by this

  ImageJournal(
      Image image,
      VolumeState mirror,
      RangeSet<Long> poisoned,
      RangeSet<Long> known,
      ImageLog log) {
    this.image = image;
    this.mirror = new Mirror(mirror);
    this.poisoned = poisoned;
    this.known = known;
    this.log = log;
  }

  /**
   * Each thread encodes its records here before it takes this object's lock, so that the lock is
   * held for the mirror and the copy into the log only.
   */
  private static final ThreadLocal<Bytes.Out> ENCODER =
      ThreadLocal.withInitial(() -> new Bytes.Out(512));

  /** An encoder grown past this for one large operation is not kept for the next. */
  private static final int KEEP_ENCODER = 64 << 10;

  @Override
  public void record(MetadataChange change) throws IOException {
    Bytes.Out encoded = ENCODER.get();
    encoded.reset();
    encoded.skip(ImageLog.HEADER);
    Records.encode(change, encoded);
    append(change, null, Records.typeOf(change), encoded);
  }

  /**
   * Records changes of one operation as one {@link Records#CHANGES} record, so that replay takes
   * them all or none.
   */
  @Override
  public void recordAll(List<? extends MetadataChange> changes) throws IOException {
    if (changes.size() <= 1) {
      if (!changes.isEmpty()) {
        record(changes.get(0));
      }
      return;
    }
    Bytes.Out encoded = ENCODER.get();
    encoded.reset();
    encoded.skip(ImageLog.HEADER);
    Records.encodeChanges(changes, encoded);
    append(null, changes, Records.CHANGES, encoded);
  }

  /**
   * Applies {@code change} (or {@code changes}) to the mirror and appends the record in {@code
   * encoded}, under this object's lock, so that the log's order is the mirror's. The mirror takes a
   * change only with the record that keeps it: a full log is checkpointed first, so that a
   * checkpoint that fails leaves the mirror and the image as they were.
   *
   * @throws IOException when the log is full and the checkpoint failed, or the last checkpoint
   *     failed less than {@link #retryNanos} ago; nothing of the operation is kept
   */
  private void append(
      MetadataChange change, List<? extends MetadataChange> changes, int type, Bytes.Out encoded)
      throws IOException {
    encoded.room(12); // for the checksum and the padding
    synchronized (this) {
      if (closed) {
        return;
      }
      int length = encoded.position();
      if (!log.fitsRestarted(length)) {
        keepByCheckpoint(() -> apply(change, changes));
      } else {
        if (!log.fits(length)) {
          compact();
        }
        // the mirror checks each change against the state: one that does not fit is a daxfs bug,
        // and must not reach the log
        apply(change, changes);
        appended(log.append(type, encoded.array(), length));
      }
    }
    if (encoded.array().length > KEEP_ENCODER) {
      ENCODER.remove();
    }
  }

  /**
   * Keeps changes whose records are longer than the whole log (a write that took thousands of
   * fragments, a scrub that found thousands of ranges) by a checkpoint of their own: {@code apply}
   * takes them into the mirror or the media state, and if the checkpoint fails both go back. The
   * copies cost no more than the checkpoint, which encodes the whole state. Its failure does not
   * hold other records back: it may be this operation's alone (a state too large for the image).
   */
  private void keepByCheckpoint(Runnable apply) throws IOException {
    refuseWhileBackingOff();
    VolumeState before = mirror.state().copy();
    RangeSet<Long> poisonedBefore = TreeRangeSet.create(poisoned);
    RangeSet<Long> knownBefore = TreeRangeSet.create(known);
    apply.run();
    try {
      checkpoint(mirror.state(), poisoned, known);
    } catch (IOException e) {
      mirror.replace(before);
      poisoned.clear();
      poisoned.addAll(poisonedBefore);
      known.clear();
      known.addAll(knownBefore);
      throw failed("a change longer than the log needs a checkpoint of its own, and the", e);
    }
  }

  private void apply(MetadataChange change, List<? extends MetadataChange> changes) {
    if (change != null) {
      mirror.apply(change);
    } else {
      for (int i = 0; i < changes.size(); i++) {
        mirror.apply(changes.get(i));
      }
    }
  }

  /**
   * Appends media changes, all or none: when the log lacks room for all of them it is checkpointed
   * first; more than a whole log holds are kept by a checkpoint of their own.
   */
  @Override
  public synchronized void record(List<MediaJournal.Change> changes) throws IOException {
    if (closed || changes.isEmpty()) {
      return;
    }
    int length = ImageLog.HEADER + 16;
    int count = changes.size();
    if (!log.fitsRestarted(length, count)) {
      keepByCheckpoint(() -> changes.forEach(this::apply));
      return;
    }
    if (!log.fits(length, count)) {
      compact();
    }
    for (int i = 0; i < count; i++) {
      MediaJournal.Change c = changes.get(i);
      apply(c);
      out.reset();
      out.skip(ImageLog.HEADER);
      out.u64(c.fromSector()).u64(c.toSector());
      out.room(12); // for the checksum and the padding
      // chained, so that a replay takes the batch whole or not at all
      appended(log.append(Records.typeOf(c.kind()), out.array(), out.position(), i < count - 1));
    }
  }

  private void apply(MediaJournal.Change c) {
    Range<Long> r = Range.closedOpen(c.fromSector(), c.toSector());
    switch (c.kind()) {
      case POISON_ADDED -> poisoned.add(r);
      case POISON_REMOVED -> poisoned.remove(r);
      case KNOWN_ADDED -> known.add(r);
      case KNOWN_REMOVED -> known.remove(r);
    }
  }

  private static void appended(boolean appended) {
    if (!appended) {
      throw new IllegalStateException("daxfs bug: a record the log had room for was refused");
    }
  }

  /**
   * Makes room in the log: checkpoints what it holds (the mirror and the media state) and restarts
   * it. A checkpoint that fails changes nothing a mount would read (the superblock still names the
   * last one, whose log is intact); the records that need room then fail without trying again for
   * {@link #retryNanos} ({@link #RETRY_NANOS} but in tests), and then the next one tries.
   *
   * @throws IOException naming the image, when it fails or failed less than that long ago
   */
  private void compact() throws IOException {
    refuseWhileBackingOff();
    try {
      checkpoint(mirror.state(), poisoned, known);
    } catch (IOException e) {
      lastFailure = e;
      failedAt = System.nanoTime();
      throw failed("the log is full and a", e);
    }
  }

  private IOException failed(String why, IOException cause) {
    return new IOException(
        "daxfs image " + image.path() + ": " + why + " checkpoint failed: " + cause, cause);
  }

  /**
   * Fails, with the last checkpoint's failure as the cause, when that failed less than {@link
   * #retryNanos} ago.
   */
  private void refuseWhileBackingOff() throws IOException {
    IOException failure = lastFailure;
    if (failure != null) {
      long since = System.nanoTime() - failedAt;
      if (since < retryNanos) {
        throw new IOException(
            "daxfs image "
                + image.path()
                + ": a checkpoint is needed, and the last checkpoint failed "
                + since / 1_000_000
                + " ms ago (the next is tried "
                + retryNanos / 1_000_000
                + " ms after a failure): "
                + failure,
            failure);
      }
    }
  }

  /**
   * Writes {@code state} and the media state as the new checkpoint, flips the superblock and
   * restarts the log in a new epoch.
   */
  private void checkpoint(VolumeState state, RangeSet<Long> poison, RangeSet<Long> listed)
      throws IOException {
    IOException fault = checkpointFault;
    if (fault != null) {
      throw fault;
    }
    Superblock next = image.writeCheckpoint(state, poison, listed);
    log.restart(next.epoch(), next.generation());
    lastFailure = null;
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
    mirror.replace(after.copy());
    checkpoint(mirror.state(), poisoned, known);
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

  /** Tests: the log, to see its room. */
  ImageLog log() {
    return log;
  }

  /**
   * Tests: makes every checkpoint from now on fail with {@code fault}; {@code null} ends it (the
   * host has room again) and lets the next record try a checkpoint at once.
   */
  synchronized void failCheckpoints(IOException fault) {
    checkpointFault = fault;
    if (fault == null) {
      lastFailure = null;
    }
  }

  /** Tests: how long after a failed checkpoint the next is tried; 0 tries each time. */
  synchronized void retryCheckpointsAfter(long nanos) {
    retryNanos = nanos;
  }

  /** Stops recording without a checkpoint (a mount that failed). */
  synchronized void abandon() {
    closed = true;
  }
}
