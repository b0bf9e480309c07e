package io.daxfs.device;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import io.daxfs.BadBlock;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The media state of the device, in sectors: which sectors are poisoned (the physical truth) and
 * which are known, i.e. in the badblocks list the kernel keeps. Injected errors are both; latent
 * ones are poison not yet known; an uninjected error stays known until a clearing write.
 *
 * <p>Writers change mutable range sets under this object's lock; readers check an immutable
 * snapshot rebuilt lazily after a change, so a check costs one volatile read while the device is
 * clean and O(log n) in the number of bad ranges otherwise, with no lock either way.
 */
final class Badblocks {
  /** An immutable view of the state for lock-free checks. */
  static final class View {
    static final View CLEAN = new View(ImmutableRangeSet.of(), ImmutableRangeSet.of());

    final ImmutableRangeSet<Long> known;
    final ImmutableRangeSet<Long> poison;
    final boolean clean;

    /**
     * Known ∪ poison as sorted, disjoint {@code [start, end)} sectors: the I/O path's one lookup.
     */
    private final long[] starts;

    private final long[] ends;

    View(ImmutableRangeSet<Long> known, ImmutableRangeSet<Long> poison) {
      this.known = known;
      this.poison = poison;
      this.clean = known.isEmpty() && poison.isEmpty();
      RangeSet<Long> any = TreeRangeSet.create(known);
      any.addAll(poison);
      int n = any.asRanges().size();
      starts = new long[n];
      ends = new long[n];
      int i = 0;
      for (Range<Long> r : any.asRanges()) {
        starts[i] = r.lowerEndpoint();
        ends[i++] = r.upperEndpoint();
      }
    }

    /**
     * Whether any sector of {@code [from, to)} is poisoned or known bad: O(log n), no allocation.
     */
    boolean touches(long from, long to) {
      int i = Arrays.binarySearch(starts, to);
      int last = i >= 0 ? i - 1 : -i - 2; // the last range starting before {@code to}
      return last >= 0 && ends[last] > from;
    }
  }

  private final long sectorCount;
  private final RangeSet<Long> poison = TreeRangeSet.create(); // guarded by this
  private final RangeSet<Long> known = TreeRangeSet.create(); // guarded by this
  private volatile View view = View.CLEAN; // null after a change until rebuilt
  private MediaJournal journal; // guarded by this

  Badblocks(long sectorCount) {
    this.sectorCount = sectorCount;
  }

  /** A state restored from an image: poisoned and known sectors, each within the device. */
  Badblocks(long sectorCount, RangeSet<Long> poisoned, RangeSet<Long> listed) {
    this(sectorCount);
    Range<Long> device = Range.closedOpen(0L, sectorCount);
    for (RangeSet<Long> s : List.of(poisoned, listed)) {
      checkArgument(
          s.isEmpty() || device.encloses(s.span()),
          "sectors %s outside the device (%s sectors)",
          s,
          sectorCount);
    }
    poison.addAll(poisoned);
    known.addAll(listed);
    view = null;
  }

  synchronized void setJournal(MediaJournal journal) {
    this.journal = journal;
  }

  /** Records changes before they are made, all or none: a journal that fails keeps none of them. */
  private void record(List<MediaJournal.Change> changes) throws IOException {
    if (journal != null && !changes.isEmpty()) {
      journal.record(changes);
    }
  }

  /** Adds a change of {@code kind} for each range of {@code set} to {@code changes}. */
  private static List<MediaJournal.Change> add(
      List<MediaJournal.Change> changes, MediaJournal.Kind kind, RangeSet<Long> set) {
    for (Range<Long> r : set.asRanges()) {
      if (!r.isEmpty()) {
        changes.add(new MediaJournal.Change(kind, r.lowerEndpoint(), r.upperEndpoint()));
      }
    }
    return changes;
  }

  private static List<MediaJournal.Change> changes(MediaJournal.Kind kind, Range<Long> r) {
    return add(new ArrayList<>(1), kind, ImmutableRangeSet.of(r));
  }

  /** The ranges of {@code sectors} that are not known yet. */
  private RangeSet<Long> unknown(RangeSet<Long> sectors) {
    RangeSet<Long> fresh = TreeRangeSet.create(sectors);
    if (!sectors.isEmpty()) {
      fresh.removeAll(known.subRangeSet(sectors.span())); // only the overlap: O(log n), not O(n)
    }
    return fresh;
  }

  /** The poisoned and the known sectors now. */
  synchronized ImmutableRangeSet<Long> poisoned() {
    return ImmutableRangeSet.copyOf(poison);
  }

  synchronized ImmutableRangeSet<Long> listed() {
    return ImmutableRangeSet.copyOf(known);
  }

  View view() {
    View v = view;
    return v != null ? v : rebuild();
  }

  private synchronized View rebuild() {
    View v = view;
    if (v == null) {
      v =
          known.isEmpty() && poison.isEmpty()
              ? View.CLEAN
              : new View(ImmutableRangeSet.copyOf(known), ImmutableRangeSet.copyOf(poison));
      view = v;
    }
    return v;
  }

  Range<Long> checkedRange(long sector, long count) {
    checkArgument(count > 0, "sector count must be positive: %s", count);
    checkArgument(
        sector >= 0 && sector < sectorCount && count <= sectorCount - sector,
        "sectors %s+%s outside the device (%s sectors)",
        sector,
        count,
        sectorCount);
    return Range.closedOpen(sector, sector + count);
  }

  /**
   * Poisons sectors and lists them at once; returns the sectors newly known.
   *
   * @throws IOException if the journal cannot keep it; nothing changed
   */
  synchronized List<BadBlock> inject(Range<Long> r) throws IOException {
    RangeSet<Long> fresh = unknown(ImmutableRangeSet.of(r));
    record(add(changes(MediaJournal.Kind.POISON_ADDED, r), MediaJournal.Kind.KNOWN_ADDED, fresh));
    poison.add(r);
    known.addAll(fresh);
    view = null;
    return toBadBlocks(fresh);
  }

  /**
   * Poisons sectors.
   *
   * @throws IOException if the journal cannot keep it; nothing changed
   */
  synchronized void injectLatent(Range<Long> r) throws IOException {
    record(changes(MediaJournal.Kind.POISON_ADDED, r));
    poison.add(r);
    view = null;
  }

  /**
   * Removes poison; what is listed stays listed, as {@code ndctl inject-error --uninject} leaves
   * it.
   *
   * @throws IOException if the journal cannot keep it; nothing changed
   */
  synchronized void uninject(Range<Long> r) throws IOException {
    record(changes(MediaJournal.Kind.POISON_REMOVED, r));
    poison.remove(r);
    view = null;
  }

  /**
   * Lists every poisoned sector (an address range scrub); returns what was newly found.
   *
   * @throws IOException if the journal cannot keep it; nothing changed
   */
  synchronized List<BadBlock> scrub() throws IOException {
    RangeSet<Long> found = TreeRangeSet.create(poison);
    found.removeAll(known);
    return addKnown(found);
  }

  /**
   * Marks sectors known (poison consumed by an access); returns the sectors newly known.
   *
   * @throws IOException if the journal cannot keep it; nothing changed
   */
  synchronized List<BadBlock> addKnown(RangeSet<Long> sectors) throws IOException {
    RangeSet<Long> fresh = unknown(sectors);
    record(add(new ArrayList<>(), MediaJournal.Kind.KNOWN_ADDED, fresh));
    known.addAll(fresh);
    view = null;
    return toBadBlocks(fresh);
  }

  /**
   * A clearing write over the sectors: poison and list entries in the range are gone.
   *
   * @throws IOException if the journal cannot keep it; nothing changed
   */
  synchronized void clear(Range<Long> r) throws IOException {
    List<MediaJournal.Change> changes = changes(MediaJournal.Kind.POISON_REMOVED, r);
    record(add(changes, MediaJournal.Kind.KNOWN_REMOVED, ImmutableRangeSet.of(r)));
    poison.remove(r);
    known.remove(r);
    view = null;
  }

  synchronized List<BadBlock> known() {
    return toBadBlocks(known);
  }

  static List<BadBlock> toBadBlocks(RangeSet<Long> set) {
    ImmutableList.Builder<BadBlock> b = ImmutableList.builder();
    for (Range<Long> r : set.asRanges()) {
      b.add(new BadBlock(r.lowerEndpoint(), r.upperEndpoint() - r.lowerEndpoint()));
    }
    return b.build();
  }
}
