package io.daxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.device.EmulatedPmem;
import io.daxfs.nio.DaxFileSystem;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The journal tells all: replaying a volume's recorded changes onto its state at the start gives
 * its state at the end, and mounting that state gives a volume with the same tree.
 */
class VolumeStateTest {
  private static final DaxConfiguration CONFIG =
      DaxConfiguration.builder().deviceSize(32L << 20).build();

  /** Records into a state, as an image keeps its mirror. */
  private static final class Replaying implements MetadataJournal {
    final VolumeState state;
    final List<MetadataChange> seen = new ArrayList<>();

    Replaying(VolumeState start) {
      this.state = start;
    }

    @Override
    public synchronized void record(MetadataChange change) {
      seen.add(change);
      state.apply(change);
    }
  }

  @Test
  void replayingTheJournalGivesTheVolumeState() throws Exception {
    for (long seed = 1; seed <= 20; seed++) {
      try (FileSystem fs = DaxFileSystems.newFileSystem(CONFIG)) {
        Volume volume = ((DaxFileSystem) fs).volume();
        Replaying journal = new Replaying(volume.state());
        volume.setJournal(journal);
        workload(fs, new Random(seed));
        syncTimes(volume);
        assertThat(describe(journal.state))
            .as("seed %d, after %d changes", seed, journal.seen.size())
            .isEqualTo(describe(volume.state()));
      }
    }
  }

  @Test
  void aMountedStateHasTheSameTree() throws Exception {
    for (long seed = 1; seed <= 10; seed++) {
      try (FileSystem fs = DaxFileSystems.newFileSystem(CONFIG)) {
        Volume volume = ((DaxFileSystem) fs).volume();
        workload(fs, new Random(seed));
        VolumeState state = volume.state();
        try (Volume mounted = Volume.mount(EmulatedPmem.create(CONFIG), CONFIG, state)) {
          assertThat(describe(mounted.state())).as("seed %d", seed).isEqualTo(describe(state));
          long held =
              state.nodes().stream()
                  .flatMap(n -> n.extentList().stream())
                  .mapToLong(e -> e[2] * volume.blockSize())
                  .sum();
          assertThat(mounted.freeBytes())
              .as("seed %d: free space is what the files do not hold", seed)
              .isEqualTo(mounted.totalBytes() - held);
        }
      }
    }
  }

  @Test
  void changesRebuildACopy() throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem(CONFIG)) {
      workload(fs, new Random(7));
      VolumeState state = ((DaxFileSystem) fs).volume().state();
      assertThat(describe(state.copy())).isEqualTo(describe(state));
      assertThat(state.copy().nextId()).isEqualTo(state.nextId());
    }
  }

  @Test
  void aCopyKeepsTheNamesOfDirectoriesNoNameLeadsTo() {
    VolumeState s = VolumeState.formatted(0755, "me", 0);
    s.apply(new MetadataChange.Created(3, Inode.Kind.DIRECTORY, 0755, "me", "me", 0, null));
    s.apply(new MetadataChange.Created(4, Inode.Kind.DIRECTORY, 0755, "me", "me", 0, null));
    s.apply(new MetadataChange.Created(5, Inode.Kind.REGULAR_FILE, 0644, "me", "me", 0, null));
    s.apply(new MetadataChange.Linked(4, "sub", 3)); // 4 itself has no name yet
    s.apply(new MetadataChange.Linked(3, "f", 5));
    VolumeState copy = s.copy();
    assertThat(copy.node(4).entries()).containsEntry("sub", 3L);
    assertThat(copy.node(3).entries()).containsEntry("f", 5L);
    copy.apply(new MetadataChange.Linked(VolumeState.ROOT, "top", 4));
    assertThat(copy.removeUnreachable()).as("/top/sub/f reaches every inode").isZero();
  }

  @Test
  void removingTheUnreachableFreesOrphansAndRecountsLinks() {
    VolumeState s = VolumeState.formatted(0755, "me", 0);
    s.apply(new MetadataChange.Created(3, Inode.Kind.DIRECTORY, 0755, "me", "me", 0, null));
    s.apply(new MetadataChange.Created(4, Inode.Kind.REGULAR_FILE, 0644, "me", "me", 0, null));
    s.apply(new MetadataChange.Created(5, Inode.Kind.REGULAR_FILE, 0644, "me", "me", 0, null));
    s.apply(new MetadataChange.Linked(VolumeState.ROOT, "kept", 4));
    s.apply(
        new MetadataChange.Linked(3, "link", 4)); // a second name, in a directory no name reaches
    s.apply(new MetadataChange.Linked(3, "lost", 5));
    s.apply(new MetadataChange.Created(6, Inode.Kind.REGULAR_FILE, 0644, "me", "me", 0, null));
    assertThat(s.node(4).linkCount()).isEqualTo(2);
    assertThat(s.removeUnreachable()).isEqualTo(3); // 3, 5 and the nameless 6
    assertThat(s.nodes()).extracting(VolumeState.Node::id).containsExactlyInAnyOrder(2L, 4L);
    assertThat(s.node(4).linkCount()).isEqualTo(1);
    s.apply(new MetadataChange.Unlinked(VolumeState.ROOT, "kept", 4));
    assertThat(s.node(4)).as("its last name gone").isNull();
  }

  @Test
  void aChangeThatDoesNotFitIsRefusedAndChangesNothing() {
    VolumeState s = VolumeState.formatted(0755, "me", 0);
    s.apply(new MetadataChange.Created(3, Inode.Kind.REGULAR_FILE, 0644, "me", "me", 0, null));
    s.apply(new MetadataChange.Linked(VolumeState.ROOT, "a", 3));
    String before = describe(s);
    assertThatThrownBy(() -> s.apply(new MetadataChange.Linked(VolumeState.ROOT, "a", 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name exists already");
    assertThatThrownBy(() -> s.apply(new MetadataChange.Unlinked(VolumeState.ROOT, "b", 3)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> s.apply(new MetadataChange.Linked(3, "x", 3)))
        .hasMessageContaining("not a directory");
    assertThatThrownBy(() -> s.apply(new MetadataChange.ExtentAdded(VolumeState.ROOT, 0, 0, 1)))
        .hasMessageContaining("not a regular file");
    assertThat(describe(s)).isEqualTo(before);
  }

  @Test
  void aMountRefusesBlocksClaimedTwiceOrOutsideTheDevice() throws Exception {
    VolumeState s = VolumeState.formatted(0755, "me", 0);
    for (long id = 3; id <= 4; id++) {
      s.apply(new MetadataChange.Created(id, Inode.Kind.REGULAR_FILE, 0644, "me", "me", 0, null));
      s.apply(new MetadataChange.Linked(VolumeState.ROOT, "f" + id, id));
      s.apply(new MetadataChange.ExtentAdded(id, 0, 10, 2));
    }
    assertThatThrownBy(() -> Volume.mount(EmulatedPmem.create(CONFIG), CONFIG, s))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("belong to another file");
    VolumeState far = VolumeState.formatted(0755, "me", 0);
    far.apply(new MetadataChange.Created(3, Inode.Kind.REGULAR_FILE, 0644, "me", "me", 0, null));
    far.apply(new MetadataChange.Linked(VolumeState.ROOT, "f", 3));
    far.apply(new MetadataChange.ExtentAdded(3, 0, 1L << 40, 1));
    assertThatThrownBy(() -> Volume.mount(EmulatedPmem.create(CONFIG), CONFIG, far))
        .hasMessageContaining("outside the device");
  }

  /** Records every inode's times, which writes move without a record. */
  private static void syncTimes(Volume volume) throws IOException {
    VolumeState now = volume.state();
    for (VolumeState.Node n : now.nodes()) {
      volume
          .journal()
          .record(
              now.changes().stream()
                  .filter(c -> c instanceof MetadataChange.AttributesSet a && a.inode() == n.id())
                  .findFirst()
                  .orElseThrow());
    }
  }

  /** Everything a state says, as text: equal texts, equal states. */
  static String describe(VolumeState s) {
    return s.changes().stream().map(Object::toString).collect(Collectors.joining("\n"));
  }

  /** Creates, writes, appends, truncates, renames, deletes, links and changes attributes. */
  static void workload(FileSystem fs, Random random) throws IOException {
    List<Path> files = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    dirs.add(fs.getPath("/"));
    for (int step = 0; step < 200; step++) {
      Path dir = dirs.get(random.nextInt(dirs.size()));
      int op = random.nextInt(12);
      try {
        switch (op) {
          case 0, 1 -> {
            Path f = dir.resolve("f" + step);
            Files.write(f, new byte[random.nextInt(20_000)]);
            files.add(f);
          }
          case 2 -> {
            Path d = dir.resolve("d" + step);
            Files.createDirectory(d);
            dirs.add(d);
          }
          case 3 -> Files.createSymbolicLink(dir.resolve("s" + step), fs.getPath("target" + step));
          default -> {
            if (files.isEmpty()) {
              continue;
            }
            Path f = files.get(random.nextInt(files.size()));
            if (!Files.exists(f)) {
              continue;
            }
            switch (op) {
              case 4 -> Files.write(f, new byte[random.nextInt(9000)], StandardOpenOption.APPEND);
              case 5 -> {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                  ch.truncate(random.nextInt((int) ch.size() + 1));
                }
              }
              case 6 -> {
                Path to = dir.resolve("r" + step);
                Files.move(f, to, StandardCopyOption.REPLACE_EXISTING);
                files.add(to);
              }
              case 7 -> Files.delete(f);
              case 8 -> {
                Path l = dir.resolve("l" + step);
                Files.createLink(l, f);
                files.add(l);
              }
              case 9 ->
                  Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
              case 10 -> Files.setLastModifiedTime(f, FileTime.fromMillis(random.nextInt()));
              default -> {
                try (FileChannel ch =
                    FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
                  ch.map(FileChannel.MapMode.READ_WRITE, random.nextInt(30_000), 5000)
                      .put(0, (byte) 1);
                }
              }
            }
          }
        }
      } catch (IOException e) {
        // a name taken by an earlier step, a file removed under another name, or a range that
        // an earlier mapping keeps from moving: skip
      }
    }
    if (dirs.size() > 1) {
      Path moved = dirs.get(dirs.size() - 1);
      try {
        Files.move(moved, fs.getPath("/moved"));
      } catch (java.nio.file.FileSystemException e) {
        // inside another directory that moved: skip
      }
    }
  }
}
