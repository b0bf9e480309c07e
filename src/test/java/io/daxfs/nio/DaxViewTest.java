package io.daxfs.nio;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read-only {@code dax} attribute view: statx's STATX_ATTR_DAX in NIO form. */
class DaxViewTest {
  @TempDir Path tmp;
  private FileSystem fs;

  @BeforeEach
  void setUp() throws IOException {
    fs = DaxFileSystems.newFileSystem();
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  @Test
  void regularFilesAreDaxDirectoriesAndLinksAreNot() throws IOException {
    Path dir = Files.createDirectory(fs.getPath("/d"));
    Path file = Files.write(dir.resolve("f"), new byte[10]);
    Path link = Files.createSymbolicLink(fs.getPath("/l"), file);
    assertThat(Files.getAttribute(file, "dax:isDax")).isEqualTo(Boolean.TRUE);
    assertThat(Files.getAttribute(dir, "dax:isDax")).isEqualTo(Boolean.FALSE);
    assertThat(Files.getAttribute(fs.getPath("/"), "dax:isDax")).isEqualTo(Boolean.FALSE);
    assertThat(Files.getAttribute(link, "dax:isDax", NOFOLLOW_LINKS)).isEqualTo(Boolean.FALSE);
    assertThat(Files.getAttribute(link, "dax:isDax")).isEqualTo(Boolean.TRUE);
    assertThat(Files.readAttributes(file, "dax:*")).isEqualTo(Map.of("isDax", true));
    assertThat(Files.readAttributes(dir, "dax:isDax,*")).isEqualTo(Map.of("isDax", false));
  }

  @Test
  void theViewIsListedByTheFileSystemAndTheStore() throws IOException {
    assertThat(fs.supportedFileAttributeViews()).contains("dax");
    assertThat(Files.getFileStore(fs.getPath("/")).supportsFileAttributeView("dax")).isTrue();
  }

  @Test
  void unknownNamesAndMissingFilesFailAsForTheJdksViews() throws IOException {
    Path file = Files.write(fs.getPath("/f"), new byte[1]);
    assertThatThrownBy(() -> Files.getAttribute(file, "dax:size"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'size' not recognized");
    assertThatThrownBy(() -> Files.getAttribute(fs.getPath("/missing"), "dax:isDax"))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void settingItFailsAsSettingAReadOnlyAttributeFailsOnTheHost() throws IOException {
    Path file = Files.write(fs.getPath("/f"), new byte[1]);
    Path host = Files.write(tmp.resolve("f"), new byte[1]);
    Throwable jdk = catchThrowable(() -> Files.setAttribute(host, "basic:size", 5L));
    Throwable dax = catchThrowable(() -> Files.setAttribute(file, "dax:isDax", false));
    assertThat(dax).isExactlyInstanceOf(jdk.getClass()).hasMessage("'dax:isDax' not recognized");
    assertThat(jdk).hasMessage("'basic:size' not recognized");
    assertThat(Files.getAttribute(file, "dax:isDax")).isEqualTo(Boolean.TRUE);
    // the name is checked first, as the JDK does: a missing file still gets the same exception
    assertThatThrownBy(() -> Files.setAttribute(fs.getPath("/missing"), "dax:isDax", true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void otherProvidersDoNotHaveTheView() throws IOException {
    Path host = Files.write(tmp.resolve("f"), new byte[1]);
    assertThatThrownBy(() -> Files.getAttribute(host, "dax:isDax"))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
