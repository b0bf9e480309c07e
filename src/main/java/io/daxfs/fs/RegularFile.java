package io.daxfs.fs;

import io.daxfs.AccessPath;
import io.daxfs.BadBlock;
import io.daxfs.FileExtent;
import io.daxfs.FileRange;
import io.daxfs.device.EmulatedPmem;
import io.daxfs.device.MediaFault;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.FileSystemException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.StampedLock;

/**
 * A regular file: a size and an extent map over device blocks.
 *
 * <p>Short reads take no lock: they read the immutable extent map and the size, copy, and validate
 * optimistic stamps, retrying under the read lock only when a writer got in between. A write that
 * stays inside the size and the allocated blocks holds only its byte range ({@link InPlaceWrites}),
 * so disjoint ones run in parallel; every other change (a write that allocates or grows the file,
 * an append, truncation, hole punching, mapping, block release) holds the write lock and waits for
 * those writes to end. A reader never sees a torn write, as Linux's {@code i_rwsem} guarantees for
 * DAX files.
 *
 * <p>Invariant: bytes of an allocated block beyond the end of file are zero, so growing a file
 * never exposes old data.
 */
public final class RegularFile extends Inode {
  private static final int ZERO_BUFFER_SIZE = 64 << 10;
  private static final ByteBuffer ZEROS =
      ByteBuffer.allocateDirect(ZERO_BUFFER_SIZE).asReadOnlyBuffer();

  /** Largest file: keeps every byte offset and block arithmetic far from overflow. */
  public static final long MAX_SIZE = 1L << 52;

  private final EmulatedPmem device;
  private final int blockShift;
  private final long blockMask;
  private final StampedLock lock = new StampedLock();
  private final ByteRangeLocks byteRangeLocks = new ByteRangeLocks();
  private final InPlaceWrites inPlace = new InPlaceWrites();
  private volatile long size;
  private volatile ExtentMap extents = ExtentMap.EMPTY;
  private int openCount; // guarded by this
  private volatile boolean released; // set under this object's monitor

  RegularFile(Volume volume, long id, int permissions) {
    super(volume, id, permissions);
    this.device = volume.device();
    this.blockShift = Integer.numberOfTrailingZeros(volume.blockSize());
    this.blockMask = volume.blockSize() - 1L;
  }

  @Override
  public Kind kind() {
    return Kind.REGULAR_FILE;
  }

  /** Sets the blocks and size a mount found; before the file is reachable. */
  void restoreLayout(ExtentMap extents, long size) {
    this.extents = extents;
    this.size = size;
  }

  // Each record* method records before the change where it can: when the journal cannot keep a
  // change (an image's host storage failed), it throws and the operation fails with nothing
  // changed; where the change came first (blocks taken), the caller gives it back.

  private void recordSize(long newSize) throws IOException {
    MetadataJournal j = volume().journal();
    if (j != null) {
      j.record(new MetadataChange.Resized(id(), newSize));
    }
  }

  private void recordRemoved(long fromLogical, long toLogical) throws IOException {
    MetadataJournal j = volume().journal();
    if (j != null && toLogical > fromLogical) {
      j.record(new MetadataChange.ExtentsRemoved(id(), fromLogical, toLogical));
    }
  }

  /** Records a truncation's blocks and size as one operation. */
  private void recordTruncated(long keep, long newSize) throws IOException {
    MetadataJournal j = volume().journal();
    if (j != null) {
      // as ext4's truncate under its orphan list: a cut never leaves the old size over blocks
      // that are gone
      j.recordAll(
          List.of(
              new MetadataChange.ExtentsRemoved(id(), keep, Long.MAX_VALUE),
              new MetadataChange.Resized(id(), newSize)));
    }
  }

  /**
   * Records the blocks one allocation took, {@code {logical, physical, count}}, and the new size
   * unless {@code newSize} is negative, as one operation: a write's blocks and the size it gives
   * the file (ext4 logs them in one handle too). Nothing at all is recorded for neither.
   */
  private void recordAdded(List<long[]> taken, long newSize) throws IOException {
    if (taken.isEmpty()) {
      if (newSize >= 0) {
        recordSize(newSize);
      }
      return;
    }
    MetadataJournal j = volume().journal();
    if (j != null) {
      List<MetadataChange> added = new ArrayList<>(taken.size() + 1);
      for (long[] t : taken) {
        added.add(new MetadataChange.ExtentAdded(id(), t[0], t[1], t[2]));
      }
      if (newSize >= 0) {
        added.add(new MetadataChange.Resized(id(), newSize));
      }
      j.recordAll(added);
    }
  }

  /**
   * {@link #recordAdded}; when the journal cannot keep the blocks, gives them back (they hold
   * nothing the file may keep) before it throws, so that the operation fails with nothing taken.
   * Caller holds the write lock.
   */
  private void keepAdded(List<long[]> taken, long newSize) throws IOException {
    try {
      recordAdded(taken, newSize);
    } catch (IOException e) {
      ExtentMap em = extents;
      Volume volume = volume();
      for (long[] t : taken) {
        em = em.remove(t[0], t[2], volume::free);
      }
      extents = em;
      throw e;
    }
  }

  /** Records a move of blocks to {@code start} as one operation: the data moved with them. */
  private void recordMoved(long first, long blocks, long start) throws IOException {
    MetadataJournal j = volume().journal();
    if (j != null) {
      j.recordAll(
          List.of(
              new MetadataChange.ExtentsRemoved(id(), first, first + blocks),
              new MetadataChange.ExtentAdded(id(), first, start, blocks)));
    }
  }

  @Override
  public long size() {
    return size;
  }

  /** Bytes of device blocks the file holds. */
  public long allocatedBytes() {
    return extents.mappedBlocks() << blockShift;
  }

  public ByteRangeLocks byteRangeLocks() {
    return byteRangeLocks;
  }

  /** For tests: a write can be held under way here, to see who waits for it. */
  InPlaceWrites inPlaceWrites() {
    return inPlace;
  }

  // ---- life cycle ------------------------------------------------------------------------------

  /** Counts an open channel; the blocks stay while any is open, even after the last unlink. */
  public synchronized void retain() {
    openCount++;
  }

  /** Ends an open; the last one after the last unlink returns the blocks to the allocator. */
  public void release() {
    boolean free;
    synchronized (this) {
      openCount--;
      free = shouldFree();
    }
    if (free) {
      freeAllBlocks();
    }
  }

  /**
   * Called by the volume (under the tree lock) when the link count has dropped.
   *
   * @return whether that was the last link of a file no one has open: the caller then calls {@link
   *     #freeAllBlocks()}, once it has let go of the tree lock (nothing can reach the file any
   *     more, and the other namespace operations need not wait for the allocator)
   */
  boolean unlinked() {
    synchronized (this) {
      return shouldFree();
    }
  }

  private boolean shouldFree() {
    if (openCount == 0 && linkCount() == 0 && !released) {
      released = true;
      return true;
    }
    return false;
  }

  /** Gives every block back; once, when the last link and the last open are gone. */
  void freeAllBlocks() {
    long stamp = exclusive();
    try {
      extents = extents.truncate(0, volume()::free);
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * The power is cut. Every operation on this file fails from now on, as after its release; those
   * under way end first, but what an in-place write under way stores after this instant is undone:
   * the bytes of its range are read now (from the end backwards, meeting the write's forward copy
   * mid-way) and put back once it has ended. So such a write keeps a part of what it stores, in
   * whole 8-byte words when its position, length and buffer address are multiples of 8 (the copies
   * then move words, as x86 stores to pmem do). Small writes that hold stripes rather than a range
   * (of at most {@value InPlaceWrites#SMALL_MAX} bytes, while no range is held: the write lock
   * waits for them) and writes that allocate or grow the file end whole, as a page write on Linux
   * may. Caller holds the tree lock for writing; nothing of this is on the write path.
   */
  void cut() {
    synchronized (this) {
      released = true; // an in-place write checks this after taking its range: none gets past
    }
    long[] writes = inPlace.writesUnderWay();
    ExtentMap em = extents;
    List<Long> at = new ArrayList<>(); // device offsets, each with its bytes in `saved`
    List<ByteBuffer> saved = new ArrayList<>();
    for (int i = 0; i < writes.length; i += 2) {
      long start = writes[i] & ~7L;
      long end = (writes[i + 1] + 7) & ~7L;
      int run = em.find(start >>> blockShift);
      for (long p = start; p < end; run = em.nextRun(run)) {
        long stop = Math.min(end, em.runEnd(run, blockShift));
        if (ExtentMap.isExtent(run)) { // else a write that was about to give its range back
          long dev = em.device(run, p, blockShift);
          at.add(dev);
          saved.add(device.snapshot(dev, (int) (stop - p)));
        }
        p = stop;
      }
    }
    long stamp = exclusive();
    try {
      for (int i = 0; i < at.size(); i++) {
        device.restore(at.get(i), saved.get(i));
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /** Takes the write lock, then waits for the in-place writes under way to end. */
  private long exclusive() {
    long stamp = lock.writeLock();
    inPlace.awaitNone();
    return stamp;
  }

  // ---- reads -----------------------------------------------------------------------------------

  /**
   * Reads of up to this many bytes run without a lock: copied straight into the caller's buffer,
   * then validated. The bytes of the buffer they may cover are saved first (a copy within the
   * cache, cheaper than the lock for such sizes), so that an attempt that fails validation and
   * whose retry returns fewer bytes (the file shrank meanwhile) puts back what it copied past that
   * count: stale or, once the blocks were reused, another file's bytes. Longer reads take the read
   * lock.
   */
  static final int LOCK_FREE_MAX = 512;

  /**
   * Where a lock-free read saves the caller's bytes. A heap array: on JDK 21+ each virtual thread
   * that reads gets its own, and a direct buffer there would cost native memory and a {@code
   * Cleaner} per virtual thread.
   */
  private static final ThreadLocal<byte[]> SAVED =
      ThreadLocal.withInitial(() -> new byte[LOCK_FREE_MAX]);

  /**
   * Reads from {@code pos} into {@code dst} (from its position, which is advanced), as {@code
   * pread} does on the given access path. Bytes of {@code dst} past the count returned are not
   * touched.
   *
   * @return bytes read; -1 at or past the end of file when {@code dst} has room; 0 when it has none
   * @throws FileMediaFault when the first step meets a media error (a later step gives a short
   *     count)
   * @throws AsynchronousCloseException if the file was released while the read was under way: its
   *     last link removed and its last channel closed, so that its blocks are freed
   */
  public int read(AccessPath accessPath, long pos, ByteBuffer dst) throws IOException {
    int want = dst.remaining();
    if (want == 0) {
      return 0;
    }
    if (want > LOCK_FREE_MAX) {
      return readLocked(accessPath, pos, dst, want);
    }
    long end = Math.min(pos + want, MAX_SIZE);
    long stamp = lock.tryOptimisticRead();
    long writes = inPlace.stamp();
    long stripes = inPlace.stripeStamp(pos, end);
    if (stamp == 0 || !InPlaceWrites.quiet(writes) || stripes < 0) {
      return readLocked(accessPath, pos, dst, want);
    }
    int base = dst.position();
    byte[] saved = SAVED.get();
    dst.get(base, saved, 0, want);
    int copied;
    try {
      int n = readSteps(accessPath, pos, dst);
      if (lock.validate(stamp)
          && inPlace.unchanged(writes)
          && inPlace.stripesUnchanged(stripes, pos, end)) {
        if (released) {
          dst.put(base, saved, 0, Math.max(n, 0)).position(base);
          throw new AsynchronousCloseException();
        }
        if (n > 0) {
          touchAccess();
        }
        return n;
      }
      copied = Math.max(n, 0);
    } catch (FileMediaFault e) {
      if (lock.validate(stamp)
          && inPlace.unchanged(writes)
          && inPlace.stripesUnchanged(stripes, pos, end)) {
        throw e;
      }
      copied = want; // a fault may come after part of a step was copied
    }
    // A writer got in between: retry under the lock, then put back what the attempt copied past the
    // retry's count.
    dst.position(base);
    int n;
    try {
      n = readLocked(accessPath, pos, dst, want);
    } catch (IOException | RuntimeException e) {
      dst.put(base, saved, 0, copied);
      throw e;
    }
    int kept = Math.max(n, 0);
    if (kept < copied) {
      dst.put(base + kept, saved, kept, copied - kept);
    }
    return n;
  }

  /** A read under the read lock, waiting for overlapping in-place writes to end when it must. */
  private int readLocked(AccessPath accessPath, long pos, ByteBuffer dst, int want)
      throws IOException {
    long stamp = lock.readLock();
    try {
      // Size and extents hold still now; only in-place writes may be under way.
      long end = Math.min(pos + want, MAX_SIZE);
      long writes = inPlace.stamp();
      long stripes = inPlace.stripeStamp(pos, end);
      if (InPlaceWrites.quiet(writes) && stripes >= 0) {
        int base = dst.position();
        try {
          int n = readSteps(accessPath, pos, dst);
          if (inPlace.unchanged(writes) && inPlace.stripesUnchanged(stripes, pos, end)) {
            readDone(n);
            return n;
          }
        } catch (FileMediaFault e) {
          if (inPlace.unchanged(writes) && inPlace.stripesUnchanged(stripes, pos, end)) {
            throw e;
          }
        }
        // A write overlapped the copy. The retry copies the same count over the same bytes, since
        // neither the size nor the extents can change under the read lock. (Only a latent bad
        // sector that the first copy came upon can make the retry shorter: the bytes past its
        // count are then this file's own.)
        dst.position(base);
      }
      inPlace.beginRead(pos, end);
      try {
        int n = readSteps(accessPath, pos, dst);
        readDone(n);
        return n;
      } finally {
        inPlace.endRead(pos, end);
      }
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /**
   * The end of every read: refused if the file was released meanwhile, else an access is recorded.
   */
  private void readDone(long n) throws AsynchronousCloseException {
    checkNotReleased();
    if (n > 0) {
      touchAccess();
    }
  }

  /**
   * Reads into several buffers as one operation, atomic with respect to writes ({@code readv}).
   *
   * @return bytes read, or -1 when {@code pos} is at or past the end and a buffer has room
   */
  public long read(AccessPath accessPath, long pos, ByteBuffer[] dsts, int offset, int length)
      throws IOException {
    long room = 0;
    for (int i = offset; i < offset + length; i++) {
      room += dsts[i].remaining();
    }
    long rangeEnd = Math.min(pos + Math.max(room, 1), MAX_SIZE);
    long stamp = lock.readLock();
    inPlace.beginRead(pos, rangeEnd);
    try {
      long total = 0;
      for (int i = offset; i < offset + length; i++) {
        ByteBuffer b = dsts[i];
        int want = b.remaining();
        if (want == 0) {
          continue;
        }
        int n;
        try {
          n = readSteps(accessPath, pos + total, b);
        } catch (FileMediaFault f) {
          if (total > 0) {
            break; // report what was read; the error comes with the next call
          }
          throw f;
        }
        if (n < 0) {
          if (total == 0) {
            return -1;
          }
          break;
        }
        total += n;
        if (n < want) {
          break;
        }
      }
      readDone(total);
      return total;
    } finally {
      inPlace.endRead(pos, rangeEnd);
      lock.unlockRead(stamp);
    }
  }

  /**
   * The last channel was closed and the last link is gone: the blocks are freed. An operation that
   * was already under way when that happened fails as the JDK fails a call whose channel another
   * thread closed.
   */
  private void checkNotReleased() throws AsynchronousCloseException {
    if (released) {
      throw new AsynchronousCloseException();
    }
  }

  /**
   * One pass of a read over a consistent or optimistic snapshot; a step is the rest of an extent or
   * hole.
   */
  private int readSteps(AccessPath accessPath, long pos, ByteBuffer dst) throws FileMediaFault {
    long sz = size;
    if (pos >= sz) {
      return -1;
    }
    int n = (int) Math.min(dst.remaining(), sz - pos);
    int base = dst.position();
    ExtentMap em = extents;
    long end = pos + n;
    long at = pos;
    int run = em.find(at >>> blockShift);
    while (at < end) {
      long stop = Math.min(end, em.runEnd(run, blockShift));
      int done = (int) (at - pos);
      int len = (int) (stop - at);
      if (ExtentMap.isExtent(run)) {
        long dev = em.device(run, at, blockShift);
        try {
          device.read(accessPath, dev, dst, base + done, len);
        } catch (MediaFault f) {
          int moved = done + f.bytesMoved();
          // DAX returns what earlier steps copied; a direct I/O through the driver fails as a
          // whole.
          if (moved > 0 && accessPath != AccessPath.DIRECT) {
            dst.position(base + moved);
            return moved;
          }
          throw fault(at, dev, f);
        }
      } else {
        fillZeros(dst, base + done, len);
      }
      at = stop;
      run = em.nextRun(run);
    }
    dst.position(base + n);
    return n;
  }

  /**
   * The fault of a step: one contiguous piece of the file, {@code stepOffset} at {@code
   * stepDevice}.
   */
  private FileMediaFault fault(long stepOffset, long stepDevice, MediaFault f) {
    return new FileMediaFault(
        stepOffset,
        FileLayout.fileRanges(f.badBlocks(), stepOffset, stepDevice, device.sectorSize()),
        f);
  }

  private static void fillZeros(ByteBuffer dst, int index, int len) {
    while (len > 0) {
      int n = Math.min(len, ZERO_BUFFER_SIZE);
      dst.put(index, ZEROS, 0, n);
      index += n;
      len -= n;
    }
  }

  // ---- writes ----------------------------------------------------------------------------------

  /**
   * Writes of at least this many bytes that stay inside the file write in place holding their range
   * in {@link InPlaceWrites}' table; shorter ones hold the table's stripes of their bytes instead
   * (an atomic instruction on each of one to five cache lines that a write elsewhere in the file
   * does not touch).
   */
  static final int IN_PLACE_MIN = InPlaceWrites.SMALL_MAX + 1;

  /**
   * Writes {@code src} (from its position, which is advanced) at {@code pos}, or at the end of file
   * when {@code pos} is negative (append, atomically with finding the end).
   *
   * @return the file offset just after the last byte written
   * @throws FileSystemException "No space left on device" or "File too large"; nothing was written
   * @throws FileMediaFault when the first step meets a media error; nothing was written
   */
  public long write(AccessPath accessPath, long pos, ByteBuffer src) throws IOException {
    int n = src.remaining();
    if (pos >= 0 && n > 0) {
      long stamp = lock.tryOptimisticRead();
      if (stamp == 0) {
        // The file is changing shape. Wait for that to end and then write in place, rather than
        // queue for the write lock: one write that must lock would otherwise make the next
        // writes of every thread lock too, one after the other.
        stamp = lock.tryConvertToOptimisticRead(lock.readLock());
      }
      long end = pos + n;
      ExtentMap em = extents;
      if (stamp != 0
          && end <= size
          && end > 0
          && em.isMapped(pos >>> blockShift, ((end - 1) >>> blockShift) + 1)) {
        // From a range's taking until its giving back, the write lock waits for this write.
        long written = -1;
        if (n < IN_PLACE_MIN && inPlace.tryBeginSmallWrite(pos, end)) {
          try {
            if (lock.validate(stamp)) {
              checkNotReleased();
              written = writeSteps(accessPath, pos, src, em);
            }
          } finally {
            inPlace.endSmallWrite(pos, end);
          }
        } else if (inPlace.tryBeginWrite(pos, end)) {
          try {
            if (lock.validate(stamp)) {
              checkNotReleased();
              written = writeSteps(accessPath, pos, src, em);
            }
          } finally {
            inPlace.endWrite(pos, end);
          }
        }
        if (written >= 0) {
          if (written > pos) {
            touchModified();
            announceModified();
          }
          return written;
        }
      }
    }
    long stamp = exclusive();
    try {
      checkNotReleased();
      long start = pos < 0 ? size : pos;
      long end = writeLocked(accessPath, start, src);
      if (end > start) {
        touchModified();
        announceModified();
      }
      return end;
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * Writes several buffers as one operation ({@code writev}): no other write, append included,
   * lands between them.
   *
   * @param pos where to write, or negative for the end of file
   * @return the file offset just after the last byte written
   */
  public long write(AccessPath accessPath, long pos, ByteBuffer[] srcs, int offset, int length)
      throws IOException {
    long stamp = exclusive();
    try {
      checkNotReleased();
      long start = pos < 0 ? size : pos;
      long at = start;
      for (int i = offset; i < offset + length; i++) {
        ByteBuffer b = srcs[i];
        int want = b.remaining();
        if (want == 0) {
          continue;
        }
        long before = at;
        try {
          at = writeLocked(accessPath, at, b);
        } catch (IOException e) {
          if (at > start) {
            break; // report what earlier buffers wrote; the error comes with the next call
          }
          throw e;
        }
        if (at - before < want) {
          break;
        }
      }
      if (at > start) {
        touchModified();
        announceModified();
      }
      return at;
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * One buffer's write at {@code pos}; caller holds the write lock. Returns the offset after it.
   */
  private long writeLocked(AccessPath accessPath, long pos, ByteBuffer src) throws IOException {
    int n = src.remaining();
    if (n == 0) {
      return pos;
    }
    long end = pos + n;
    if (end > MAX_SIZE || end < 0) {
      throw new FileSystemException(null, null, Errno.EFBIG);
    }
    if (pos > size) {
      clearPastEnd(size, pos);
    }
    List<long[]> taken = allocate(pos, end, false);
    int from = src.position();
    long written;
    try {
      written = writeSteps(accessPath, pos, src, extents);
    } catch (IOException | RuntimeException e) {
      try {
        keepAdded(taken, -1);
      } catch (IOException x) {
        e.addSuppressed(x);
      }
      throw e;
    }
    try {
      keepAdded(taken, written > size ? written : -1);
    } catch (IOException e) {
      // The bytes before the old size that went into blocks the file had need no record: they
      // are a short write (the error comes with the next call); the rest did not happen.
      long kept = Math.min(written, size);
      for (long[] t : taken) {
        kept = Math.min(kept, t[0] << blockShift);
      }
      if (kept > pos) {
        src.position(from + (int) (kept - pos));
        return kept;
      }
      src.position(from);
      throw e;
    }
    if (written > size) {
      size = written;
    }
    return written;
  }

  /**
   * Copies {@code src} to {@code [pos, pos + src.remaining())}, all of it allocated in {@code em}.
   *
   * @return the offset after the last byte written: short when a later step meets a media error, or
   *     errors the device's journal cannot keep the clearing of
   * @throws FileMediaFault when the first step meets a media error
   * @throws IOException when the first step would clear errors and the journal cannot keep that
   */
  private long writeSteps(AccessPath accessPath, long pos, ByteBuffer src, ExtentMap em)
      throws IOException {
    int n = src.remaining();
    int base = src.position();
    long end = pos + n;
    long at = pos;
    int run = em.find(at >>> blockShift);
    while (at < end) {
      assert ExtentMap.isExtent(run) : "write over a hole at " + at;
      long stop = Math.min(end, em.runEnd(run, blockShift));
      int done = (int) (at - pos);
      long dev = em.device(run, at, blockShift);
      try {
        device.write(accessPath, dev, src, base + done, (int) (stop - at));
      } catch (MediaFault f) {
        int moved = done + f.bytesMoved();
        if (moved == 0) {
          throw fault(at, dev, f);
        }
        src.position(base + moved);
        return pos + moved;
      } catch (IOException e) {
        if (done == 0) {
          throw e;
        }
        src.position(base + done);
        return pos + done;
      }
      at = stop;
      run = em.nextRun(run);
    }
    src.position(base + n);
    return pos + n;
  }

  /**
   * Gives every block of {@code [pos, end)} a device block, zeroed through the driver, all or
   * nothing. Caller holds the write lock.
   *
   * @param record whether to record the blocks taken now; if not, the caller records them (with
   *     {@link #recordAdded}) before it releases the write lock, whatever happens
   * @return the blocks taken, {@code {logical, physical, count}} each
   */
  private List<long[]> allocate(long pos, long end, boolean record) throws IOException {
    long first = pos >>> blockShift;
    long blocks = ((end - 1) >>> blockShift) - first + 1;
    ExtentMap em = extents;
    if (em.isMapped(first, first + blocks)) {
      return List.of(); // the common case: an overwrite
    }
    List<long[]> holes = new ArrayList<>();
    em.forEachHole(first, blocks, (start, count) -> holes.add(new long[] {start, count}));
    Volume volume = volume();
    List<long[]> taken = new ArrayList<>(); // {logical, physical, count}
    try {
      for (long[] hole : holes) {
        long logical = hole[0];
        for (BlockRun run : volume.allocate(goalFor(em, logical), hole[1])) {
          taken.add(new long[] {logical, run.start(), run.count()});
          logical += run.count();
        }
      }
      for (long[] t : taken) {
        device.zero(t[1] << blockShift, t[2] << blockShift);
      }
    } catch (NoSpaceException | IOException | RuntimeException e) {
      for (long[] t : taken) {
        volume.free(t[1], t[2]);
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      // A full backing store is the same condition as a full device for the program. Only the
      // backing store's own (JDK) exception is kept as the cause: NoSpaceException is internal.
      FileSystemException full = new FileSystemException(null, null, Errno.ENOSPC);
      if (!(e instanceof NoSpaceException)) {
        full.initCause(e);
      }
      throw full;
    }
    for (long[] t : taken) {
      em = em.with(t[0], t[1], t[2]);
    }
    extents = em;
    if (record) {
      keepAdded(taken, -1);
    }
    return taken;
  }

  /** The device block that would continue the file contiguously at {@code logical}. */
  private long goalFor(ExtentMap em, long logical) {
    int i = em.find(logical);
    int before = (i >= 0 ? i : -i - 1) - 1;
    if (before >= 0) {
      return em.physicalStart(before) + (logical - em.logicalStart(before));
    }
    if (em.extentCount() > 0) {
      long goal = em.physicalStart(0) - (em.logicalStart(0) - logical);
      if (goal >= 0) {
        return goal;
      }
    }
    return volume().allocationGoal();
  }

  /**
   * Shrinks the file to {@code newSize}, freeing whole blocks past it and zeroing the rest of the
   * last block; does nothing when {@code newSize} is not smaller than the size. The zeroing goes
   * through the driver (clearing poison) when {@code newSize} is sector-aligned, else through DAX,
   * where a bad sector fails the truncate and leaves the file unchanged.
   *
   * @return whether the file changed
   * @throws FileMediaFault when the DAX zeroing meets a bad sector
   */
  public boolean truncate(long newSize) throws IOException {
    volume().checkWritable();
    long stamp = exclusive();
    try {
      checkNotReleased();
      if (newSize >= size) {
        return false;
      }
      long keep = (newSize + blockMask) >>> blockShift;
      int tail = (int) (newSize & blockMask);
      byte[] zeroed = null;
      if (tail != 0) {
        if (volume().journal() != null) { // else the record below cannot fail
          zeroed = beforeZeroing(newSize, (int) ((blockMask + 1) - tail));
        }
        zeroRange(newSize, (blockMask + 1) - tail);
      }
      // Recorded before the blocks are free: another file may take them at once, a journal must
      // never hold two claims on a block, and a commit in between must find the change that freed
      // them to give them back.
      try {
        recordTruncated(keep, newSize);
      } catch (IOException e) {
        putBack(newSize, zeroed);
        throw e;
      }
      extents = extents.truncate(keep, volume()::free);
      size = newSize;
      touchModified();
      announceModified();
      return true;
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * Deallocates {@code [offset, offset + length)} keeping the size ({@code fallocate} with {@code
   * PUNCH_HOLE | KEEP_SIZE}): whole blocks are freed, partial ones zeroed as {@link #truncate}
   * zeroes. A later write there gets new blocks, zeroed through the driver.
   *
   * @throws FileMediaFault when zeroing a partial block through DAX meets a bad sector; whole
   *     blocks are then left allocated, and the bytes of the other partial block put back
   */
  public void punchHole(long offset, long length) throws IOException {
    volume().checkWritable();
    long end = offset + length;
    long stamp = exclusive();
    try {
      checkNotReleased();
      long firstWhole = (offset + blockMask) >>> blockShift;
      long endWhole = end >>> blockShift;
      if (firstWhole > endWhole) { // inside one block
        zeroRange(offset, length);
      } else {
        long headEnd = firstWhole << blockShift;
        long tailStart = endWhole << blockShift;
        boolean removes = endWhole > firstWhole;
        boolean recorded = removes && volume().journal() != null; // a record that can fail
        byte[] head = null;
        byte[] tail = null;
        if (headEnd > offset) {
          head =
              recorded || end > tailStart ? beforeZeroing(offset, (int) (headEnd - offset)) : null;
          zeroRange(offset, headEnd - offset);
        }
        if (end > tailStart) {
          tail = recorded ? beforeZeroing(tailStart, (int) (end - tailStart)) : null;
          try {
            zeroRange(tailStart, end - tailStart);
          } catch (IOException | RuntimeException e) {
            putBack(offset, head);
            throw e;
          }
        }
        if (removes) {
          try {
            recordRemoved(firstWhole, endWhole); // before the blocks are free, as in truncate
          } catch (IOException e) {
            putBack(offset, head);
            putBack(tailStart, tail);
            throw e;
          }
          extents = extents.remove(firstWhole, endWhole - firstWhole, volume()::free);
        }
      }
      touchModified();
      announceModified();
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * Zeroes the allocated bytes of {@code [from, to)}, past the end of file, before the file grows
   * over them. They are zero while the process lives, but a crash between a write's copy and the
   * record of its new size leaves the copied bytes in an image past the size it recorded, as Linux
   * leaves them past {@code i_size}; like Linux, daxfs zeroes such bytes when the file grows over
   * them rather than trust them. Appends, which start at the end, never get here.
   */
  private void clearPastEnd(long from, long to) throws IOException {
    ExtentMap em = extents;
    long at = from;
    int run = em.find(at >>> blockShift);
    while (at < to) {
      long stop = Math.min(to, em.runEnd(run, blockShift));
      if (ExtentMap.isExtent(run)) {
        for (long b = at; b < stop; ) {
          long blockEnd = Math.min(stop, ((b >>> blockShift) + 1) << blockShift);
          zeroRange(b, blockEnd - b);
          b = blockEnd;
        }
      }
      at = stop;
      run = em.nextRun(run);
    }
  }

  /** Where file byte {@code offset} lies on the device, or -1 in a hole. */
  private long deviceOffset(long offset) {
    long phys = extents.physicalBlock(offset >>> blockShift);
    return phys < 0 ? -1 : (phys << blockShift) | (offset & blockMask);
  }

  /**
   * The bytes of {@code [offset, offset + length)}, inside one block, as the media holds them
   * before an operation zeroes them ahead of a step that can fail (its record, another zeroing), so
   * that they can be put back if it does; {@code null} for a hole.
   */
  private byte[] beforeZeroing(long offset, int length) {
    long dev = deviceOffset(offset);
    return dev < 0 ? null : device.peek(dev, length);
  }

  /**
   * Puts back what {@link #beforeZeroing} saved, after a step that failed. A bad sector the zeroing
   * cleared (through the driver) stays cleared, its old bytes back: a full log cannot take the
   * record that would poison it again.
   */
  private void putBack(long offset, byte[] saved) {
    if (saved != null) {
      device.restore(deviceOffset(offset), ByteBuffer.wrap(saved));
    }
  }

  /**
   * Zeroes file bytes within one block, where allocated: through the driver when both ends are
   * sector-aligned, else by a DAX write of zeros. Caller holds the write lock.
   */
  private void zeroRange(long offset, long length) throws IOException {
    long dev = deviceOffset(offset);
    if (dev < 0 || length == 0) {
      return; // a hole already reads as zeros
    }
    int sector = device.sectorSize();
    if (offset % sector == 0 && length % sector == 0) {
      device.zero(dev, length);
      return;
    }
    try {
      device.write(AccessPath.DAX, dev, ZEROS, 0, (int) length);
    } catch (MediaFault f) {
      throw fault(offset, dev, f);
    }
  }

  // ---- mapping
  // -----------------------------------------------------------------------------------

  /**
   * Maps {@code [position, position + size)}: the returned buffer is the file's blocks on the
   * device, so loads and stores are memory accesses that channel reads and writes see at once.
   * Holes in the range get blocks (zeroed); a fragmented range is first moved to one contiguous
   * run, copied only after a poison check so that lost data is never copied as good. The blocks
   * stay with this file, and are never handed to another, while the buffer or any slice of it can
   * be reached.
   *
   * @param mayExtend whether the file may grow to {@code position + size}
   * @throws FileMediaFault if a sector of the range is bad (latent poison there becomes known)
   * @throws IOException "cannot extend" when the range passes the end and {@code !mayExtend}; "No
   *     space left on device"; or a range that is mapped already and would have to move
   */
  public MappedByteBuffer map(MapMode mode, long position, long size, boolean mayExtend)
      throws IOException {
    return map(
        position, size, mayExtend, (dev, off, len, release) -> dev.map(mode, off, len, release));
  }

  /**
   * Checks that {@code mapper}'s arena takes mappings from the calling thread; see {@link
   * EmulatedPmem#checkArena}. Touches no block of the file.
   */
  public void checkArena(EmulatedPmem.SegmentMapper<?> mapper) throws IOException {
    device.checkArena(mapper);
  }

  /** Makes the mapping of a device range for {@link #map(long, long, boolean, DeviceMapping)}. */
  @FunctionalInterface
  public interface DeviceMapping<T> {
    /**
     * Maps {@code [off, off + len)} of {@code device}; {@code release} is to run once the mapping
     * is gone (on failure, the caller releases).
     */
    T map(EmulatedPmem device, long off, long len, Runnable release) throws IOException;
  }

  /**
   * As {@link #map(MapMode, long, long, boolean)}, with the mapping of the device range made by
   * {@code how} (a buffer or a memory segment): the same checks, allocation, relocation and pin.
   */
  public <T> T map(long position, long size, boolean mayExtend, DeviceMapping<T> how)
      throws IOException {
    long end = position + size;
    long stamp = exclusive();
    try {
      checkNotReleased();
      if (end > this.size && !mayExtend) {
        throw new IOException("Channel not open for writing - cannot extend file to required size");
      }
      if (size == 0) {
        growTo(end);
        return how.map(device, 0, 0, () -> {});
      }
      if (end > this.size) {
        clearPastEnd(this.size, end);
      }
      allocate(position, end, true);
      long first = position >>> blockShift;
      long blocks = ((end - 1) >>> blockShift) - first + 1;
      ExtentMap em = extents;
      // Allocated now: every run is an extent's.
      int run = em.find(first);
      for (long b = first; b < first + blocks; run = em.nextRun(run)) {
        long stop = Math.min(first + blocks, em.runEnd(run, 0));
        long dev = em.device(run, b, 0);
        try {
          device.checkMappable(dev << blockShift, (stop - b) << blockShift);
        } catch (MediaFault f) {
          throw fault(b << blockShift, dev << blockShift, f);
        }
        b = stop;
      }
      int i = em.find(first);
      if (em.logicalStart(i) + em.blockCount(i) < first + blocks) {
        relocate(em, first, blocks);
        em = extents;
        i = em.find(first);
      }
      long physFirst = em.physicalStart(i) + (first - em.logicalStart(i));
      // Grown before the mapping is made, so that a size the journal cannot keep fails the map
      // with no mapping to undo; its blocks stay the file's, past its end, as the journal holds
      // them (a later growth over them zeroes them first). A map that fails for want of blocks
      // leaves the size as it was.
      growTo(end);
      Pins.Pin pin = volume().pins().pin(physFirst, blocks);
      T mapping;
      try {
        mapping =
            how.map(device, (physFirst << blockShift) | (position & blockMask), size, pin::release);
      } catch (IOException | RuntimeException e) {
        pin.release();
        throw e;
      }
      return mapping;
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  private void growTo(long end) throws IOException {
    if (end > size) {
      recordSize(end);
      size = end;
      touchModified();
    }
  }

  /**
   * Moves a fragmented block range to one new contiguous run. Caller holds the write lock and has
   * checked the range for poison.
   */
  private void relocate(ExtentMap em, long first, long blocks) throws IOException {
    Volume volume = volume();
    long end = first + blocks;
    int run = em.find(first);
    for (long b = first; b < end; run = em.nextRun(run)) {
      long stop = Math.min(end, em.runEnd(run, 0));
      boolean pinned = volume.pins().isPinned(em.device(run, b, 0), stop - b);
      b = stop;
      if (pinned) {
        throw new IOException(
            "cannot map bytes "
                + (first << blockShift)
                + "+"
                + (blocks << blockShift)
                + ": they are fragmented and part of them is mapped already, and mapped blocks never move");
      }
    }
    long start = volume.allocateContiguous(goalFor(em, first), blocks);
    if (start < 0) {
      throw new FileSystemException(null, null, Errno.ENOSPC);
    }
    try {
      device.zero(start << blockShift, blocks << blockShift);
      ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(1 << 20, blocks << blockShift));
      run = em.find(first);
      for (long b = first; b < end; run = em.nextRun(run)) {
        long stop = Math.min(end, em.runEnd(run, 0));
        long from = em.device(run, b, 0) << blockShift;
        long to = (start + b - first) << blockShift;
        long len = (stop - b) << blockShift;
        b = stop;
        for (long done = 0; done < len; done += buf.capacity()) {
          int n = (int) Math.min(buf.capacity(), len - done);
          device.copy(from + done, to + done, buf, n);
        }
      }
    } catch (IOException | RuntimeException e) {
      volume.free(start, blocks);
      throw e;
    }
    try {
      recordMoved(first, blocks, start); // before the blocks are free, as in truncate
    } catch (IOException e) {
      volume.free(start, blocks);
      throw e;
    }
    extents = em.remove(first, blocks, volume::free).with(first, start, blocks);
  }

  // ---- media state
  // -------------------------------------------------------------------------------

  /**
   * The file's extents and size as of one moment: read together, with no lock when no writer gets
   * in between, else under the read lock.
   */
  FileLayout layout() {
    long stamp = lock.tryOptimisticRead();
    ExtentMap em = extents;
    long sz = size;
    if (!lock.validate(stamp)) {
      stamp = lock.readLock();
      try {
        em = extents;
        sz = size;
      } finally {
        lock.unlockRead(stamp);
      }
    }
    return new FileLayout(em, sz, blockShift, device.sectorSize());
  }

  /** The file's extents as FIEMAP reports them, in file order. */
  public List<FileExtent> fileExtents() {
    return layout().extents();
  }

  /**
   * The file's lost byte ranges: known bad sectors behind its data, as file ranges (whole sectors),
   * merged. Sectors of the last block wholly past the end of file hold no data and are left out,
   * though a write that grows the file over them fails until they are repaired.
   */
  public List<FileRange> badRanges() {
    return layout().badRanges(device);
  }

  /**
   * The file's byte ranges on the given device sectors that hold file data, in file order; none
   * once the file is released (its blocks freed, or its volume's power cut: the device then belongs
   * to the restarted volume, whose files may hold those sectors).
   */
  public List<FileRange> rangesOn(List<BadBlock> blocks) {
    return released ? List.of() : layout().rangesOn(blocks);
  }

  /**
   * The device byte ranges behind {@code [offset, offset + length)}, as {@code {deviceOffset,
   * length}} pairs in file order.
   *
   * @throws IllegalArgumentException if part of the range is a hole or past the end of file: it has
   *     no sectors
   */
  public List<long[]> deviceRanges(long offset, long length) {
    return layout().deviceRanges(offset, length);
  }
}
