package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSmokeTest {
  @TempDir Path dir;

  @Test
  void formatsWritesAndReopens() throws Exception {
    Path img = dir.resolve("pmem0.img");
    DaxConfiguration c = DaxConfiguration.builder().image(img).deviceSize(64 << 20).build();
    try (FileSystem fs = DaxFileSystems.newFileSystem(c)) {
      Files.createDirectories(fs.getPath("/a/b"));
      Files.writeString(fs.getPath("/a/b/hello"), "hello, pmem");
      Files.createSymbolicLink(fs.getPath("/link"), fs.getPath("a/b/hello"));
    }
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().image(img).build())) {
      assertThat(Files.readString(fs.getPath("/a/b/hello"))).isEqualTo("hello, pmem");
      assertThat(Files.readString(fs.getPath("/link"))).isEqualTo("hello, pmem");
      assertThat(DaxFileSystems.device(fs).size()).isEqualTo(64 << 20);
    }
  }
}
