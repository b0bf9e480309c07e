package io.daxfs.image;

import com.google.common.collect.Range;
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
import java.util.ArrayList;
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
  private final Volume volume;
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
    Loaded loaded = load(path, file, !readOnly);
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
      this.journal =
          new ImageJournal(
              this,
              loaded.state(),
              TreeRangeSet.create(loaded.poisoned()),
              TreeRangeSet.create(loaded.known()),
              log);
      if (loaded.scan().entries().isEmpty()) {
        journal.begin(sb.generation());
      }
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

  /** The volume on the image. */
  public Volume volume() {
    return volume;
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
            1, empty.changes(), empty.nextId(), TreeRangeSet.create(), TreeRangeSet.create());
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
   * Writes a checkpoint of {@code state} and the media state where it overlaps neither the current
   * checkpoint nor the log, makes it durable on the host, then writes the next superblock into the
   * other slot. Called under the journal's lock.
   */
  Superblock writeCheckpoint(VolumeState state, RangeSet<Long> poisoned, RangeSet<Long> known)
      throws IOException {
    Superblock cur = superblock;
    long generation = cur.generation() + 1;
    List<MetadataChange> changes = state.changes();
    byte[] ckpt = Checkpoint.encode(generation, changes, state.nextId(), poisoned, known);
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
    file.getFD().sync();
    Superblock next = cur.next(at, ckpt.length, crcOf(ckpt), imageLength);
    synchronized (file) {
      file.seek((long) next.slot() * Superblock.SLOT_SIZE);
      file.write(next.encode());
    }
    superblock = next;
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

  // ---- reading an image -----------------------------------------------------------------------

  /**
   * What an image at rest holds: its current superblock, the state its checkpoint and log make, its
   * log and what a scan of it found, and notes on what was skipped (a damaged older superblock, a
   * torn last record, inodes a crash left without a name).
   */
  record Loaded(
      Superblock superblock,
      VolumeState state,
      RangeSet<Long> poisoned,
      RangeSet<Long> known,
      ImageLog log,
      ImageLog.Scan scan,
      List<String> notes) {}

  /**
   * Reads and checks everything of the image but the file data: the superblocks, the newest
   * checkpoint, the log, and that the state they make fits together and in the device.
   *
   * @param writable map the log for writing (a writer resumes it)
   * @throws CorruptImageException what is wrong, and where
   */
  static Loaded load(Path path, RandomAccessFile file, boolean writable) throws IOException {
    String name = path.toString();
    long length = file.length();
    if (length < 2L * Superblock.SLOT_SIZE) {
      throw new CorruptImageException(
          name,
          "not a daxfs image: "
              + length
              + " bytes, shorter than its two superblocks ("
              + 2 * Superblock.SLOT_SIZE
              + " bytes)");
    }
    Superblock.Read[] slots = new Superblock.Read[2];
    for (int i = 0; i < 2; i++) {
      byte[] b = new byte[Superblock.HEADER_LENGTH];
      synchronized (file) {
        file.seek((long) i * Superblock.SLOT_SIZE);
        file.readFully(b);
      }
      slots[i] = Superblock.decode(b, i);
    }
    for (int i = 0; i < 2; i++) {
      if (slots[i] instanceof Superblock.Future f) {
        throw new CorruptImageException(
            name,
            Superblock.slotName(i)
                + ": format version "
                + Integer.toUnsignedString(f.version())
                + " is newer than this daxfs reads ("
                + Superblock.VERSION
                + ")");
      }
      if (slots[i] instanceof Superblock.Valid v) {
        String misfit = v.superblock().misfit(length);
        if (misfit != null) {
          slots[i] = new Superblock.Damaged(misfit);
        }
      }
    }
    Superblock sb = null;
    int current = -1;
    for (int i = 0; i < 2; i++) {
      if (slots[i] instanceof Superblock.Valid v
          && (sb == null || v.superblock().generation() > sb.generation())) {
        sb = v.superblock();
        current = i;
      }
    }
    if (sb == null) {
      throw new CorruptImageException(
          name,
          "no valid superblock: "
              + Superblock.slotName(0)
              + ": "
              + describe(slots[0])
              + "; "
              + Superblock.slotName(1)
              + ": "
              + describe(slots[1]));
    }
    List<String> notes = new ArrayList<>();
    int other = 1 - current;
    if (slots[other] instanceof Superblock.Damaged d) {
      notes.add(Superblock.slotName(other) + " is damaged (" + d.why() + "); the other is used");
    }
    if (sb.slot() != current) {
      throw new CorruptImageException(
          name,
          Superblock.slotName(current)
              + ": generation "
              + sb.generation()
              + " belongs in the other slot");
    }
    MappedByteBuffer ckptBytes =
        map(file, MapMode.READ_ONLY, sb.checkpointOffset(), sb.checkpointLength());
    if (Bytes.crc(ckptBytes, 0, ckptBytes.capacity() - 4) != sb.checkpointCrc()) {
      throw new CorruptImageException(
          name,
          "checkpoint (generation "
              + sb.generation()
              + ") at byte "
              + sb.checkpointOffset()
              + ": checksum mismatch with "
              + Superblock.slotName(current));
    }
    long deviceBlocks = sb.deviceSize() / sb.blockSize();
    long sectors = sb.deviceSize() / sb.sectorSize();
    Checkpoint.Content content;
    try {
      content =
          Checkpoint.decode(
              ckptBytes,
              ckptBytes.capacity(),
              sb.checkpointOffset(),
              sb.generation(),
              deviceBlocks,
              sectors);
    } catch (FormatException e) {
      throw new CorruptImageException(name, e.getMessage());
    }
    ImageLog log =
        new ImageLog(
            map(
                file,
                writable ? MapMode.READ_WRITE : MapMode.READ_ONLY,
                sb.logOffset(),
                sb.logCapacity()),
            sb.logOffset());
    ImageLog.Scan scan = log.scan(sb.epoch());
    if (scan.corruption() != null) {
      throw new CorruptImageException(name, scan.corruption());
    }
    if (scan.torn() != null) {
      notes.add(scan.torn());
    }
    VolumeState state = content.state();
    RangeSet<Long> poisoned = TreeRangeSet.create(content.poisoned());
    RangeSet<Long> known = TreeRangeSet.create(content.known());
    try {
      replay(log, scan, sb, state, poisoned, known, sectors);
    } catch (FormatException e) {
      throw new CorruptImageException(name, e.getMessage());
    }
    List<Long> unnamed = state.removeUnnamed();
    if (!unnamed.isEmpty()) {
      notes.add(
          "inodes "
              + unnamed
              + " were created by an operation that did not finish (no name leads to them)");
    }
    try {
      Checkpoint.checkShape(state, deviceBlocks, "log (epoch " + sb.epoch() + ")", sb.logOffset());
    } catch (FormatException e) {
      throw new CorruptImageException(name, e.getMessage());
    }
    return new Loaded(sb, state, poisoned, known, log, scan, List.copyOf(notes));
  }

  private static String describe(Superblock.Read r) {
    if (r instanceof Superblock.Empty) {
      return "never written";
    } else if (r instanceof Superblock.Damaged d) {
      return d.why();
    }
    return r.toString();
  }

  private static void replay(
      ImageLog log,
      ImageLog.Scan scan,
      Superblock sb,
      VolumeState state,
      RangeSet<Long> poisoned,
      RangeSet<Long> known,
      long sectors)
      throws FormatException {
    for (ImageLog.Entry e : scan.entries()) {
      String what = "log record " + e.sequence() + " of epoch " + sb.epoch();
      Bytes.In in = log.payload(e, what);
      int type = e.type();
      if (type == Records.EPOCH_START) {
        long generation = in.u64();
        if (e.sequence() != 0 || generation != sb.generation() || in.remaining() != 0) {
          throw in.error("an epoch start that does not fit the superblock");
        }
      } else if (Records.isMetadata(type)) {
        MetadataChange c = Records.decode(type, in);
        try {
          state.apply(c);
        } catch (IllegalArgumentException x) {
          throw new FormatException(
              what + " at byte " + (log.offset() + e.at()) + ": " + x.getMessage());
        }
      } else if (Records.isMedia(type)) {
        long[] r = Records.decodeSectors(type, in, sectors);
        Range<Long> range = Range.closedOpen(r[0], r[1]);
        switch (type) {
          case Records.POISON_ADDED -> poisoned.add(range);
          case Records.POISON_REMOVED -> poisoned.remove(range);
          case Records.KNOWN_ADDED -> known.add(range);
          default -> known.remove(range);
        }
      } else {
        throw in.error("unknown record type " + type);
      }
    }
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
