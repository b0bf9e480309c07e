package io.daxfs.cli;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.image.ImageCheck;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Images as files of the host: daxfs filesystems on image-backed devices. */
enum ImageFiles implements Images {
  INSTANCE;

  @Override
  public Mount create(Path image, DaxConfiguration config) throws IOException {
    if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(image.toString());
    }
    return mountOf(DaxFileSystems.newFileSystem(config.toBuilder().image(image).build()));
  }

  @Override
  public Mount mount(Path image, boolean readOnly) throws IOException {
    return mountOf(
        DaxFileSystems.newFileSystem(
            DaxConfiguration.builder().image(image).readOnly(readOnly).build()));
  }

  @Override
  public CheckReport check(Path image, boolean repair) throws IOException {
    ImageCheck.Report r = ImageCheck.run(image, repair);
    return new CheckReport(r.problems(), r.repaired(), r.notes());
  }

  private static Mount mountOf(FileSystem fs) {
    return new Mount() {
      @Override
      public FileSystem fs() {
        return fs;
      }

      @Override
      public void close() throws IOException {
        fs.close();
      }
    };
  }
}
