package io.daxfs.fs;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import io.daxfs.AccessPath;
import io.daxfs.device.EmulatedPmem;
import io.daxfs.device.MediaFault;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a mount does after a power cut before the files are reachable again, on the metadata the cut
 * left ({@link VolumeState}) and on the device.
 */
final class PowerCutRecovery {
  private static final int COPY_BUFFER = 1 << 20;

  private final EmulatedPmem device;
  private final int blockSize;
  private final int blockShift;

  PowerCutRecovery(EmulatedPmem device, int blockSize) {
    this.device = device;
    this.blockSize = blockSize;
    this.blockShift = Integer.numberOfTrailingZeros(blockSize);
  }

  /**
   * Frees the blocks of each file past its size, and zeroes the rest of its last block, as ext4's
   * orphan recovery truncates a file that a cut left in the middle of growing: what a lost size
   * change hid must not come back when the file grows again. Bytes on known bad sectors stay as
   * they are (a cut changes no media error).
   */
  void freeBeyondSizes(VolumeState state) {
    for (VolumeState.Node n : new ArrayList<>(state.nodes())) {
      if (n.kind() != Inode.Kind.REGULAR_FILE) {
        continue;
      }
      ExtentMap em = n.extents();
      long keep = (n.size() + blockSize - 1) >>> blockShift;
      int last = em.extentCount() - 1;
      if (last >= 0 && em.logicalStart(last) + em.blockCount(last) > keep) {
        state.apply(new MetadataChange.ExtentsRemoved(n.id(), keep, Long.MAX_VALUE));
      }
      int tail = (int) (n.size() & (blockSize - 1));
      long phys = tail == 0 ? -1 : n.extents().physicalBlock(n.size() >>> blockShift);
      if (phys >= 0) {
        long dev = (phys << blockShift) + tail;
        int len = blockSize - tail;
        if (device.knownBadIn(dev, len).isEmpty()) {
          try {
            device.write(AccessPath.DAX, dev, ByteBuffer.allocateDirect(len), 0, len);
          } catch (MediaFault | IOException f) {
            // cannot happen without known bad sectors (a DAX write clears none); the bytes then
            // stay as they are
          }
        }
      }
    }
  }

  /** The blocks the mappings hold. */
  static RangeSet<Long> union(List<Pins.Pin> pins) {
    RangeSet<Long> all = TreeRangeSet.create();
    for (Pins.Pin p : pins) {
      all.add(Range.closedOpen(p.start, p.start + p.count));
    }
    return all;
  }

  /**
   * Gives every file that holds blocks of {@code pinned} copies of them elsewhere, so that no file
   * of the restarted filesystem holds a block a mapping of the old one can still store to.
   *
   * @throws FileSystemException "No space left on device" when there is no room for the copies
   */
  void moveOff(VolumeState state, RangeSet<Long> pinned) throws IOException {
    if (pinned.isEmpty()) {
      return;
    }
    BlockAllocator free = new BlockAllocator(device.size() >>> blockShift);
    RangeSet<Long> used = TreeRangeSet.create();
    for (VolumeState.Node n : state.nodes()) {
      ExtentMap em = n.extents();
      for (int i = 0; i < em.extentCount(); i++) {
        used.add(Range.closedOpen(em.physicalStart(i), em.physicalStart(i) + em.blockCount(i)));
      }
    }
    used.addAll(pinned);
    for (Range<Long> r : used.asRanges()) {
      free.reserve(r.lowerEndpoint(), r.upperEndpoint() - r.lowerEndpoint());
    }
    ByteBuffer buffer = null;
    for (VolumeState.Node n : new ArrayList<>(state.nodes())) {
      ExtentMap em = n.extents();
      for (int i = 0; i < em.extentCount(); i++) {
        long logical = em.logicalStart(i);
        long physical = em.physicalStart(i);
        Range<Long> extent = Range.closedOpen(physical, physical + em.blockCount(i));
        for (Range<Long> r : pinned.subRangeSet(extent).asRanges()) {
          long from = r.lowerEndpoint();
          long count = r.upperEndpoint() - from;
          long at = logical + (from - physical);
          List<BlockRun> runs;
          try {
            runs = free.allocate(from, count);
          } catch (NoSpaceException e) {
            throw new FileSystemException(null, null, Errno.ENOSPC);
          }
          if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(COPY_BUFFER);
          }
          List<MetadataChange> moved = new ArrayList<>();
          moved.add(new MetadataChange.ExtentsRemoved(n.id(), at, at + count));
          long done = 0;
          for (BlockRun run : runs) {
            copy(buffer, (from + done) << blockShift, run.start() << blockShift, run.count());
            moved.add(new MetadataChange.ExtentAdded(n.id(), at + done, run.start(), run.count()));
            done += run.count();
          }
          moved.forEach(state::apply);
        }
      }
    }
  }

  private void copy(ByteBuffer buffer, long from, long to, long blocks) {
    long len = blocks << blockShift;
    for (long done = 0; done < len; done += buffer.capacity()) {
      int n = (int) Math.min(buffer.capacity(), len - done);
      device.copy(from + done, to + done, buffer, n);
    }
  }
}
