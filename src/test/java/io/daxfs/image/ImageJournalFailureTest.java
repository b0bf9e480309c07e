package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.fs.Volume;
import io.daxfs.nio.DaxFileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host refuses the checkpoint a full log needs (its disk is full): the operation that needed
 * the room fails with an {@link IOException}, nothing of it reaches the volume or the image, and
 * once the host has room again the image carries on. A crash at any of these points leaves an image
 * that mounts with exactly the operations that returned.
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

      // Creates fill the log until one needs the checkpoint the host refuses.
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
      assertThat(Files.readAllBytes(d.resolve("data")))
          .as("a failed truncate puts back the bytes it zeroed")
          .isEqualTo(data);
      var perms = Files.getPosixFilePermissions(d.resolve("data"));
      assertThatThrownBy(
              () ->
                  Files.setPosixFilePermissions(
                      d.resolve("data"),
                      java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")))
          .isInstanceOf(IOException.class);
      assertThat(Files.getPosixFilePermissions(d.resolve("data"))).isEqualTo(perms);
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
