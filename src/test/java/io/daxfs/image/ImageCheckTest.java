package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxfs.CorruptImageException;
import io.daxfs.DaxFileSystems;
import io.daxfs.fs.Errno;
import java.io.RandomAccessFile;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check} finds what is wrong with an image at rest; {@code check --repair} recovers it. */
class ImageCheckTest {
  @TempDir Path dir;
  private Path img;
  private Map<String, String> expected;

  @BeforeEach
  void image() throws Exception {
    img = Images.populated(dir.resolve("pmem0.img"));
    expected = snapshot(img);
  }

  private static Map<String, String> snapshot(Path img) throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.readOnly(img))) {
      return TreeSnapshot.of(fs);
    }
  }

  @Test
  void aHealthyImageIsClean() throws Exception {
    ImageCheck.Report report = ImageCheck.run(img, false);
    assertThat(report.clean()).isTrue();
    assertThat(report.problems()).isEmpty();
    assertThat(report.notes()).isEmpty();
    assertThat(ImageCheck.run(img, true).repaired()).isEmpty();
    assertThat(snapshot(img)).isEqualTo(expected);
  }

  @Test
  void aDamagedOlderSuperblockIsReportedAndRewritten() throws Exception {
    Superblock sb = Images.superblock(img);
    long older = (long) (1 - sb.slot()) * Superblock.SLOT_SIZE;
    Images.flipBit(img, older + 20, 3);
    ImageCheck.Report found = ImageCheck.run(img, false);
    assertThat(found.clean()).isFalse();
    assertThat(found.problems())
        .singleElement()
        .asString()
        .contains("is damaged: checksum mismatch");
    ImageCheck.Report repaired = ImageCheck.run(img, true);
    assertThat(repaired.repaired())
        .singleElement()
        .asString()
        .contains("wrote checkpoint generation");
    assertThat(ImageCheck.run(img, false).clean()).isTrue();
    assertThat(snapshot(img)).isEqualTo(expected);
  }

  @Test
  void aDamagedNewestSuperblockIsRecoveredFromItsCheckpoint() throws Exception {
    Superblock sb = Images.superblock(img);
    Images.flipBit(img, (long) sb.slot() * Superblock.SLOT_SIZE + 30, 1);
    assertThatThrownBy(() -> DaxFileSystems.newFileSystem(Images.config(img)))
        .isInstanceOf(CorruptImageException.class)
        .hasMessageContaining("newer than the superblock's epoch");
    ImageCheck.Report report = ImageCheck.run(img, true);
    assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains("is damaged"));
    assertThat(report.repaired())
        .anySatisfy(r -> assertThat(r).contains("used checkpoint generation " + sb.generation()));
    assertThat(ImageCheck.run(img, false).problems()).isEmpty();
    assertThat(snapshot(img)).isEqualTo(expected);
  }

  @Test
  void aDamagedCheckpointFallsBackToAnOlderOneAndSaysSo() throws Exception {
    Superblock sb = Images.superblock(img);
    Images.flipBit(img, sb.checkpointOffset() + 100, 0);
    ImageCheck.Report found = ImageCheck.run(img, false);
    assertThat(found.problems()).anySatisfy(p -> assertThat(p).contains("checksum mismatch"));
    ImageCheck.Report report = ImageCheck.run(img, true);
    assertThat(report.repaired())
        .anySatisfy(r -> assertThat(r).contains("instead of the damaged one"));
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(Files.isDirectory(fs.getPath("/"))).isTrue(); // an older state: mountable
    }
    assertThat(ImageCheck.run(img, false).clean()).isTrue();
  }

  @Test
  void damageInTheMiddleOfTheLogKeepsTheRecordsBeforeIt() throws Exception {
    // A copy taken while the filesystem is mounted is what a crash leaves: records in the log.
    Path crashed = dir.resolve("crashed.img");
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      for (int i = 0; i < 20; i++) {
        Files.writeString(fs.getPath("/new-" + i), "record " + i);
      }
      Files.copy(img, crashed, StandardCopyOption.REPLACE_EXISTING);
    }
    Superblock sb = Images.superblock(crashed);
    ImageLog log =
        new ImageLog(Images.mapped(crashed, sb.logOffset(), sb.logCapacity()), sb.logOffset());
    ImageLog.Scan scan = log.scan(sb.epoch());
    ImageLog.Entry middle = scan.entries().get(scan.entries().size() / 2);
    Images.flipBit(crashed, sb.logOffset() + middle.payloadFrom(), 2);
    assertThatThrownBy(() -> DaxFileSystems.newFileSystem(Images.config(crashed)))
        .isInstanceOf(CorruptImageException.class)
        .hasMessageContaining("is damaged, but record " + (middle.sequence() + 1) + " follows");
    ImageCheck.Report report = ImageCheck.run(crashed, true);
    assertThat(report.repaired())
        .anySatisfy(r -> assertThat(r).contains("dropped the log of epoch " + sb.epoch()));
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(crashed))) {
      assertThat(Files.readString(fs.getPath("/new-0"))).isEqualTo("record 0");
      assertThat(fs.getPath("/new-19")).doesNotExist();
    }
  }

  @Test
  void aTruncatedImageIsExtendedAndWhatWasCutOffSaid() throws Exception {
    Superblock sb = Images.superblock(img);
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.setLength(sb.imageLength() - 1);
    }
    ImageCheck.Report found = ImageCheck.run(img, false);
    assertThat(found.problems()).singleElement().asString().contains("the image is truncated");
    ImageCheck.Report report = ImageCheck.run(img, true);
    assertThat(report.repaired()).first().asString().startsWith("extended the image");
    assertThat(ImageCheck.run(img, false).clean()).isTrue();
  }

  @Test
  void aMountedImageIsBusyAndAMissingOneDoesNotExist() throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(fs.isOpen()).isTrue();
      assertThatThrownBy(() -> ImageCheck.run(img, false))
          .isInstanceOf(FileSystemException.class)
          .hasMessage(img + ": " + Errno.EBUSY);
    }
    assertThatThrownBy(() -> ImageCheck.run(dir.resolve("missing.img"), false))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void nothingReadableIsACorruptImage() throws Exception {
    Images.write(img, 0, new byte[2 * Superblock.SLOT_SIZE]);
    assertThatThrownBy(() -> ImageCheck.run(img, true))
        .isInstanceOf(CorruptImageException.class)
        .hasMessageContaining("no valid superblock");
  }
}
