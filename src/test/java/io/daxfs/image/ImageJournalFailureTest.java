package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.BadBlock;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.MediaErrorException;
import io.daxfs.PmemDevice;
import io.daxfs.fs.Volume;
import io.daxfs.nio.DaxFileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host refuses the checkpoint a full log needs (its disk is full): the operation that needed
 * the room fails with an {@link IOException}, nothing of it reaches the volume or the image, and
 * once the host has room again the image carries on. A crash at any of these points leaves an image
 * that mounts with exactly the operations that returned. Changes of the media state follow the same
 * rule, and an access that meets poison still fails with its media error.
 */
class ImageJournalFailureTest {
  @TempDir Path dir;

  private static ImageJournal journalOf(FileSystem fs) {
    Volume volume = ((DaxFileSystem) fs).volume();
    var journal = volume.setJournal(null);
    volume.setJournal(journal);
    return (ImageJournal) journal;
  }

  private static long free(FileSystem fs) throws IOException {
    return Files.getFileStore(fs.getPath("/")).getUnallocatedSpace();
  }

  private static void assertMountsAs(Path image, Map<String, String> tree) throws IOException {
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().image(image).build())) {
      assertThat(TreeSnapshot.of(fs, false)).as(image.getFileName().toString()).isEqualTo(tree);
    }
    assertThat(ImageCheck.run(image, false).clean()).isTrue();
  }

  /**
   * Creates files {@code f0}, {@code f1}, ... in {@code d} until the log is full and the create
   * that needs the checkpoint fails, and checks that it failed with the host's error and made
   * nothing.
   */
  private static void fillLog(Path d) {
    int created = 0;
    IOException failure = null;
    while (failure == null) {
      try {
        Files.createFile(d.resolve("f" + created));
        created++;
      } catch (IOException e) {
        failure = e;
      }
    }
    assertThat(created).as("creates before the log filled").isGreaterThan(100);
    assertThat(failure)
        .hasMessageContaining("checkpoint failed")
        .hasRootCauseMessage("No space left on device");
    assertThat(d.resolve("f" + created)).doesNotExist();
  }

  private static void assertMediaStateAfterMount(
      Path image, List<BadBlock> listed, List<BadBlock> poisoned) throws IOException {
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().image(image).build())) {
      PmemDevice device = DaxFileSystems.device(fs);
      assertThat(device.badblocks()).as(image.getFileName() + ": listed").isEqualTo(listed);
      assertThat(device.injectedErrors())
          .as(image.getFileName() + ": poisoned")
          .isEqualTo(poisoned);
    }
  }

  @Test
  void afterAFailedCheckpointOperationsThatNeedOneFailAtOnceUntilItIsTimeToTryAgain()
      throws Exception {
    Path img = Images.format(dir.resolve("pmem0.img"), 1 << 20); // a 64 KiB log
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      ImageJournal journal = journalOf(fs);
      journal.retryCheckpointsAfter(TimeUnit.MINUTES.toNanos(10));
      journal.failCheckpoints(new IOException("No space left on device"));
      Path d = Files.createDirectory(fs.getPath("/d"));
      // Fill the log to between 152 and 200 bytes of room: creates (whose records hold the user's
      // name, so their length varies), then media records of 48 bytes. A create with a name of
      // 255 bytes then does not fit: it needs the checkpoint, tries it and fails.
      ImageLog log = journal.log();
      for (int i = 0; log.capacity() - log.position() > 400; i++) {
        Files.createFile(d.resolve("f" + i));
      }
      PmemDevice device = DaxFileSystems.device(fs);
      fillLogTo(journal, device, 201);
      assertThatThrownBy(() -> Files.createFile(d.resolve("n".repeat(255))))
          .hasMessageContaining("checkpoint failed")
          .hasMessageNotContaining("ago");

      // Records that fit in the room left are kept as before.
      int fitting = (log.capacity() - log.position()) / MEDIA_RECORD;
      assertThat(fitting).isGreaterThanOrEqualTo(3);
      long clean = device.sectorCount() - 1;
      for (int i = 0; i < fitting; i++) {
        device.uninjectError(clean, 1);
      }
      assertThatThrownBy(() -> device.uninjectError(clean, 1))
          .isInstanceOf(UncheckedIOException.class)
          .satisfies(e -> assertThat(e.getCause()).hasMessageContaining("ms ago"));

      // Each checkpoint writes the whole state: no operation tries one again before it is time.
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> Files.createFile(d.resolve("late")))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("checkpoint failed")
            .hasMessageContaining("ms ago")
            .hasRootCauseMessage("No space left on device");
      }
      assertThat(d.resolve("late")).doesNotExist();

      journal.retryCheckpointsAfter(0);
      assertThatThrownBy(() -> Files.createFile(d.resolve("late")))
          .as("tried again")
          .hasMessageContaining("checkpoint failed")
          .hasMessageNotContaining("ms ago");

      // The host has room again: the next operation checkpoints, and the image carries on.
      journal.failCheckpoints(null);
      Files.createFile(d.resolve("late"));
    }
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(fs.getPath("/d/late")).exists();
    }
  }

  @Test
  void mediaChangesAFullLogCannotKeepAreNotMadeAndAccessesStillMeetTheirErrors() throws Exception {
    Path img = Images.format(dir.resolve("pmem0.img"), 1 << 20); // a 64 KiB log
    List<BadBlock> listedAfterRoom;
    List<BadBlock> poisonedAfterRoom;
    List<BadBlock> listed;
    List<BadBlock> poisoned;
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      ImageJournal journal = journalOf(fs);
      PmemDevice device = DaxFileSystems.device(fs);
      Path f = fs.getPath("/f");
      byte[] data = new byte[8192];
      new java.util.Random(11).nextBytes(data);
      Files.write(f, data);
      DaxFiles.injectLatentError(f, 0, 512);
      DaxFiles.injectError(f, 4096, 512);
      listed = device.badblocks();
      poisoned = device.injectedErrors();
      assertThat(listed).hasSize(1);
      assertThat(poisoned).hasSize(2);
      journal.failCheckpoints(new IOException("No space left on device"));
      fillLog(Files.createDirectory(fs.getPath("/d")));
      // Media records are the shortest: uninjections of a clean sector take the last bytes.
      long clean = device.sectorCount() - 1;
      assertThatThrownBy(
              () -> {
                while (true) {
                  device.uninjectError(clean, 1);
                }
              })
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("checkpoint failed");

      // Injections, uninjections and scrubs fail and change nothing.
      assertThatThrownBy(() -> DaxFiles.injectError(f, 1024, 512))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("checkpoint failed");
      long latentSector = poisoned.get(0).startSector();
      long listedSector = listed.get(0).startSector();
      assertThatThrownBy(() -> device.injectLatentError(listedSector + 1, 1))
          .isInstanceOf(UncheckedIOException.class);
      assertThatThrownBy(() -> device.uninjectError(listedSector, 1))
          .isInstanceOf(UncheckedIOException.class);
      assertThatThrownBy(device::scrub).isInstanceOf(UncheckedIOException.class);
      assertThat(device.injectedErrors()).isEqualTo(poisoned);
      assertThat(device.badblocks()).isEqualTo(listed);

      // A read that consumes the latent poison still fails with its media error, which says why
      // the sector stays unlisted.
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        MediaErrorException e =
            catchThrowableOfType(
                MediaErrorException.class, () -> ch.read(ByteBuffer.allocate(512), 0));
        assertThat(e.badBlocks()).containsExactly(new BadBlock(latentSector, 1));
        assertThat(e.getSuppressed())
            .singleElement()
            .satisfies(s -> assertThat(s).hasMessageContaining("checkpoint failed"));
      }
      assertThat(device.badblocks()).isEqualTo(listed);

      // A write through the driver that would clear the listed error fails before it writes.
      ByteBuffer block = ByteBuffer.allocateDirect(8192).alignedSlice(4096).limit(4096);
      while (block.hasRemaining()) {
        block.put((byte) 9);
      }
      block.flip();
      try (FileChannel ch =
          FileChannel.open(f, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
        assertThatThrownBy(() -> ch.write(block, 4096))
            .isInstanceOf(IOException.class)
            .isNotInstanceOf(MediaErrorException.class)
            .hasMessageContaining("checkpoint failed");
        assertThat(block.position()).isZero();
      }
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        assertThat(read(ch, 4608, 8192 - 4608))
            .as("the block the failed write would have written")
            .isEqualTo(java.util.Arrays.copyOfRange(data, 4608, 8192));
      }
      assertThat(device.badblocks()).isEqualTo(listed);
      assertThat(device.injectedErrors()).isEqualTo(poisoned);
      Files.copy(img, dir.resolve("crash-while-full.img"));

      // The host has room again: the read lists what it consumes, the write clears and writes.
      journal.failCheckpoints(null);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        MediaErrorException e =
            catchThrowableOfType(
                MediaErrorException.class, () -> ch.read(ByteBuffer.allocate(512), 0));
        assertThat(e.getSuppressed()).isEmpty();
      }
      try (FileChannel ch =
          FileChannel.open(f, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
        assertThat(ch.write(block, 4096)).isEqualTo(4096);
      }
      listedAfterRoom = device.badblocks();
      poisonedAfterRoom = device.injectedErrors();
      assertThat(listedAfterRoom).containsExactly(new BadBlock(latentSector, 1));
      assertThat(poisonedAfterRoom).containsExactly(new BadBlock(latentSector, 1));
      Files.copy(img, dir.resolve("crash-after.img"));
    }
    assertMediaStateAfterMount(dir.resolve("crash-while-full.img"), listed, poisoned);
    assertMediaStateAfterMount(dir.resolve("crash-after.img"), listedAfterRoom, poisonedAfterRoom);
    assertMediaStateAfterMount(img, listedAfterRoom, poisonedAfterRoom);
  }

  private static byte[] read(FileChannel ch, long pos, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) >= 0) {}
    return buf.array();
  }

  /**
   * Uninjects a clean sector (the shortest record) until the log has less room than {@code room}.
   */
  private static void fillLogTo(ImageJournal journal, PmemDevice device, int room) {
    ImageLog log = journal.log();
    long clean = device.sectorCount() - 1;
    while (log.capacity() - log.position() >= room) {
      device.uninjectError(clean, 1);
    }
  }

  private static final int MEDIA_RECORD = ImageLog.size(ImageLog.HEADER + 16);

  @Test
  void theChangesOfOneMediaOperationAreKeptAllOrNone() throws Exception {
    Path img = Images.format(dir.resolve("pmem0.img"), 1 << 20);
    List<BadBlock> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      ImageJournal journal = journalOf(fs);
      PmemDevice device = DaxFileSystems.device(fs);
      device.onNewBadBlocks(heard::addAll); // the filesystem's close waits for what it was told
      device.injectLatentError(100, 1);
      device.injectLatentError(200, 1);
      journal.failCheckpoints(new IOException("No space left on device"));
      fillLogTo(journal, device, 2 * MEDIA_RECORD); // room for one record, not two

      assertThatThrownBy(device::scrub).isInstanceOf(UncheckedIOException.class);
      assertThat(device.badblocks()).as("listed by the scrub that failed").isEmpty();
      assertThatThrownBy(() -> device.injectError(300, 1)).isInstanceOf(UncheckedIOException.class);
      assertThat(device.injectedErrors())
          .containsExactly(new BadBlock(100, 1), new BadBlock(200, 1));

      journal.failCheckpoints(null);
      assertThat(device.scrub()).containsExactly(new BadBlock(100, 1), new BadBlock(200, 1));
    }
    assertThat(heard)
        .as("told once, by the scrub that kept them")
        .containsExactly(new BadBlock(100, 1), new BadBlock(200, 1));
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(DaxFileSystems.device(fs).badblocks())
          .containsExactly(new BadBlock(100, 1), new BadBlock(200, 1));
    }
  }

  @Test
  void aMediaOperationLongerThanTheLogIsKeptByACheckpointOrNotAtAll() throws Exception {
    Path img = Images.format(dir.resolve("pmem0.img"), 4 << 20);
    int ranges;
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      ImageJournal journal = journalOf(fs);
      PmemDevice device = DaxFileSystems.device(fs);
      ranges = journal.log().capacity() / MEDIA_RECORD + 100; // a scrub's records overfill it
      assertThat(2L * ranges).isLessThan(device.sectorCount());
      for (int i = 0; i < ranges; i++) {
        device.injectLatentError(2L * i, 1);
      }
      journal.failCheckpoints(new IOException("No space left on device"));
      assertThatThrownBy(device::scrub).isInstanceOf(UncheckedIOException.class);
      assertThat(device.badblocks()).isEmpty();

      // The next checkpoint holds none of the failed scrub.
      journal.failCheckpoints(null);
      fillLogTo(journal, device, MEDIA_RECORD);
      device.uninjectError(device.sectorCount() - 1, 1);
      Files.copy(img, dir.resolve("after-failed-scrub.img"));

      assertThat(device.scrub()).hasSize(ranges);
      Files.copy(img, dir.resolve("crash.img"));
    }
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(Images.config(dir.resolve("after-failed-scrub.img")))) {
      assertThat(DaxFileSystems.device(fs).badblocks()).isEmpty();
    }
    for (Path image : List.of(img, dir.resolve("crash.img"))) {
      try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(image))) {
        assertThat(DaxFileSystems.device(fs).badblocks()).as(image.toString()).hasSize(ranges);
      }
    }
  }

  @Test
  void aChangeLongerThanTheLogWhoseCheckpointFailsHoldsNoOtherRecordBackButWaitsOutABackOff()
      throws Exception {
    Path img = Images.format(dir.resolve("pmem0.img"), 4 << 20);
    int ranges;
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      ImageJournal journal = journalOf(fs);
      PmemDevice device = DaxFileSystems.device(fs);
      journal.retryCheckpointsAfter(TimeUnit.MINUTES.toNanos(10));
      ranges = journal.log().capacity() / MEDIA_RECORD + 100; // a scrub's records overfill it
      for (int i = 0; i < ranges; i++) {
        device.injectLatentError(2L * i, 1);
      }
      journal.failCheckpoints(new IOException("No space left on device"));
      assertThatThrownBy(device::scrub)
          .isInstanceOf(UncheckedIOException.class)
          .satisfies(
              e ->
                  assertThat(e.getCause())
                      .hasMessageContaining("a change longer than the log")
                      .hasMessageNotContaining("ms ago"));

      // Its failure may be its own (a state too large for the image): the next record that needs a
      // checkpoint still tries one, and meets the host's error itself.
      long clean = device.sectorCount() - 1;
      UncheckedIOException full = null;
      while (full == null) {
        try {
          device.uninjectError(clean, 1);
        } catch (UncheckedIOException e) {
          full = e;
        }
      }
      assertThat(full.getCause())
          .hasMessageContaining("the log is full")
          .hasMessageNotContaining("ms ago")
          .hasRootCauseMessage("No space left on device");

      // That failure starts the back-off, which a change longer than the log waits out too.
      assertThatThrownBy(device::scrub)
          .isInstanceOf(UncheckedIOException.class)
          .satisfies(e -> assertThat(e.getCause()).hasMessageContaining("ms ago"));
      assertThat(device.badblocks()).isEmpty();

      journal.failCheckpoints(null);
      assertThat(device.scrub()).hasSize(ranges);
    }
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(DaxFileSystems.device(fs).badblocks()).hasSize(ranges);
    }
  }

  @Test
  void aTruncateWhoseTailHoldsABadSectorFailsWithTheBytesBeforeItIntact() throws Exception {
    Path img = Images.format(dir.resolve("pmem0.img"), 1 << 20);
    byte[] data = new byte[8192];
    java.util.Arrays.fill(data, (byte) 5);
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      Files.write(fs.getPath("/f"), data);
      DaxFiles.injectError(fs.getPath("/f"), 3584, 512);
    }
    // Mounted again: the device knows nothing of which of its pages hold data.
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      ImageJournal journal = journalOf(fs);
      PmemDevice device = DaxFileSystems.device(fs);
      Path f = fs.getPath("/f");
      List<BadBlock> listed = device.badblocks();
      IOException hostFull = new IOException("No space left on device");

      // No room even for the clearing: nothing is zeroed or cleared.
      journal.failCheckpoints(hostFull);
      fillLogTo(journal, device, MEDIA_RECORD);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        assertThatThrownBy(() -> ch.truncate(512)).isInstanceOf(IOException.class);
        assertThat(ch.size()).isEqualTo(8192);
      }
      assertThat(device.badblocks()).isEqualTo(listed);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        assertThat(read(ch, 0, 3584)).isEqualTo(java.util.Arrays.copyOf(data, 3584));
        assertThat(read(ch, 4096, 4096)).isEqualTo(java.util.Arrays.copyOf(data, 4096));
      }

      // Room for the clearing the zeroing needs, not for the truncation after it: the bytes it
      // zeroed are put back.
      journal.failCheckpoints(null);
      device.uninjectError(device.sectorCount() - 1, 1); // a checkpoint: the log is empty again
      journal.failCheckpoints(hostFull);
      fillLogTo(journal, device, 2 * MEDIA_RECORD + 88);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        assertThatThrownBy(() -> ch.truncate(512)).isInstanceOf(IOException.class);
        assertThat(ch.size()).isEqualTo(8192);
      }
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        assertThat(read(ch, 0, 3584)).isEqualTo(java.util.Arrays.copyOf(data, 3584));
        assertThat(read(ch, 4096, 4096)).isEqualTo(java.util.Arrays.copyOf(data, 4096));
      }
      journal.failCheckpoints(null);
    }
  }

  @Test
  void aFullLogWhoseCheckpointFailsFailsTheOperationAndKeepsNothingOfIt() throws Exception {
    Path img = Images.format(dir.resolve("pmem0.img"), 1 << 20); // a 64 KiB log
    IOException hostFull = new IOException("No space left on device");
    Map<String, String> whileFull;
    Map<String, String> afterRoom;
    Map<String, String> atClose;
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      ImageJournal journal = journalOf(fs);
      Path d = Files.createDirectory(fs.getPath("/d"));
      byte[] data = new byte[5000];
      new java.util.Random(7).nextBytes(data);
      Files.write(d.resolve("data"), data);
      journal.failCheckpoints(hostFull);

      fillLog(d);

      // While the host stays full, every operation that needs a record fails and changes nothing.
      long freeBefore = free(fs);
      assertThatThrownBy(() -> Files.delete(d.resolve("f0"))).isInstanceOf(IOException.class);
      assertThat(d.resolve("f0")).exists();
      assertThatThrownBy(() -> Files.move(d.resolve("f1"), d.resolve("moved")))
          .isInstanceOf(IOException.class);
      assertThat(d.resolve("f1")).exists();
      assertThat(d.resolve("moved")).doesNotExist();
      ByteBuffer page = ByteBuffer.allocate(4096);
      try (FileChannel ch = FileChannel.open(d.resolve("f2"), StandardOpenOption.WRITE)) {
        assertThatThrownBy(() -> ch.write(page)).isInstanceOf(IOException.class);
        assertThat(page.position()).as("bytes the failed write took").isZero();
        assertThat(ch.size()).isZero();
      }
      try (FileChannel ch = FileChannel.open(d.resolve("data"), StandardOpenOption.WRITE)) {
        assertThatThrownBy(() -> ch.truncate(100)).isInstanceOf(IOException.class);
        assertThat(ch.size()).isEqualTo(5000);
        // Across the end, inside the blocks the file has: the bytes before the end need no
        // record, and are a short write; the size cannot grow.
        ByteBuffer across = ByteBuffer.wrap(new byte[2000]);
        java.util.Arrays.fill(across.array(), (byte) 7);
        assertThat(ch.write(across, 4000)).isEqualTo(1000);
        assertThat(across.position()).isEqualTo(1000);
        assertThat(ch.size()).isEqualTo(5000);
        java.util.Arrays.fill(data, 4000, 5000, (byte) 7);
      }
      // A write in place needs no record, but SYNC's does: the bytes are written, the call fails
      // and the position stays, as write(2) leaves it when generic_write_sync fails.
      try (FileChannel ch =
          FileChannel.open(d.resolve("data"), StandardOpenOption.WRITE, StandardOpenOption.SYNC)) {
        ch.position(10);
        assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(new byte[] {1})))
            .isInstanceOf(IOException.class);
        assertThat(ch.position()).isEqualTo(10);
        assertThatThrownBy(() -> ch.write(new ByteBuffer[] {ByteBuffer.wrap(new byte[] {2})}))
            .isInstanceOf(IOException.class);
        assertThat(ch.position()).isEqualTo(10);
        data[10] = 2;
      }
      assertThat(Files.readAllBytes(d.resolve("data")))
          .as("a failed truncate puts back the bytes it zeroed")
          .isEqualTo(data);
      var perms = Files.getPosixFilePermissions(d.resolve("data"));
      Object ctime = Files.getAttribute(d.resolve("data"), "unix:ctime");
      Thread.sleep(10); // past the clock's tick, so that a change time the setter moved would show
      assertThatThrownBy(
              () ->
                  Files.setPosixFilePermissions(
                      d.resolve("data"),
                      java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")))
          .isInstanceOf(IOException.class);
      assertThat(Files.getPosixFilePermissions(d.resolve("data"))).isEqualTo(perms);
      assertThat(Files.getAttribute(d.resolve("data"), "unix:ctime")).isEqualTo(ctime);
      assertThat(free(fs)).as("blocks a failed write took and kept").isEqualTo(freeBefore);
      whileFull = TreeSnapshot.of(fs, false);
      Files.copy(img, dir.resolve("crash-while-full.img"));

      // The host has room again: the next record checkpoints what the log held, and goes on.
      journal.failCheckpoints(null);
      Files.createFile(d.resolve("after"));
      Files.delete(d.resolve("f0"));
      try (FileChannel ch = FileChannel.open(d.resolve("f2"), StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.allocate(4096));
      }
      afterRoom = TreeSnapshot.of(fs, false);
      Files.copy(img, dir.resolve("crash-after.img"));
      atClose = TreeSnapshot.of(fs, false);
    }
    assertMountsAs(dir.resolve("crash-while-full.img"), whileFull);
    assertMountsAs(dir.resolve("crash-after.img"), afterRoom);
    assertMountsAs(img, atClose);
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThatThrownBy(() -> Files.size(fs.getPath("/d/f0")))
          .isInstanceOf(NoSuchFileException.class);
      assertThat(Files.size(fs.getPath("/d/f2"))).isEqualTo(4096);
    }
  }
}
