package io.daxfs.nio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxFileSystems;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * Runs (under failsafe) against the packaged jar, not the class directories: the multi-release jar
 * itself must give JDK 22+ users the Arena map.
 */
class SegmentMappingJarIT {
  @Test
  void thePackagedJarMapsIntoAnArena() throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem();
        Arena arena = Arena.ofShared()) {
      Path p = fs.getPath("/f");
      try (FileChannel ch = FileChannel.open(p, CREATE, READ, WRITE)) {
        String jar = ch.getClass().getProtectionDomain().getCodeSource().getLocation().getPath();
        assertThat(jar).endsWith(".jar");
        try (JarFile jf = new JarFile(jar)) {
          assertThat(jf.isMultiRelease()).isTrue();
        }
        MemorySegment s = ch.map(MapMode.READ_WRITE, 0, 4096, arena);
        s.set(JAVA_BYTE, 3, (byte) 9);
        ByteBuffer b = ByteBuffer.allocate(4);
        ch.read(b, 0);
        assertThat(b.get(3)).isEqualTo((byte) 9);
      }
    }
  }
}
