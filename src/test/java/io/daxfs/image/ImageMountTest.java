package io.daxfs.image;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxfs.BadBlock;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.MediaErrorException;
import io.daxfs.MediaErrorModel;
import io.daxfs.PowerFailModel;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How an image is mounted: its own geometry, read-only inspection, a scrub at mount. */
class ImageMountTest {
  @TempDir Path dir;

  @Test
  void anExistingImageMountsWithItsOwnGeometry() throws Exception {
    Path img = dir.resolve("pmem0.img");
    DaxConfiguration made =
        DaxConfiguration.builder()
            .image(img)
            .deviceSize(8 << 20)
            .blockSize(8192)
            .sectorSize(4096)
            .mediaErrorModel(MediaErrorModel.RECOVERY_WRITE)
            .build();
    DaxFileSystems.newFileSystem(made).close();
    try (FileSystem fs =
        FileSystems.newFileSystem(URI.create("dax://geometry"), Map.of("image", img.toString()))) {
      var device = DaxFileSystems.device(fs);
      assertThat(device.size()).isEqualTo(8 << 20);
      assertThat(device.sectorSize()).isEqualTo(4096);
      assertThat(device.mediaErrorModel()).isEqualTo(MediaErrorModel.RECOVERY_WRITE);
      assertThat(Files.getFileStore(fs.getPath("/")).getBlockSize()).isEqualTo(4096);
    }
    // the same values given explicitly agree with the image
    DaxFileSystems.newFileSystem(made).close();
  }

  @Test
  void anExplicitSettingThatContradictsTheImageNamesBothValues() throws Exception {
    Path img = dir.resolve("pmem0.img");
    DaxFileSystems.newFileSystem(DaxConfiguration.builder().image(img).deviceSize(8 << 20).build())
        .close();
    assertThatThrownBy(
            () ->
                DaxFileSystems.newFileSystem(
                    DaxConfiguration.builder().image(img).deviceSize(16 << 20).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "deviceSize 16777216 contradicts the image " + img + ", whose deviceSize is 8388608");
    assertThatThrownBy(
            () ->
                FileSystems.newFileSystem(
                    URI.create("dax://conflict"),
                    Map.of("image", img.toString(), "blockSize", "8192")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blockSize 8192")
        .hasMessageContaining("whose blockSize is 4096");
    assertThatThrownBy(
            () ->
                DaxFileSystems.newFileSystem(
                    DaxConfiguration.builder().image(img).sectorSize(4096).build()))
        .hasMessageContaining("sectorSize 4096");
    assertThatThrownBy(
            () ->
                DaxFileSystems.newFileSystem(
                    DaxConfiguration.builder()
                        .image(img)
                        .mediaErrorModel(MediaErrorModel.CLEAR_ON_ZERO)
                        .build()))
        .hasMessageContaining("mediaErrorModel CLEAR_ON_ZERO")
        .hasMessageContaining("whose mediaErrorModel is DIRECT_BYPASS");
    // refused before anything was touched: the image mounts as it was
    DaxFileSystems.newFileSystem(Images.config(img)).close();
  }

  @Test
  void aReadOnlyMountReadsAndRefusesEveryChange() throws Exception {
    Path img = Images.populated(dir.resolve("pmem0.img"));
    Map<String, String> before;
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.readOnly(img))) {
      before = TreeSnapshot.of(fs);
      assertThat(fs.isReadOnly()).isTrue();
      assertThat(Files.getFileStore(fs.getPath("/")).isReadOnly()).isTrue();
      Path app = fs.getPath("/etc/conf.d/app");
      assertThat(Files.readString(app)).isEqualTo("key=value\n");
      List<ThrowingRunnable> changes =
          List.of(
              () -> Files.createFile(fs.getPath("/new")),
              () -> Files.writeString(app, "x"),
              () -> FileChannel.open(app, WRITE).close(),
              () -> FileChannel.open(app, APPEND).close(),
              () -> FileChannel.open(fs.getPath("/new"), CREATE, WRITE).close(),
              () -> Files.delete(app),
              () -> Files.createDirectory(fs.getPath("/d")),
              () -> Files.createSymbolicLink(fs.getPath("/s"), app),
              () -> Files.createLink(fs.getPath("/h"), app),
              () -> Files.move(app, fs.getPath("/moved")),
              () -> Files.copy(app, fs.getPath("/copied")),
              () -> Files.setLastModifiedTime(app, FileTime.fromMillis(0)),
              () -> Files.setAttribute(app, "posix:permissions", java.util.Set.of()),
              () ->
                  Files.setOwner(
                      app, fs.getUserPrincipalLookupService().lookupPrincipalByName("bob")),
              () -> DaxFiles.punchHole(app, 0, 4096));
      for (ThrowingRunnable change : changes) {
        assertThatThrownBy(change::run).isInstanceOf(ReadOnlyFileSystemException.class);
      }
      assertThat(TreeSnapshot.of(fs)).isEqualTo(before);
    }
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.readOnly(img))) {
      assertThat(TreeSnapshot.of(fs)).isEqualTo(before);
    }
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void mediaErrorsMetByAReadOnlyMountAreNotWrittenBack() throws Exception {
    Path img = dir.resolve("pmem0.img");
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      Files.write(fs.getPath("/data"), new byte[8192]);
      DaxFiles.injectLatentError(fs.getPath("/data"), 4096, 512);
    }
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.readOnly(img))) {
      assertThatThrownBy(() -> Files.readAllBytes(fs.getPath("/data")))
          .isInstanceOf(MediaErrorException.class);
      assertThat(DaxFileSystems.device(fs).badblocks()).hasSize(1); // known here, in memory
    }
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(DaxFileSystems.device(fs).badblocks()).isEmpty(); // still latent in the image
      assertThat(DaxFiles.badRanges(fs.getPath("/data"))).isEmpty();
    }
  }

  @Test
  void aScrubAtMountMakesLatentPoisonKnownAsAddressRangeScrubDoesAtBoot() throws Exception {
    Path img = dir.resolve("pmem0.img");
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      Files.write(fs.getPath("/data"), new byte[8192]);
      DaxFiles.injectLatentError(fs.getPath("/data"), 1024, 1024);
    }
    try (FileSystem fs =
        FileSystems.newFileSystem(
            URI.create("dax://scrubbed"), Map.of("image", img.toString(), "scrub", "true"))) {
      assertThat(DaxFileSystems.device(fs).badblocks()).hasSize(1);
      assertThat(DaxFiles.badRanges(fs.getPath("/data")))
          .singleElement()
          .hasToString("[1024, 2048)");
    }
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(DaxFileSystems.device(fs).badblocks())
          .extracting(BadBlock::count)
          .containsExactly(2L);
    }
  }

  @Test
  void aReadOnlyMountOfAMissingImageFindsNoFileAndCreatesNone() {
    Path img = dir.resolve("missing.img");
    assertThatThrownBy(() -> DaxFileSystems.newFileSystem(Images.readOnly(img)))
        .isInstanceOf(NoSuchFileException.class);
    assertThat(img).doesNotExist();
  }

  @Test
  void readOnlyAndScrubNeedAnImage() {
    assertThatThrownBy(() -> DaxConfiguration.builder().readOnly(true).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("readOnly applies to an image");
    assertThatThrownBy(() -> DaxConfiguration.fromEnvironment(Map.of("scrub", "true")))
        .hasMessageContaining("scrubAtMount applies to an image");
    assertThatThrownBy(
            () -> DaxConfiguration.fromEnvironment(Map.of("image", "x.img", "readOnly", "yes")))
        .hasMessageContaining("readOnly: not true or false: 'yes'");
  }

  @Test
  void aPowerFailModelIsTakenOnAWritableImage() {
    DaxConfiguration c =
        DaxConfiguration.fromEnvironment(Map.of("image", "x.img", "powerFailModel", "STRICT"));
    assertThat(c.powerFailModel()).contains(PowerFailModel.STRICT);
    assertThat(c.image()).contains(Path.of("x.img"));
    assertThatThrownBy(
            () ->
                DaxConfiguration.fromEnvironment(
                    Map.of("image", "x.img", "powerFailModel", "STRICT", "readOnly", "true")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("powerFailModel applies to a writable filesystem");
  }

  @Test
  void theBuilderKnowsWhichSettingsWereGiven() {
    DaxConfiguration c = DaxConfiguration.builder().deviceSize(1 << 30).build();
    assertThat(c.explicitSettings()).containsExactly(DaxConfiguration.DEVICE_SIZE);
    assertThat(DaxConfiguration.defaults().explicitSettings()).isEmpty();
    assertThat(c.toBuilder().build()).isEqualTo(c);
    assertThat(
            DaxConfiguration.fromEnvironment(Map.of("image", "a.img", "sectorSize", "4096"))
                .explicitSettings())
        .containsExactlyInAnyOrder(DaxConfiguration.IMAGE, DaxConfiguration.SECTOR_SIZE);
  }
}
