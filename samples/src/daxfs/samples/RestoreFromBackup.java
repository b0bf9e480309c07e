package daxfs.samples;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.MediaErrorModel;
import io.daxfs.PmemDevice;
import java.io.PrintStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * The other repair of the 2016 thread, and the only one Linux 4.7 to 5.18 offers ({@code
 * CLEAR_ON_ZERO}): delete the damaged file and write it again from a backup with plain writes. The
 * freed blocks are given out again, and a filesystem zeroes every block it allocates through the
 * driver, which clears the poison.
 */
public final class RestoreFromBackup implements Sample {
  @Override
  public String title() {
    return "Restore from a backup: delete the damaged file, write it again, the media is clean";
  }

  @Override
  public void run(PrintStream out) throws Exception {
    DaxConfiguration config =
        DaxConfiguration.builder()
            .deviceSize(16 << 20)
            .mediaErrorModel(MediaErrorModel.CLEAR_ON_ZERO)
            .build();
    try (FileSystem fs = DaxFileSystems.newFileSystem(config);
        FileSystem backupFs = DaxFileSystems.newFileSystem()) {
      PmemDevice device = DaxFileSystems.device(fs);
      out.printf(
          "model %s (Linux 4.7 to 5.18): no write clears poison in place%n",
          device.mediaErrorModel());
      byte[] photos = new byte[4 * 4096];
      new Random(2).nextBytes(photos);
      Path file = Files.createDirectories(fs.getPath("/srv")).resolve("photos.db");
      Path backup = backupFs.getPath("/photos.db");
      Files.write(file, photos);
      Files.write(backup, photos);
      List<FileExtent> before = DaxFiles.extents(file);
      out.printf(
          "wrote %s (%d bytes) and a backup on another device; extents: %s%n",
          file, photos.length, describe(before, device.sectorSize()));

      DaxFiles.injectError(file, 5000, 1);
      DaxFiles.injectError(file, 13000, 1000);
      out.printf(
          "injected media errors; the device's badblocks: %s, the file lost %s%n",
          device.badblocks(), DaxFiles.badRanges(file));
      Check.that(
          DaxFiles.badRanges(file)
              .equals(List.of(new FileRange(4608, 512), new FileRange(12800, 1536))),
          "the file lost [4608, 5120) and [12800, 14336)");

      try {
        Files.readAllBytes(file);
        Check.that(false, "reading the damaged file fails");
      } catch (MediaErrorException e) {
        out.println("reading the file fails: " + e.getMessage());
      }

      Files.delete(file);
      out.printf(
          "deleted %s; its blocks are free, but still bad: badblocks %s%n",
          file, device.badblocks());
      Check.that(device.badblocks().size() == 2, "freeing blocks does not clear them");

      Files.copy(backup, file);
      List<FileExtent> after = DaxFiles.extents(file);
      out.printf(
          "copied the backup in with plain writes; extents: %s%n",
          describe(after, device.sectorSize()));
      Check.that(after.equals(before), "the new file got the same device blocks");
      out.printf(
          "same device blocks, zeroed through the driver as they were allocated: badblocks %s%n",
          device.badblocks());
      Check.that(device.badblocks().isEmpty(), "allocation zeroing cleared the bad sectors");

      byte[] back = Files.readAllBytes(file);
      Check.that(Arrays.equals(back, photos), "the restored file equals the backup");
      out.printf("the restored file reads cleanly (%d bytes, equal to the backup)%n", back.length);
    }
  }

  /** Each extent as "file range @ device sectors". */
  private static String describe(List<FileExtent> extents, int sectorSize) {
    return extents.stream()
        .map(
            e ->
                e.fileRange()
                    + " at sectors "
                    + e.physicalOffset() / sectorSize
                    + ".."
                    + ((e.physicalOffset() + e.length()) / sectorSize - 1))
        .collect(Collectors.joining(", "));
  }
}
