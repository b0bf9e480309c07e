package io.daxfs.fs;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import io.daxfs.PowerFailModel;
import io.daxfs.fs.MetadataChange.AttributesSet;
import io.daxfs.fs.MetadataChange.Created;
import io.daxfs.fs.MetadataChange.ExtentAdded;
import io.daxfs.fs.MetadataChange.ExtentsRemoved;
import io.daxfs.fs.MetadataChange.Linked;
import io.daxfs.fs.MetadataChange.Renamed;
import io.daxfs.fs.MetadataChange.Resized;
import io.daxfs.fs.MetadataChange.Unlinked;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a volume has made durable, and what a power cut may do to the rest: the journal behind
 * {@link Volume#powerCut}.
 *
 * <p>It keeps the <em>durable state</em> (what a restart would find if every change not yet durable
 * were lost) and the <em>pending</em> operations, in the order they took effect. A sync makes
 * operations durable, which moves them into the durable state:
 *
 * <ul>
 *   <li>{@link PowerFailModel#ORDERED}: any sync commits every pending operation, as one journal
 *       commit of ext4 or XFS does; a cut keeps a prefix of the rest.
 *   <li>{@link PowerFailModel#STRICT}: a file's sync makes its size and blocks (and with times its
 *       attributes) durable, a directory's sync its names and attributes; each brings along the
 *       operations it depends on. A cut keeps each other operation or not, independently, keeping
 *       one only when all it depends on is kept.
 * </ul>
 *
 * <p>Consecutive size changes of one file, with no other operation between them, are one operation:
 * a cut keeps the last size of such a run or none of it.
 *
 * <p>Dependencies: each operation reads and writes some <em>keys</em> (an inode's blocks and size,
 * its attributes, the names that lead to it, a directory's entries, and for directories the shape
 * of the tree), and depends on the last earlier operation of each of its keys. Two operations that
 * share no key commute, so the durable state may take operations out of their order, and any
 * dependency-closed set of pending operations applied to it in order fits: a cut never yields a
 * state {@link Volume#mount} refuses.
 *
 * <p>Blocks: a block that the durable state or a pending operation refers to is <em>held</em>. The
 * volume frees blocks through {@link #free}, which gives back at once only blocks that are not
 * held; a held block waits until the operation that let go of it is durable, as ext4 and XFS keep
 * blocks freed in a running transaction from reuse until it commits. So no outcome of a cut ever
 * finds one block in two files, and a lost truncation never shows another file's data.
 *
 * <p>Thread-safe: every method takes this object's lock (callers may hold the tree lock or a file's
 * lock). Freed blocks are handed back under it, so that an allocation that finds no free block and
 * waits for this lock to commit finds the blocks another thread's commit gave back; handing back
 * takes only the pins' and the allocator's locks, which never wait for this one.
 */
final class DurabilityTracker implements MetadataJournal {
  private static final int DATA = 0;
  private static final int ATTRIBUTES = 1;
  private static final int NAMES = 2;
  private static final int ENTRIES = 3;

  /** The key of every change of a directory's parent: such changes are kept in one order. */
  private static final long TREE = -1;

  /** One operation: changes that take effect together. */
  private static final class Op {
    final long seq;
    List<MetadataChange> changes;
    final long[] keys;

    /** The operations this one depends on, as they were pending when it was recorded. */
    Op[] deps;

    boolean durable;

    Op(long seq, List<MetadataChange> changes, long[] keys, Op[] deps) {
      this.seq = seq;
      this.changes = changes;
      this.keys = keys;
      this.deps = deps;
    }

    @Override
    public String toString() {
      return "#" + seq + changes;
    }
  }

  private final PowerFailModel model;
  private final VolumeState durable;
  private final RunConsumer release;
  private final TreeMap<Long, Op> pending = new TreeMap<>();
  private final Map<Long, Op> lastByKey = new HashMap<>();
  private final Set<Long> directories = new HashSet<>();
  private final RangeSet<Long> held = TreeRangeSet.create();
  private final RangeSet<Long> waiting = TreeRangeSet.create();
  private volatile long waitingBlocks;
  private long nextSeq;
  private boolean frozen;

  /** The operation recorded last; a run of sizes joins it while it is pending. */
  private Op lastRecorded;

  /**
   * Tracks a volume whose metadata is {@code start}, all of it durable; {@code release} gives freed
   * blocks back for reuse.
   */
  DurabilityTracker(PowerFailModel model, VolumeState start, RunConsumer release) {
    this.model = model;
    this.durable = start.copy();
    this.release = release;
    for (VolumeState.Node n : durable.nodes()) {
      if (n.kind() == Inode.Kind.DIRECTORY) {
        directories.add(n.id());
      }
      forEachRun(n.extents(), (s, c) -> held.add(Range.closedOpen(s, s + c)));
    }
  }

  PowerFailModel model() {
    return model;
  }

  // ---- the journal -----------------------------------------------------------------------------

  @Override
  public void record(MetadataChange change) {
    recordAll(List.of(change));
  }

  /**
   * {@inheritDoc}
   *
   * <p>A new inode's creation is kept apart from its first name: the inode becomes durable with the
   * file (its {@code fsync}), the name with its directory; an inode kept without its name is an
   * orphan, which a restart frees.
   */
  @Override
  public synchronized void recordAll(List<? extends MetadataChange> changes) {
    if (frozen || changes.isEmpty()) {
      return;
    }
    if (changes.size() > 1 && changes.get(0) instanceof Created) {
      recordOne(List.of(changes.get(0)));
      recordOne(List.copyOf(changes.subList(1, changes.size())));
    } else {
      recordOne(List.copyOf(changes));
    }
  }

  private void recordOne(List<MetadataChange> copy) {
    if (copy.size() == 1 && copy.get(0) instanceof Resized r) {
      // A run of appends is a run of sizes with nothing between them: one operation, as one
      // journal transaction would hold them all. Keeps a log that never syncs from piling up one
      // operation per record.
      Op last = lastRecorded;
      if (last != null
          && !last.durable
          && last.changes.size() == 1
          && last.changes.get(0) instanceof Resized previous
          && previous.inode() == r.inode()) {
        last.changes = copy;
        return;
      }
    }
    for (MetadataChange c : copy) {
      if (c instanceof Created cr && cr.kind() == Inode.Kind.DIRECTORY) {
        directories.add(cr.inode());
      } else if (c instanceof ExtentAdded e) {
        held.add(blocks(e.physical(), e.count()));
      }
    }
    long[] keys = model == PowerFailModel.STRICT ? keysOf(copy) : new long[0];
    List<Op> deps = new ArrayList<>(keys.length);
    for (long k : keys) {
      Op last = lastByKey.get(k);
      if (last != null && !deps.contains(last)) {
        deps.add(last);
      }
    }
    Op op = new Op(nextSeq++, copy, keys, deps.toArray(new Op[0]));
    for (long k : keys) {
      lastByKey.put(k, op);
    }
    pending.put(op.seq, op);
    lastRecorded = op;
  }

  @Override
  public synchronized void fileSynced(long inode, boolean withTimes) {
    if (model == PowerFailModel.ORDERED) {
      giveBack(makeAllDurable());
    } else {
      giveBack(makeDurable(lastByKey.get(key(inode, DATA))));
      if (withTimes) {
        giveBack(makeDurable(lastByKey.get(key(inode, ATTRIBUTES))));
      }
    }
  }

  @Override
  public synchronized void directorySynced(long directory) {
    if (model == PowerFailModel.ORDERED) {
      giveBack(makeAllDurable());
    } else {
      giveBack(makeDurable(lastByKey.get(key(directory, ENTRIES))));
      giveBack(makeDurable(lastByKey.get(key(directory, ATTRIBUTES))));
    }
  }

  @Override
  public synchronized void allSynced() {
    giveBack(makeAllDurable());
  }

  // ---- blocks ----------------------------------------------------------------------------------

  /**
   * The volume lets go of {@code [start, start + count)}: blocks no outcome of a cut can refer to
   * are given back now, the others when the change that let go of them is durable.
   */
  synchronized void free(long start, long count) {
    Range<Long> freed = blocks(start, count);
    if (held.encloses(freed)) { // the common case: blocks a change just let go of
      waiting.add(freed);
      waitingBlocks += count;
      return;
    }
    if (!held.intersects(freed)) {
      release.accept(start, count);
      return;
    }
    RangeSet<Long> run = TreeRangeSet.create();
    run.add(freed);
    RangeSet<Long> kept = TreeRangeSet.create(held.subRangeSet(freed));
    run.removeAll(kept);
    waiting.addAll(kept);
    waitingBlocks += size(kept);
    giveBack(new ArrayList<>(run.asRanges()));
  }

  /** Blocks freed by the volume that wait for a change to be durable. */
  long waitingBlocks() {
    return waitingBlocks;
  }

  /**
   * Makes everything durable when that gives blocks back, as ext4 commits its journal and retries
   * an allocation that found no free block ({@code ext4_should_retry_alloc}).
   *
   * @return whether blocks were given back
   */
  synchronized boolean commitForSpace() {
    if (frozen || waiting.isEmpty()) {
      return false;
    }
    List<Range<Long>> freed = makeAllDurable();
    giveBack(freed);
    return !freed.isEmpty();
  }

  private void giveBack(List<Range<Long>> freed) {
    for (Range<Long> r : freed) {
      release.accept(r.lowerEndpoint(), r.upperEndpoint() - r.lowerEndpoint());
    }
  }

  // ---- the cut ---------------------------------------------------------------------------------

  /** The power is cut: nothing recorded or synced from now on counts. Held blocks stay held. */
  synchronized void freeze() {
    frozen = true;
  }

  /** What a restart finds if nothing pending survives. */
  synchronized VolumeState durableState() {
    return durable.copy();
  }

  /** The number of operations not yet durable. */
  synchronized int pendingCount() {
    return pending.size();
  }

  /**
   * One state a restart may find: the durable state and, chosen by {@code seed}, what the model
   * allows of the pending operations. The same seed gives the same state. Inodes that no name leads
   * to are left out, as a filesystem check frees orphans.
   */
  synchronized VolumeState outcome(long seed) {
    Random random = new Random(seed);
    VolumeState s = durable.copy();
    List<Op> ops = new ArrayList<>(pending.values());
    if (model == PowerFailModel.ORDERED) {
      int kept = random.nextInt(ops.size() + 1);
      for (Op op : ops.subList(0, kept)) {
        apply(s, op);
      }
    } else {
      // The chance to keep each operation is itself drawn per seed, so that some seeds keep
      // almost everything and some almost nothing.
      double keep = random.nextDouble();
      Set<Op> kept = new HashSet<>();
      for (Op op : ops) {
        boolean k = random.nextDouble() < keep;
        for (Op d : op.deps) {
          k &= d.durable || kept.contains(d);
        }
        if (k) {
          apply(s, op);
          kept.add(op);
        }
      }
    }
    s.removeUnreachable();
    return s;
  }

  private static void apply(VolumeState s, Op op) {
    for (MetadataChange c : op.changes) {
      try {
        s.apply(c);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("daxfs bug: a kept operation does not fit: " + op, e);
      }
    }
  }

  // ---- making operations durable ---------------------------------------------------------------

  private List<Range<Long>> makeAllDurable() {
    List<Range<Long>> freed = new ArrayList<>();
    if (frozen) {
      return freed;
    }
    for (Op op : new ArrayList<>(pending.values())) {
      applyDurably(op, freed);
    }
    return freed;
  }

  /** Makes {@code target} and everything it depends on durable; returns the blocks given back. */
  private List<Range<Long>> makeDurable(Op target) {
    List<Range<Long>> freed = new ArrayList<>();
    if (frozen || target == null || target.durable) {
      return freed;
    }
    TreeMap<Long, Op> closure = new TreeMap<>();
    Deque<Op> todo = new ArrayDeque<>();
    todo.add(target);
    while (!todo.isEmpty()) {
      Op op = todo.removeLast();
      if (!op.durable && closure.put(op.seq, op) == null) {
        todo.addAll(Arrays.asList(op.deps));
      }
    }
    for (Op op : closure.values()) {
      applyDurably(op, freed);
    }
    return freed;
  }

  /** Moves one operation into the durable state; adds the blocks no one holds any more. */
  private void applyDurably(Op op, List<Range<Long>> freed) {
    List<Range<Long>> letGo = new ArrayList<>(0);
    for (MetadataChange c : op.changes) {
      if (c instanceof ExtentAdded e) {
        apply(c);
        VolumeState.Node n = durable.node(e.inode());
        if (n == null) {
          letGo.add(blocks(e.physical(), e.count())); // the file was gone: nothing refers to them
        }
      } else if (c instanceof ExtentsRemoved e) {
        VolumeState.Node n = durable.node(e.inode());
        if (n != null) {
          n.extents()
              .remove(
                  e.fromLogical(),
                  e.toLogical() - e.fromLogical(),
                  (s, k) -> letGo.add(blocks(s, k)));
        }
        apply(c);
      } else if (c instanceof Unlinked u) {
        VolumeState.Node n = durable.node(u.target());
        apply(c);
        if (n != null && durable.node(u.target()) == null) {
          forEachRun(n.extents(), (s, k) -> letGo.add(blocks(s, k)));
        }
      } else {
        apply(c);
      }
    }
    op.durable = true;
    op.deps = new Op[0]; // lets the durable history go
    pending.remove(op.seq);
    for (long k : op.keys) {
      lastByKey.remove(k, op);
    }
    for (Range<Long> r : letGo) {
      held.remove(r);
      if (waiting.encloses(r)) { // the common case: the volume let go of them already
        waiting.remove(r);
        waitingBlocks -= r.upperEndpoint() - r.lowerEndpoint();
        freed.add(r);
      } else if (waiting.intersects(r)) {
        RangeSet<Long> ready = TreeRangeSet.create(waiting.subRangeSet(r));
        waiting.removeAll(ready);
        waitingBlocks -= size(ready);
        freed.addAll(ready.asRanges());
      }
    }
  }

  private void apply(MetadataChange c) {
    try {
      durable.apply(c);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("daxfs bug: a durable change does not fit: " + c, e);
    }
  }

  // ---- keys ------------------------------------------------------------------------------------

  private long[] keysOf(List<MetadataChange> changes) {
    Set<Long> keys = new java.util.LinkedHashSet<>(8);
    for (MetadataChange c : changes) {
      if (c instanceof Created cr) {
        keys.add(key(cr.inode(), DATA));
        keys.add(key(cr.inode(), ATTRIBUTES));
        keys.add(key(cr.inode(), NAMES));
        if (cr.kind() == Inode.Kind.DIRECTORY) {
          keys.add(key(cr.inode(), ENTRIES));
        }
      } else if (c instanceof Linked l) {
        keys.add(key(l.directory(), ENTRIES));
        keys.add(key(l.target(), NAMES));
        if (directories.contains(l.target())) {
          keys.add(TREE);
        }
      } else if (c instanceof Unlinked u) {
        keys.add(key(u.directory(), ENTRIES));
        keys.add(key(u.target(), NAMES));
        if (directories.contains(u.target())) {
          keys.add(key(u.target(), ENTRIES)); // only an empty directory goes
          keys.add(TREE);
        }
      } else if (c instanceof Renamed r) {
        keys.add(key(r.fromDirectory(), ENTRIES));
        keys.add(key(r.toDirectory(), ENTRIES));
        keys.add(key(r.target(), NAMES));
        if (directories.contains(r.target())) {
          keys.add(TREE); // a directory is never moved into itself
        }
      } else if (c instanceof AttributesSet a) {
        keys.add(key(a.inode(), ATTRIBUTES));
      } else if (c instanceof ExtentAdded || c instanceof ExtentsRemoved || c instanceof Resized) {
        keys.add(key(c.inode(), DATA));
      }
    }
    return keys.stream().mapToLong(Long::longValue).toArray();
  }

  private static long key(long inode, int what) {
    return inode << 2 | what;
  }

  private static Range<Long> blocks(long start, long count) {
    return Range.closedOpen(start, start + count);
  }

  private static long size(RangeSet<Long> set) {
    long n = 0;
    for (Range<Long> r : set.asRanges()) {
      n += r.upperEndpoint() - r.lowerEndpoint();
    }
    return n;
  }

  private static void forEachRun(ExtentMap em, RunConsumer each) {
    for (int i = 0; i < em.extentCount(); i++) {
      each.accept(em.physicalStart(i), em.blockCount(i));
    }
  }

  @Override
  public synchronized String toString() {
    return "DurabilityTracker{"
        + model
        + ", "
        + pending.size()
        + " pending, "
        + waitingBlocks
        + " blocks waiting"
        + (frozen ? ", cut" : "")
        + "}";
  }
}
