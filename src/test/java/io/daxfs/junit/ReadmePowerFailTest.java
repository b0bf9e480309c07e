package io.daxfs.junit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.PowerFailModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;

/** The README's power-failure example, as written there. */
@DaxTest(powerFailModel = PowerFailModel.STRICT)
class ReadmePowerFailTest {
  @PowerFailTest(count = 100) // one run per seed: "seed 17"
  void acknowledgedRecordsSurvive(Path dir, PowerCut power) throws IOException {
    Path log = dir.resolve("log");
    try (FileChannel ch = FileChannel.open(log, CREATE_NEW, APPEND)) {
      ch.write(ByteBuffer.wrap("record\n".getBytes(UTF_8)));
      ch.force(false); // fdatasync: the size
    }
    try (FileChannel d = FileChannel.open(dir, READ)) {
      d.force(true); // fsync the directory: the name
    }
    FileSystem after = power.cut(); // what a restart finds
    assertThat(Files.readString(after.getPath(log.toString()))).isEqualTo("record\n");
  }
}
