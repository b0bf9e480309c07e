package io.daxfs.image;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.BadBlock;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import io.daxfs.MediaErrorModel;
import io.daxfs.PmemDevice;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a program left in an image is there, unchanged, after a close and a new mount. */
class ImageRoundTripTest {
  @TempDir Path dir;

  private DaxConfiguration image(Path img) {
    return DaxConfiguration.builder()
        .image(img)
        .deviceSize(32 << 20)
        .mediaErrorModel(MediaErrorModel.DIRECT_BYPASS)
        .build();
  }

  @Test
  void everyKindOfFileLinkAttributeAndMediaStateSurvivesCloseAndReopen() throws Exception {
    Path img = dir.resolve("pmem0.img");
    Map<String, String> before;
    List<BadBlock> knownBefore;
    long latentSector;
    try (FileSystem fs = DaxFileSystems.newFileSystem(image(img))) {
      Random random = new Random(11);
      Files.createDirectories(fs.getPath("/deep/a/b/c"));
      Files.createDirectory(fs.getPath("/empty"));
      Files.createDirectory(
          fs.getPath("/private"),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      for (int size : new int[] {0, 1, 4095, 4096, 4097, 100_000}) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        Files.write(fs.getPath("/deep/a/file-" + size), b);
      }
      // a sparse file: a hole, then a few bytes a megabyte in
      try (FileChannel ch =
          FileChannel.open(
              fs.getPath("/sparse"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap("far away".getBytes(UTF_8)), (1 << 20) + 5);
      }
      // a hole punched into the middle of a file, and a file cut short
      Files.write(fs.getPath("/punched"), new byte[5 * 4096]);
      DaxFiles.punchHole(fs.getPath("/punched"), 4096, 2 * 4096);
      Files.write(fs.getPath("/cut"), new byte[10_000]);
      try (FileChannel ch = FileChannel.open(fs.getPath("/cut"), StandardOpenOption.WRITE)) {
        ch.truncate(3000);
      }
      // links of every kind
      Files.writeString(fs.getPath("/deep/target"), "linked");
      Files.createLink(fs.getPath("/hard"), fs.getPath("/deep/target"));
      Files.createSymbolicLink(fs.getPath("/relative"), fs.getPath("deep/target"));
      Files.createSymbolicLink(fs.getPath("/absolute"), fs.getPath("/deep/a"));
      Files.createSymbolicLink(fs.getPath("/dangling"), fs.getPath("/nowhere/at/all"));
      // attributes set explicitly
      Path attrs = fs.getPath("/deep/attrs");
      Files.writeString(attrs, "attributes");
      Files.setPosixFilePermissions(attrs, PosixFilePermissions.fromString("r-x-w---x"));
      PosixFileAttributeView view = Files.getFileAttributeView(attrs, PosixFileAttributeView.class);
      var lookup = fs.getUserPrincipalLookupService();
      view.setOwner(lookup.lookupPrincipalByName("alice"));
      view.setGroup(lookup.lookupPrincipalByGroupName("staff"));
      view.setTimes(
          FileTime.fromMillis(1_000_000_000_000L),
          FileTime.fromMillis(1_100_000_000_000L),
          FileTime.fromMillis(900_000_000_000L));
      Files.setAttribute(fs.getPath("/deep/a/b"), "unix:mode", 01777);
      // a file written through a mapping only
      try (FileChannel ch =
          FileChannel.open(
              fs.getPath("/mapped"),
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE)) {
        MappedByteBuffer m = ch.map(MapMode.READ_WRITE, 0, 3 * 4096);
        for (int i = 0; i < m.capacity(); i += 8) {
          m.putLong(i, i * 31L);
        }
        m.force();
      }
      // renamed and removed names
      Files.writeString(fs.getPath("/moved-from"), "moved");
      Files.move(fs.getPath("/moved-from"), fs.getPath("/deep/a/b/c/moved-to"));
      Files.writeString(fs.getPath("/removed"), "gone");
      Files.delete(fs.getPath("/removed"));
      // media state: known bad sectors in a file, latent poison in free space, and an error
      // injected and then cleared by a DIRECT write
      PmemDevice device = DaxFileSystems.device(fs);
      DaxFiles.injectError(fs.getPath("/deep/a/file-100000"), 8192, 1024);
      Path healed = fs.getPath("/deep/a/file-4096");
      DaxFiles.injectError(healed, 0, 512);
      try (FileChannel ch =
          FileChannel.open(healed, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
        ByteBuffer aligned = ByteBuffer.allocateDirect(8192).alignedSlice(4096);
        aligned.limit(4096);
        ch.write(aligned, 0);
      }
      latentSector = device.sectorCount() - 7;
      device.injectLatentError(latentSector, 3);
      knownBefore = device.badblocks();
      before = TreeSnapshot.of(fs);
    }

    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().image(img).build())) {
      assertThat(TreeSnapshot.of(fs)).containsExactlyEntriesOf(before);
      PmemDevice device = DaxFileSystems.device(fs);
      assertThat(device.badblocks()).isEqualTo(knownBefore).hasSize(1);
      assertThat(device.scrub()).containsExactly(new BadBlock(latentSector, 3));
      assertThat(Files.readString(fs.getPath("/relative"))).isEqualTo("linked");
      assertThat(Files.readAttributes(fs.getPath("/hard"), "unix:nlink")).containsEntry("nlink", 2);
      assertThat(DaxFiles.extents(fs.getPath("/sparse")))
          .extracting(FileExtent::logicalOffset)
          .containsExactly(1L << 20);
    }
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().image(img).build())) {
      // what the scrub found is known now, and stays known
      assertThat(DaxFileSystems.device(fs).badblocks()).contains(new BadBlock(latentSector, 3));
    }
  }
}
