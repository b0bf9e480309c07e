package io.daxfs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/**
 * Attribute views reached through {@code Files}, where errors must name the path as the JDK's do.
 */
class AttributeViewsTest {
  @Test
  void changingALinksOwnPermissionsFailsNamingTheLink() throws IOException {
    try (FileSystem fs = DaxFileSystems.newFileSystem()) {
      Path target = Files.createFile(fs.getPath("/target"));
      Path link = Files.createSymbolicLink(fs.getPath("/link"), target);
      PosixFileAttributeView view =
          Files.getFileAttributeView(link, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      assertThatThrownBy(() -> view.setPermissions(PosixFilePermissions.fromString("rwx------")))
          .isInstanceOfSatisfying(
              FileSystemException.class, e -> assertThat(e.getFile()).isEqualTo("/link"));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
          .isEqualTo("rw-r--r--");
    }
  }
}
