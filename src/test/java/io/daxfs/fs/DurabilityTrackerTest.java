package io.daxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.PowerFailModel;
import io.daxfs.fs.MetadataChange.AttributesSet;
import io.daxfs.fs.MetadataChange.Created;
import io.daxfs.fs.MetadataChange.ExtentAdded;
import io.daxfs.fs.MetadataChange.ExtentsRemoved;
import io.daxfs.fs.MetadataChange.Linked;
import io.daxfs.fs.MetadataChange.Renamed;
import io.daxfs.fs.MetadataChange.Resized;
import io.daxfs.fs.MetadataChange.Unlinked;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The durability rules, change by change: what each sync makes durable under each model, what a cut
 * may keep of the rest, and when freed blocks may be reused.
 */
class DurabilityTrackerTest {
  private static final long ROOT = VolumeState.ROOT;
  private static final int SEEDS = 200;

  /** Blocks the tracker gave back, as {start, count}. */
  private final List<long[]> released = new ArrayList<>();

  private DurabilityTracker tracker(PowerFailModel model) {
    return new DurabilityTracker(
        model, VolumeState.formatted(0755, "me", 0), (s, c) -> released.add(new long[] {s, c}));
  }

  private static Created file(long id) {
    return new Created(id, Inode.Kind.REGULAR_FILE, 0644, "me", "me", 0, null);
  }

  private static Created dir(long id) {
    return new Created(id, Inode.Kind.DIRECTORY, 0755, "me", "me", 0, null);
  }

  /** Creates {@code name} in {@code parent} as one operation, as the volume records it. */
  private static void create(DurabilityTracker t, Created c, long parent, String name) {
    t.recordAll(List.of(c, new Linked(parent, name, c.inode())));
  }

  private static Set<String> names(VolumeState s, long dir) {
    VolumeState.Node d = s.node(dir);
    return d == null ? Set.of() : d.entries().keySet();
  }

  /** Every outcome of the seeds, each as a short text of the tree. */
  private static Set<String> outcomes(DurabilityTracker t) {
    Set<String> all = new HashSet<>();
    for (long seed = 0; seed < SEEDS; seed++) {
      all.add(describe(t.outcome(seed)));
    }
    return all;
  }

  private static String describe(VolumeState s) {
    StringBuilder sb = new StringBuilder();
    describe(s, ROOT, "", sb);
    return sb.toString();
  }

  private static void describe(VolumeState s, long dir, String path, StringBuilder sb) {
    s.node(dir)
        .entries()
        .forEach(
            (name, id) -> {
              VolumeState.Node n = s.node(id);
              sb.append(path).append('/').append(name);
              if (n.kind() == Inode.Kind.DIRECTORY) {
                sb.append("/ ");
                describe(s, id, path + "/" + name, sb);
              } else {
                sb.append('=').append(n.size()).append(' ');
              }
            });
  }

  // ---- STRICT ----------------------------------------------------------------------------------

  @Test
  void aFilesSyncMakesItsSizeDurableButNotItsName() {
    DurabilityTracker t = tracker(PowerFailModel.STRICT);
    create(t, file(3), ROOT, "a");
    t.record(new Resized(3, 100));
    t.fileSynced(3, false);
    VolumeState durable = t.durableState();
    assertThat(durable.node(3).size()).isEqualTo(100);
    assertThat(names(durable, ROOT)).isEmpty();
    assertThat(outcomes(t)).containsExactlyInAnyOrder("", "/a=100 ");
  }

  @Test
  void aDirectorysSyncMakesItsNamesAndTheirCreationDurableButNotTheSizes() {
    DurabilityTracker t = tracker(PowerFailModel.STRICT);
    create(t, file(3), ROOT, "a");
    t.record(new Resized(3, 100));
    t.directorySynced(ROOT);
    assertThat(outcomes(t)).containsExactlyInAnyOrder("/a=0 ", "/a=100 ");
  }

  @Test
  void aFileSyncWithoutTimesLeavesTheAttributes() {
    DurabilityTracker t = tracker(PowerFailModel.STRICT);
    create(t, file(3), ROOT, "a");
    t.directorySynced(ROOT);
    t.record(new AttributesSet(3, 0600, "me", "me", 5, 5, 0, 5));
    t.record(new Resized(3, 10));
    t.fileSynced(3, false);
    assertThat(t.durableState().node(3).permissions()).isEqualTo(0644);
    assertThat(t.durableState().node(3).size()).isEqualTo(10);
    t.fileSynced(3, true);
    assertThat(t.durableState().node(3).permissions()).isEqualTo(0600);
    assertThat(t.pendingCount()).isZero();
  }

  @Test
  void aRenameIsDurableWithEitherDirectoryAndWholeWithTheNameItReplaced() {
    DurabilityTracker t = tracker(PowerFailModel.STRICT);
    create(t, dir(3), ROOT, "from");
    create(t, dir(4), ROOT, "to");
    create(t, file(5), 3, "x");
    create(t, file(6), 4, "y");
    t.allSynced();
    t.recordAll(List.of(new Unlinked(4, "y", 6), new Renamed(3, "x", 4, "y", 5)));
    assertThat(outcomes(t))
        .as("old or new, never neither")
        .containsExactlyInAnyOrder("/from/ /from/x=0 /to/ /to/y=0 ", "/from/ /to/ /to/y=0 ");
    t.directorySynced(4);
    assertThat(outcomes(t)).containsExactly("/from/ /to/ /to/y=0 ");
    assertThat(t.durableState().node(6)).as("the replaced file is gone").isNull();
  }

  @Test
  void aNameNeverSurvivesWithoutTheDirectoryItIsIn() {
    DurabilityTracker t = tracker(PowerFailModel.STRICT);
    create(t, dir(3), ROOT, "d");
    create(t, file(4), 3, "f");
    t.directorySynced(3); // d's entries, not d's own name
    assertThat(outcomes(t)).containsExactlyInAnyOrder("", "/d/ /d/f=0 ");
  }

  @Test
  void aDirectoryIsRemovedOnlyWithTheRemovalOfWhatItHeld() {
    DurabilityTracker t = tracker(PowerFailModel.STRICT);
    create(t, dir(3), ROOT, "d");
    create(t, file(4), 3, "f");
    t.allSynced();
    t.record(new Unlinked(3, "f", 4));
    t.record(new Unlinked(ROOT, "d", 3));
    t.directorySynced(ROOT); // brings the removal of d/f along
    assertThat(outcomes(t)).containsExactly("");
  }

  // ---- ORDERED ---------------------------------------------------------------------------------

  @Test
  void orderedKeepsAPrefixAndAnySyncCommitsEverything() {
    DurabilityTracker t = tracker(PowerFailModel.ORDERED);
    for (int i = 0; i < 5; i++) {
      create(t, file(3 + i), ROOT, "f" + i);
    }
    Set<String> prefixes = new HashSet<>();
    StringBuilder prefix = new StringBuilder();
    prefixes.add("");
    for (int i = 0; i < 5; i++) {
      prefixes.add(prefix.append("/f").append(i).append("=0 ").toString());
    }
    // a name's creation and its name are two operations: a prefix may end between them
    assertThat(outcomes(t)).isEqualTo(sorted(prefixes));
    t.fileSynced(3, false);
    assertThat(t.pendingCount()).isZero();
    assertThat(outcomes(t)).containsExactly(prefix.toString());
  }

  private static Set<String> sorted(Set<String> s) {
    return new java.util.TreeSet<>(s);
  }

  // ---- blocks ----------------------------------------------------------------------------------

  @Test
  void blocksAChangeFreedWaitForItToBeDurable() {
    DurabilityTracker t = tracker(PowerFailModel.STRICT);
    create(t, file(3), ROOT, "a");
    t.recordAll(List.of(new ExtentAdded(3, 0, 10, 10)));
    t.record(new Resized(3, 40960));
    t.allSynced();
    t.free(10, 10); // the volume truncates the file: frees, then records
    t.recordAll(List.of(new ExtentsRemoved(3, 0, Long.MAX_VALUE), new Resized(3, 0)));
    assertThat(released).isEmpty();
    assertThat(t.waitingBlocks()).isEqualTo(10);
    t.free(40, 5); // never held: given back at once
    assertThat(released).extracting(r -> r[0]).containsExactly(40L);
    t.directorySynced(ROOT); // not the file's size and blocks
    assertThat(t.waitingBlocks()).isEqualTo(10);
    t.fileSynced(3, false);
    assertThat(released).extracting(r -> r[0] + "+" + r[1]).containsExactly("40+5", "10+10");
    assertThat(t.waitingBlocks()).isZero();
  }

  @Test
  void blocksOfAPendingAllocationAreHeldToo() {
    DurabilityTracker t = tracker(PowerFailModel.STRICT);
    create(t, file(3), ROOT, "a");
    t.recordAll(List.of(new ExtentAdded(3, 0, 20, 4))); // not durable: a cut may keep it
    t.free(20, 4);
    t.recordAll(List.of(new ExtentsRemoved(3, 0, Long.MAX_VALUE), new Resized(3, 0)));
    assertThat(released).isEmpty();
    assertThat(t.commitForSpace()).as("a commit gives them back").isTrue();
    assertThat(released).extracting(r -> r[0]).containsExactly(20L);
    assertThat(t.commitForSpace()).as("nothing left to give back").isFalse();
  }

  @Test
  void theBlocksOfAFileWhoseLastNameGoesAreHeldUntilThatIsDurable() {
    DurabilityTracker t = tracker(PowerFailModel.ORDERED);
    create(t, file(3), ROOT, "a");
    t.recordAll(List.of(new ExtentAdded(3, 0, 8, 2)));
    t.allSynced();
    t.record(new Unlinked(ROOT, "a", 3));
    t.free(8, 2); // the last close
    assertThat(released).isEmpty();
    t.directorySynced(ROOT);
    assertThat(released).extracting(r -> r[0]).containsExactly(8L);
  }

  @Test
  void afterTheCutNothingCountsAndNothingIsGivenBack() {
    DurabilityTracker t = tracker(PowerFailModel.STRICT);
    create(t, file(3), ROOT, "a");
    t.recordAll(List.of(new ExtentAdded(3, 0, 8, 2)));
    t.freeze();
    int pending = t.pendingCount();
    create(t, file(4), ROOT, "b");
    t.allSynced();
    t.free(8, 2);
    assertThat(t.pendingCount()).isEqualTo(pending);
    assertThat(released).isEmpty();
    assertThat(t.commitForSpace()).isFalse();
    assertThat(outcomes(t)).allMatch(s -> !s.contains("/b"));
  }

  @Test
  void theSameSeedGivesTheSameOutcome() {
    for (PowerFailModel model : PowerFailModel.values()) {
      DurabilityTracker t = tracker(model);
      for (int i = 0; i < 30; i++) {
        create(t, file(3 + i), ROOT, "f" + i);
        t.record(new Resized(3 + i, i));
      }
      for (long seed = 0; seed < 50; seed++) {
        assertThat(describe(t.outcome(seed)))
            .as("%s, seed %d", model, seed)
            .isEqualTo(describe(t.outcome(seed)));
      }
      assertThat(outcomes(t)).as("%s", model).hasSizeGreaterThan(10);
    }
  }
}
