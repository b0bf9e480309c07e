package io.daxfs.device;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import io.daxfs.AccessPath;
import io.daxfs.BadBlock;
import io.daxfs.DaxConfiguration;
import io.daxfs.MediaErrorModel;
import io.daxfs.PmemDevice;
import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The emulated pmem device: memory, sectors, and the ways to reach them (DAX copies, the block
 * driver, zeroing), each checked against the badblocks as {@code linux-dax-semantics.md} describes
 * under the configured {@link MediaErrorModel}. It knows nothing of files.
 *
 * <p>Poison is tracked per sector. A DAX read of latent poison stops at the first poisoned sector
 * (real hardware stops at the poisoned cache line); the contiguous poisoned run it met becomes
 * known, as the machine-check handler lists the range it reports.
 *
 * <p>Not a {@link PmemDevice} itself: its raw access must not leave the implementation, so users
 * get {@link #userView()}, which cannot be cast back to this class.
 */
public final class EmulatedPmem implements Closeable {
  /** The recovery write works in kernel pages. */
  static final int PAGE = 4096;

  /** Most sectors one line of the kernel's badblocks table holds. */
  static final int MAX_SECTORS_PER_ENTRY = 512;

  private final DeviceMemory memory;
  private final int sectorSize;
  private final int sectorShift;
  private final MediaErrorModel model;
  private final Badblocks badblocks;
  private final LiveMappings mappings = new LiveMappings();
  private final List<Consumer<List<BadBlock>>> listeners = new CopyOnWriteArrayList<>();
  private final PmemDevice userView = new PmemDeviceView(this);

  /** Started by the first notification; its thread ends when idle. Guarded by this. */
  private DaemonPool notifier;

  private boolean closed; // guarded by this

  private EmulatedPmem(DeviceMemory memory, int sectorSize, MediaErrorModel model) {
    this(memory, sectorSize, model, new Badblocks(memory.size() / sectorSize));
  }

  private EmulatedPmem(
      DeviceMemory memory, int sectorSize, MediaErrorModel model, Badblocks badblocks) {
    this.memory = memory;
    this.sectorSize = sectorSize;
    this.sectorShift = Integer.numberOfTrailingZeros(sectorSize);
    this.model = model;
    this.badblocks = badblocks;
  }

  /**
   * A device on the bytes {@code [offset, offset + size)} of an image file, with the media state
   * the image kept ({@code poisoned} and {@code known} sectors). {@code backing} stays the image's:
   * closing the device leaves it open and the file as it is. {@code reopened} runs after an
   * interrupt closed the channel mappings come from and it was opened again.
   *
   * @throws IllegalArgumentException if the geometry or the sectors do not fit
   */
  public static EmulatedPmem openImage(
      Path file,
      RandomAccessFile backing,
      long offset,
      long size,
      int sectorSize,
      MediaErrorModel model,
      boolean readOnly,
      RangeSet<Long> poisoned,
      RangeSet<Long> known,
      Runnable reopened)
      throws IOException {
    checkArgument(
        sectorSize > 0 && Integer.bitCount(sectorSize) == 1 && size % sectorSize == 0,
        "device size %s is not a whole number of %s-byte sectors",
        size,
        sectorSize);
    Badblocks media = new Badblocks(size / sectorSize, poisoned, known);
    DeviceMemory memory = DeviceMemory.openImage(file, backing, offset, size, readOnly, reopened);
    return new EmulatedPmem(memory, sectorSize, requireNonNull(model, "model"), media);
  }

  /**
   * Installs the journal that hears every change of the media state from now on ({@code null}:
   * none).
   */
  public void setMediaJournal(MediaJournal journal) {
    badblocks.setJournal(journal);
  }

  /** The poisoned sectors now, known or latent. */
  public ImmutableRangeSet<Long> poisonedSectors() {
    return badblocks.poisoned();
  }

  /** The sectors in the badblocks list now. */
  public ImmutableRangeSet<Long> knownSectors() {
    return badblocks.listed();
  }

  /** Creates a device as configured, its memory in the configured or default directory. */
  public static EmulatedPmem create(DaxConfiguration config) throws IOException {
    Path dir = config.memoryDirectory().orElseGet(EmulatedPmem::defaultMemoryDirectory);
    return new EmulatedPmem(
        DeviceMemory.create(config.deviceSize(), dir),
        config.sectorSize(),
        config.mediaErrorModel());
  }

  /**
   * The device as users see it, always the same object: the {@link PmemDevice} operations and no
   * way to the memory behind them.
   */
  public PmemDevice userView() {
    return userView;
  }

  private static Path defaultMemoryDirectory() {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return shm;
    }
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  public long size() {
    return memory.size();
  }

  public int sectorSize() {
    return sectorSize;
  }

  long sectorCount() {
    return size() >>> sectorShift;
  }

  public MediaErrorModel mediaErrorModel() {
    return model;
  }

  public long memoryUsed() {
    return memory.committedBytes();
  }

  // ---- injection (ndctl / sysfs) ---------------------------------------------------------------

  // These throw IOException when the media journal cannot keep the change (nothing of it made);
  // the public view, PmemDeviceView, turns it into the UncheckedIOException PmemDevice documents.

  public void injectError(long sector, long count) throws IOException {
    notifyKnown(badblocks.inject(checked(sector, count)));
  }

  public void injectLatentError(long sector, long count) throws IOException {
    badblocks.injectLatent(checked(sector, count));
  }

  public void uninjectError(long sector, long count) throws IOException {
    badblocks.uninject(checked(sector, count));
  }

  public List<BadBlock> injectRandomErrors(long seed, int count) throws IOException {
    long sectors = sectorCount();
    checkArgument(
        count >= 0 && count <= sectors,
        "count must be from 0 to the device's %s sectors, got %s",
        sectors,
        count);
    Random random = new Random(seed);
    Set<Long> picked = new TreeSet<>();
    while (picked.size() < count) {
      picked.add((long) (random.nextDouble() * sectors));
    }
    ImmutableList.Builder<BadBlock> result = ImmutableList.builder();
    for (long s : picked) {
      injectError(s, 1);
      result.add(new BadBlock(s, 1));
    }
    return result.build();
  }

  public List<BadBlock> badblocks() {
    return badblocks.known();
  }

  public List<BadBlock> injectedErrors() {
    return Badblocks.toBadBlocks(badblocks.poisoned());
  }

  public String badblocksText() {
    StringBuilder sb = new StringBuilder();
    for (BadBlock b : badblocks()) {
      for (long s = b.startSector(); s < b.endSector(); s += MAX_SECTORS_PER_ENTRY) {
        sb.append(s)
            .append(' ')
            .append(Math.min(MAX_SECTORS_PER_ENTRY, b.endSector() - s))
            .append('\n');
      }
    }
    return sb.toString();
  }

  public List<BadBlock> scrub() throws IOException {
    List<BadBlock> found = badblocks.scrub();
    notifyKnown(found);
    return found;
  }

  public AutoCloseable onNewBadBlocks(Consumer<List<BadBlock>> listener) {
    requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Listeners run on this device's notifier thread, in order: the thread that made the sectors
   * known may hold a file's lock, and a listener that repairs the file would then deadlock. The
   * listeners are taken now, so one registered later never hears of older errors. Once the device
   * is closed, nothing more is announced.
   */
  private void notifyKnown(List<BadBlock> fresh) {
    if (fresh.isEmpty() || listeners.isEmpty()) {
      return;
    }
    List<Consumer<List<BadBlock>>> now = List.copyOf(listeners);
    Runnable announce =
        () -> {
          for (Consumer<List<BadBlock>> l : now) {
            Thread.interrupted(); // one that reached the previous listener is not this one's
            try {
              l.accept(fresh);
            } catch (RuntimeException e) {
              Thread t = Thread.currentThread();
              t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
          }
        };
    synchronized (this) {
      if (closed) {
        return;
      }
      if (notifier == null) {
        notifier = DaemonPool.serial("daxfs-media-errors");
      }
      notifier.execute(announce);
    }
  }

  private Range<Long> checked(long sector, long count) {
    try {
      return badblocks.checkedRange(sector, count);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          e.getMessage() + " of " + sectorSize + " bytes (" + size() + " bytes)");
    }
  }

  /** Known bad sectors within the device bytes {@code [off, off + len)}, merged and sorted. */
  public List<BadBlock> knownBadIn(long off, long len) {
    Badblocks.View v = badblocks.view();
    if (v.clean || len <= 0) {
      return List.of();
    }
    return Badblocks.toBadBlocks(v.known.subRangeSet(sectors(off, len)));
  }

  private Range<Long> sectors(long off, long len) {
    return Range.closedOpen(off >>> sectorShift, (off + len + sectorSize - 1) >>> sectorShift);
  }

  // ---- access paths
  // --------------------------------------------------------------------------------

  /**
   * Copies {@code len} device bytes at {@code off} into {@code dst} at absolute index {@code
   * dstIndex}; does not move {@code dst}'s position.
   *
   * <ul>
   *   <li>DAX: a known bad sector anywhere in the range fails it before a byte is copied; latent
   *       poison stops the copy at the first poisoned sector and becomes known.
   *   <li>DIRECT (block driver): any bad sector, known or latent, fails the whole range; the latent
   *       ones become known.
   * </ul>
   *
   * @throws MediaFault as above, with the bytes copied before it
   */
  public void read(AccessPath accessPath, long off, ByteBuffer dst, int dstIndex, int len)
      throws MediaFault {
    Badblocks.View v = badblocks.view();
    if (!v.clean && v.touches(off >>> sectorShift, (off + len + sectorSize - 1) >>> sectorShift)) {
      checkRead(v, accessPath, off, dst, dstIndex, len);
    }
    memory.read(off, dst, dstIndex, len);
  }

  private void checkRead(
      Badblocks.View v, AccessPath accessPath, long off, ByteBuffer dst, int dstIndex, int len)
      throws MediaFault {
    Range<Long> r = sectors(off, len);
    if (v.known.intersects(r)) {
      throw fault(accessPath, v.known, r, 0);
    }
    if (!v.poison.intersects(r)) {
      return;
    }
    Range<Long> run = v.poison.subRangeSet(r).asRanges().iterator().next();
    int copied =
        accessPath == AccessPath.DIRECT
            ? 0
            : (int) Math.max(0, (run.lowerEndpoint() << sectorShift) - off);
    if (copied > 0) {
      memory.read(off, dst, dstIndex, copied);
    }
    // The driver consumes the poison of the whole request; a DAX copy only the run it stopped at.
    ImmutableRangeSet<Long> consumed =
        accessPath == AccessPath.DIRECT ? v.poison.subRangeSet(r) : ImmutableRangeSet.of(run);
    MediaFault fault = fault(accessPath, consumed, r, copied);
    consume(consumed, fault);
    throw fault;
  }

  private MediaFault fault(
      AccessPath accessPath, ImmutableRangeSet<Long> bad, Range<Long> within, int moved) {
    return new MediaFault(accessPath, Badblocks.toBadBlocks(bad.subRangeSet(within)), moved);
  }

  /**
   * Copies {@code len} bytes of {@code src} from absolute index {@code srcIndex} to the device at
   * {@code off}; does not move {@code src}'s position.
   *
   * <ul>
   *   <li>DAX: a known bad sector in the range fails it before a byte is written, except under
   *       {@link MediaErrorModel#RECOVERY_WRITE}, where whole aligned pages over bad sectors are
   *       cleared and written, and an unaligned piece fails (after the pages before it). Latent
   *       poison does not stop a store and stays.
   *   <li>DIRECT (block driver, whole sectors): when the range holds known bad sectors, their
   *       poison and all poison in the range is cleared and the list entries removed, then the data
   *       written; without known ones, latent poison stays.
   * </ul>
   *
   * @throws MediaFault as above; no byte was written beyond {@link MediaFault#bytesMoved()}
   * @throws IOException when the write would clear errors and the journal cannot keep the clearing:
   *     it stops before the chunk that needed it, errors kept ({@link MediaJournal})
   */
  public void write(AccessPath accessPath, long off, ByteBuffer src, int srcIndex, int len)
      throws MediaFault, IOException {
    Badblocks.View v = badblocks.view();
    if (!v.clean && v.touches(off >>> sectorShift, (off + len + sectorSize - 1) >>> sectorShift)) {
      Range<Long> r = sectors(off, len);
      if (v.known.intersects(r)) {
        if (accessPath == AccessPath.DIRECT || accessPath == AccessPath.ZEROING) {
          badblocks.clear(r);
        } else if (model == MediaErrorModel.RECOVERY_WRITE && accessPath == AccessPath.DAX) {
          recoveryWrite(off, src, srcIndex, len);
          return;
        } else {
          throw fault(accessPath, v.known, r, 0);
        }
      }
    }
    memory.write(off, src, srcIndex, len);
  }

  /**
   * Linux 5.19's {@code DAX_RECOVERY_WRITE}: the write goes on in chunks; a chunk that meets known
   * bad sectors spans whole pages up to the page holding the first of them, and is cleared and
   * written only if it starts on a page boundary and covers whole pages.
   */
  private void recoveryWrite(long off, ByteBuffer src, int srcIndex, int len)
      throws MediaFault, IOException {
    long pos = off;
    long end = off + len;
    while (pos < end) {
      Badblocks.View v = badblocks.view();
      Range<Long> rest = sectors(pos, end - pos);
      if (!v.known.intersects(rest)) {
        memory.write(pos, src, srcIndex + (int) (pos - off), (int) (end - pos));
        return;
      }
      long firstBad =
          v.known.subRangeSet(rest).asRanges().iterator().next().lowerEndpoint() << sectorShift;
      long pageStart = pos & -PAGE;
      long chunkEnd = Math.max(pageStart + PAGE, (firstBad + PAGE - 1) & -PAGE);
      long bytes = Math.min(chunkEnd, end) - pos;
      Range<Long> chunk = sectors(pos, bytes);
      if (v.known.intersects(chunk)) {
        if ((pos & (PAGE - 1)) != 0 || (bytes & (PAGE - 1)) != 0) {
          throw fault(AccessPath.DAX, v.known, chunk, (int) (pos - off));
        }
        try {
          badblocks.clear(chunk);
        } catch (IOException e) {
          if (pos == off) {
            throw e;
          }
          MediaFault f = fault(AccessPath.DAX, v.known, chunk, (int) (pos - off));
          f.journalFailed(e);
          throw f;
        }
      }
      memory.write(pos, src, srcIndex + (int) (pos - off), (int) bytes);
      pos += bytes;
    }
  }

  /**
   * Copies {@code len} device bytes from {@code from} to {@code to} through {@code buffer}, without
   * any media check: for moving blocks whose sectors were checked already.
   */
  public void copy(long from, long to, ByteBuffer buffer, int len) {
    memory.read(from, buffer, 0, len);
    memory.write(to, buffer, 0, len);
  }

  /**
   * The bytes of {@code [off, off + len)} as the media holds them this instant, with no media
   * check: what a power cut finds there. The copy moves whole 8-byte words (each one as it was
   * before or after a store racing it) when {@code off} and {@code len} are multiples of 8. It
   * reads from the end backwards, so that it meets a copy racing forwards from the start mid-way,
   * as a cut meets a write: the words that copy stored before the meeting are new, the rest old.
   */
  public ByteBuffer snapshot(long off, int len) {
    // The last bytes are read at once into memory allocated before: allocating (and so zeroing)
    // the copy first would let a racing write end before the cut sees any of it.
    synchronized (SnapshotScratch.class) {
      ByteBuffer scratch = SnapshotScratch.BUFFER;
      int tail = Math.min(len, scratch.capacity());
      readBackwards(off + len - tail, scratch, 0, tail);
      ByteBuffer copy = ByteBuffer.allocateDirect(len);
      copy.put(len - tail, scratch, 0, tail);
      readBackwards(off, copy, 0, len - tail);
      return copy;
    }
  }

  private void readBackwards(long off, ByteBuffer dst, int index, int len) {
    for (int end = len; end > 0; end -= SNAPSHOT_STEP) {
      int start = Math.max(0, end - SNAPSHOT_STEP);
      memory.read(off + start, dst, index + start, end - start);
    }
  }

  /** The piece {@link #snapshot} reads at a time: a multiple of 8. */
  private static final int SNAPSHOT_STEP = 4096;

  /** Where {@link #snapshot} reads first; allocated when the first cut needs it. */
  private static final class SnapshotScratch {
    static final ByteBuffer BUFFER = ByteBuffer.allocateDirect(1 << 20);
  }

  /** Puts back bytes {@link #snapshot} or {@link #peek} took at {@code off}; clears no poison. */
  public void restore(long off, ByteBuffer bytes) {
    memory.write(off, bytes, 0, bytes.capacity());
  }

  /**
   * The {@code len} bytes at {@code off} as the media holds them, with no media check and no change
   * of media state (latent poison stays latent): to put back with {@link #restore}.
   */
  public byte[] peek(long off, int len) {
    byte[] bytes = new byte[len];
    memory.read(off, ByteBuffer.wrap(bytes), 0, len);
    return bytes;
  }

  /**
   * Zeroes {@code [off, off + len)} through the driver, as block allocation and aligned truncation
   * do: known bad sectors in the range are cleared with all poison there.
   *
   * @throws IOException when the memory backing the device is full (nothing is then zeroed beyond
   *     what was committed), or when the range holds known bad sectors and the journal cannot keep
   *     their clearing (nothing is zeroed)
   */
  public void zero(long off, long len) throws IOException {
    checkArgument(
        off >= 0 && len >= 0 && off + len <= memory.size(), "range %s+%s outside device", off, len);
    Badblocks.View v = badblocks.view();
    if (!v.clean && len > 0) {
      Range<Long> r = sectors(off, len);
      if (v.known.intersects(r)) {
        // Both steps that can fail come before any byte changes: committing the pages (a full
        // backing store) and recording the clearing (an image's full log).
        memory.commit(off, len);
        badblocks.clear(r);
      }
    }
    memory.zero(off, len);
  }

  /**
   * Checks that {@code [off, off + len)} may be mapped: a page fault over a known bad sector would
   * deliver SIGBUS, which a JVM cannot survive, so daxfs fails at map time instead. Latent poison
   * in the range is consumed as a load would consume it: it becomes known and fails the map.
   *
   * @throws MediaFault with access path {@link AccessPath#MMAP} and every bad sector in the range
   */
  public void checkMappable(long off, long len) throws MediaFault {
    Badblocks.View v = badblocks.view();
    if (v.clean || len <= 0) {
      return;
    }
    Range<Long> r = sectors(off, len);
    boolean latent = v.poison.intersects(r);
    if (latent || v.known.intersects(r)) {
      MediaFault fault = fault(AccessPath.MMAP, latent ? v.known.union(v.poison) : v.known, r, 0);
      if (latent) {
        consume(v.poison.subRangeSet(r), fault);
      }
      throw fault;
    }
  }

  /**
   * Lists the sectors whose poison an access consumed, and tells the listeners; when the journal
   * cannot keep the listing they stay latent, and {@code fault} says why.
   */
  private void consume(ImmutableRangeSet<Long> consumed, MediaFault fault) {
    try {
      notifyKnown(badblocks.addKnown(consumed));
    } catch (IOException e) {
      fault.journalFailed(e);
    }
  }

  /**
   * A new OS mapping of {@code [off, off + len)} aliasing the device's memory ({@code PRIVATE}:
   * copy on write). {@code onUnreachable} runs once, at the first {@link #reapMappings} after the
   * buffer (and every slice, duplicate and view of it, which keep it reachable) became unreachable.
   */
  public MappedByteBuffer map(MapMode mode, long off, long len, Runnable onUnreachable)
      throws IOException {
    mappings.reap();
    MappedByteBuffer buf = memory.map(mode, off, len);
    mappings.trackBuffer(buf, onUnreachable);
    return buf;
  }

  /**
   * How a memory-segment mapping (JDK 22+) is made into the caller's arena, and when it ends. The
   * device cannot name those types while its base code stays Java 17, hence {@code Object}.
   */
  public interface SegmentMapper<T> {
    /** Maps {@code [off, off + len)} of {@code backing} into the arena with the JDK's own map. */
    T map(FileChannel backing, long off, long len) throws IOException;

    /** The scope whose end (closed or collected) ends {@code mapping}. */
    Object scopeOf(T mapping);

    /**
     * Whether a scope is still alive; a constant that holds no arena, or tracking would keep it
     * alive.
     */
    Predicate<Object> scopeAlive();
  }

  /**
   * Checks that {@code how}'s arena takes mappings from the calling thread, with a mapping of
   * nothing (which commits nothing): so that an arena closed, or confined to another thread, fails
   * before any block of a file is touched.
   *
   * @throws IllegalStateException if the arena is closed
   * @throws RuntimeException what the JDK throws when the arena is confined to another thread
   */
  public void checkArena(SegmentMapper<?> how) throws IOException {
    memory.map(how::map, 0, 0);
  }

  /**
   * A new OS mapping of {@code [off, off + len)} as a memory segment of {@code how}'s arena, made
   * on the caller's thread. {@code onGone} runs once, at the first {@link #reapMappings} after the
   * arena was closed or collected.
   */
  public <T> T mapSegment(long off, long len, SegmentMapper<T> how, Runnable onGone)
      throws IOException {
    mappings.reap();
    T segment = memory.map(how::map, off, len);
    mappings.trackScope(how.scopeOf(segment), how.scopeAlive(), onGone);
    return segment;
  }

  /**
   * Runs the release of every mapping found gone (buffers collected, arenas closed) since the last
   * call, on the caller's thread: daxfs has no thread of its own for it. Whoever needs to know
   * which blocks are still mapped calls it first; cheap when nothing is mapped.
   */
  public void reapMappings() {
    mappings.reap();
  }

  /**
   * Frees the memory (unless live mappings still use it) once the notifications already under way
   * have reached their listeners, and the notifier thread has ended (unless a listener closes the
   * device from that thread, or the closing thread is interrupted while it waits).
   */
  @Override
  public void close() throws IOException {
    DaemonPool stopping;
    synchronized (this) {
      closed = true;
      stopping = notifier;
      notifier = null;
    }
    if (stopping != null) {
      stopping.shutDownAndAwait();
    }
    memory.close(mappings.count() > 0);
  }
}
