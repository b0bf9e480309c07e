package io.daxfs.image;

import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import io.daxfs.CorruptImageException;
import io.daxfs.DaxConfiguration;
import io.daxfs.device.EmulatedPmem;
import io.daxfs.fs.MetadataChange;
import io.daxfs.fs.Volume;
import io.daxfs.fs.VolumeState;
import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * An image mounted: the device on the image's data region, the volume rebuilt from its newest
 * checkpoint and log, and (for a writer) the journal that appends every change to the log from now
 * on. Closing it writes a last checkpoint, closes the volume and releases the image.
 */
public final class Image implements Closeable {
  private final Path path;
  private final ImageLocks.Handle handle;
  private final RandomAccessFile file;
  private final DaxConfiguration configuration;
  private volatile Volume volume; // a power cut replaces it
  private final ImageJournal journal;
  private Superblock superblock; // written under the journal's lock
  private boolean closed; // guarded by this

  /**
   * Mounts the image {@code config} names, formatting it first if it does not exist (and the mount
   * is not read-only).
   *
   * @throws IllegalArgumentException if {@code config} names no image, or gives explicitly a
   *     geometry that contradicts the image's (the message names both values)
   * @throws NoSuchFileException if a read-only mount names a missing image
   * @throws java.nio.file.FileSystemException "Device or resource busy" if another writer (or, for
   *     a writer, anyone) holds the image, in this JVM or another process
   * @throws CorruptImageException if the image is damaged, truncated or of a newer format
   */
  public static Image mount(DaxConfiguration config) throws IOException {
    return mount(config, ImageLog.DEFAULT_CAPACITY);
  }

  /** As {@link #mount(DaxConfiguration)}, a new image getting a log of {@code logCapacity}. */
  static Image mount(DaxConfiguration config, long logCapacity) throws IOException {
    Path path =
        config
            .image()
            .orElseThrow(() -> new IllegalArgumentException("the configuration names no image"));
    boolean readOnly = config.readOnly();
    if (readOnly && Files.notExists(path)) {
      throw new NoSuchFileException(path.toString());
    }
    ImageLocks.Handle handle = ImageLocks.acquire(path, !readOnly, !readOnly);
    try {
      if (handle.created()) {
        format(handle.file(), config, logCapacity);
      }
      return new Image(path, handle, config);
    } catch (IOException | RuntimeException | Error e) {
      try {
        handle.close();
        if (handle.created()) {
          Files.deleteIfExists(path);
        }
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private Image(Path path, ImageLocks.Handle handle, DaxConfiguration config) throws IOException {
    this.path = path;
    this.handle = handle;
    this.file = handle.file();
    boolean readOnly = config.readOnly();
    ImageReader reader = new ImageReader(path, file, !readOnly, false);
    ImageReader.Loaded loaded = reader.read();
    Superblock sb = loaded.superblock();
    checkGeometry(path, config, sb);
    this.superblock = sb;
    this.configuration =
        config.toBuilder()
            .deviceSize(sb.deviceSize())
            .blockSize(sb.blockSize())
            .sectorSize(sb.sectorSize())
            .mediaErrorModel(sb.model())
            .build();
    EmulatedPmem device;
    try {
      device =
          EmulatedPmem.openImage(
              path,
              file,
              sb.dataOffset(),
              sb.deviceSize(),
              sb.sectorSize(),
              sb.model(),
              readOnly,
              loaded.poisoned(),
              loaded.known(),
              handle::relock);
    } catch (IllegalArgumentException e) {
      throw new CorruptImageException(path.toString(), e.getMessage());
    }
    try {
      this.volume = Volume.mount(device, configuration, loaded.state());
    } catch (IllegalArgumentException e) {
      throw new CorruptImageException(
          path.toString(), "the metadata does not fit together: " + e.getMessage());
    }
    if (readOnly) {
      this.journal = null;
    } else {
      ImageLog log = loaded.log();
      log.resume(sb.epoch(), loaded.scan());
      if (loaded.scan().entries().isEmpty()) {
        log.begin(sb.generation());
      }
      this.journal =
          new ImageJournal(
              this,
              loaded.state(),
              TreeRangeSet.create(loaded.poisoned()),
              TreeRangeSet.create(loaded.known()),
              log);
      volume.setJournal(journal);
      device.setMediaJournal(journal);
    }
    if (config.scrubAtMount()) {
      device.scrub();
    }
  }

  private static void checkGeometry(Path path, DaxConfiguration config, Superblock sb) {
    var explicit = config.explicitSettings();
    conflict(path, explicit, DaxConfiguration.DEVICE_SIZE, config.deviceSize(), sb.deviceSize());
    conflict(path, explicit, DaxConfiguration.BLOCK_SIZE, config.blockSize(), sb.blockSize());
    conflict(path, explicit, DaxConfiguration.SECTOR_SIZE, config.sectorSize(), sb.sectorSize());
    conflict(
        path, explicit, DaxConfiguration.MEDIA_ERROR_MODEL, config.mediaErrorModel(), sb.model());
  }

  private static void conflict(
      Path path, java.util.Set<String> explicit, String key, Object given, Object has) {
    if (explicit.contains(key) && !given.equals(has)) {
      throw new IllegalArgumentException(
          key + " " + given + " contradicts the image " + path + ", whose " + key + " is " + has);
    }
  }

  /** The image file. */
  public Path path() {
    return path;
  }

  /** The volume on the image: after a power cut, the one the restart found. */
  public Volume volume() {
    return volume;
  }

  /**
   * Restarts the image's volume after {@link Volume#cutPower}: the volume {@link Volume#restart}
   * finds with {@code seed}, whose metadata becomes the image's state (a new checkpoint, the log
   * restarted in a new epoch) before it is returned, so that the image holds exactly what the
   * restarted volume holds. The image stays locked throughout, and its media state is untouched;
   * closing the image closes the restarted volume.
   *
   * @throws IOException if the restarted volume cannot be mounted or its state not written; the
   *     image is then closed
   */
  public Volume restart(long seed) throws IOException {
    Volume old = volume;
    if (journal != null) {
      // Nothing the old volume still records after the cut belongs in the image.
      old.setJournal(null);
    }
    Volume next;
    try {
      next = old.restart(seed);
    } catch (IOException | RuntimeException e) {
      abandon(e);
      throw e;
    }
    volume = next;
    if (journal != null) {
      try {
        journal.restart(next.state());
        file.getFD().sync();
      } catch (IOException | RuntimeException e) {
        abandon(e);
        throw e;
      }
      next.setJournal(journal);
    }
    return next;
  }

  /** Closes the volume and releases the image without a checkpoint, after {@code failure}. */
  private void abandon(Exception failure) {
    synchronized (this) {
      closed = true;
    }
    if (journal != null) {
      journal.abandon();
      volume.device().setMediaJournal(null);
    }
    try {
      volume.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
    try {
      handle.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  /** The configuration the image is mounted with: the one given, with the image's geometry. */
  public DaxConfiguration configuration() {
    return configuration;
  }

  // ---- format ---------------------------------------------------------------------------------

  private static long align(long n) {
    return (n + Superblock.PAGE - 1) & -Superblock.PAGE;
  }

  /** Writes a new, empty filesystem with {@code config}'s geometry into the empty {@code file}. */
  private static void format(RandomAccessFile file, DaxConfiguration config, long logCapacity)
      throws IOException {
    long dataOffset = Superblock.DATA_OFFSET;
    long logOffset = align(dataOffset + config.deviceSize());
    long checkpointOffset = logOffset + logCapacity;
    String owner = System.getProperty("user.name", "root");
    VolumeState empty = VolumeState.formatted(0755, owner, System.currentTimeMillis() * 1_000_000L);
    byte[] ckpt =
        Checkpoint.encode(
            1, 1, empty.changes(), empty.nextId(), TreeRangeSet.create(), TreeRangeSet.create());
    long imageLength = checkpointOffset + ckpt.length;
    Superblock sb =
        new Superblock(
            1,
            config.deviceSize(),
            config.blockSize(),
            config.sectorSize(),
            config.mediaErrorModel(),
            dataOffset,
            logOffset,
            logCapacity,
            checkpointOffset,
            ckpt.length,
            crcOf(ckpt),
            1,
            imageLength);
    synchronized (file) {
      file.setLength(imageLength);
      file.seek(checkpointOffset);
      file.write(ckpt);
      file.seek((long) sb.slot() * Superblock.SLOT_SIZE);
      file.write(sb.encode());
    }
    file.getFD().sync();
  }

  private static int crcOf(byte[] ckpt) {
    return ByteBuffer.wrap(ckpt).order(ByteOrder.LITTLE_ENDIAN).getInt(ckpt.length - 4);
  }

  // ---- checkpoints ----------------------------------------------------------------------------

  /**
   * Writes a checkpoint of {@code state} and the media state, flips the superblock and returns the
   * new one. Called under the journal's lock.
   */
  Superblock writeCheckpoint(VolumeState state, RangeSet<Long> poisoned, RangeSet<Long> known)
      throws IOException {
    Superblock cur = superblock;
    Superblock next =
        writeCheckpoint(file, cur, cur.generation() + 1, cur.epoch() + 1, state, poisoned, known);
    superblock = next;
    return next;
  }

  /**
   * Writes a checkpoint of generation {@code generation}, for log epoch {@code epoch}, where it
   * overlaps neither {@code cur}'s checkpoint nor the log; makes it durable on the host; then
   * writes the superblock that names it into the slot of its generation, and returns it. The log is
   * the caller's to restart in the new epoch.
   */
  static Superblock writeCheckpoint(
      RandomAccessFile file,
      Superblock cur,
      long generation,
      long epoch,
      VolumeState state,
      RangeSet<Long> poisoned,
      RangeSet<Long> known)
      throws IOException {
    List<MetadataChange> changes = state.changes();
    byte[] ckpt = Checkpoint.encode(generation, epoch, changes, state.nextId(), poisoned, known);
    if (ckpt.length > Checkpoint.MAX_LENGTH) {
      throw new IOException(
          "checkpoint of " + ckpt.length + " bytes is larger than an image holds");
    }
    long base = align(cur.logOffset() + cur.logCapacity());
    long at = base + ckpt.length <= cur.checkpointOffset() ? base : align(cur.checkpointEnd());
    long imageLength = Math.max(cur.imageLength(), at + ckpt.length);
    synchronized (file) {
      if (file.length() < imageLength) {
        file.setLength(imageLength);
      }
      file.seek(at);
      file.write(ckpt);
    }
    // Only the checkpoint's pages go to stable storage before the superblock names it: an fsync
    // of the whole file would also write back every data page the program dirtied, and make each
    // compaction cost as much as the data written since the last one.
    Image.map(file, MapMode.READ_WRITE, at, ckpt.length).force();
    Superblock next =
        cur.withCheckpoint(generation, at, ckpt.length, crcOf(ckpt), epoch, imageLength);
    synchronized (file) {
      file.seek((long) next.slot() * Superblock.SLOT_SIZE);
      file.write(next.encode());
    }
    return next;
  }

  /** Writes the last checkpoint (every inode's times with it), closes the volume, lets go. */
  @Override
  public void close() throws IOException {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    IOException failure = null;
    try {
      if (journal != null) {
        VolumeState live = volume.state();
        EmulatedPmem device = volume.device();
        journal.close(live, device.poisonedSectors(), device.knownSectors());
        file.getFD().sync();
      }
    } catch (IOException e) {
      failure = e;
    } finally {
      if (journal != null) {
        journal.abandon();
        volume.setJournal(null);
        volume.device().setMediaJournal(null);
      }
      try {
        volume.close();
      } catch (IOException e) {
        failure = add(failure, e);
      }
      try {
        handle.close();
      } catch (IOException e) {
        failure = add(failure, e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static IOException add(IOException first, IOException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  /** Maps part of the image; the caller's interrupt status is kept and cannot close the file. */
  static MappedByteBuffer map(RandomAccessFile file, MapMode mode, long offset, long length)
      throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      return file.getChannel().map(mode, offset, length);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
