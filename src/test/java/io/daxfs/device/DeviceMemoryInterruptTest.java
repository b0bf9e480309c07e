package io.daxfs.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A JDK file channel closes itself when a thread using it is interrupted. The device's backing
 * file is unlinked, so that would lose the device: an interrupted caller must not be able to.
 */
class DeviceMemoryInterruptTest {
  private final DeviceMemory memory;

  DeviceMemoryInterruptTest() throws Exception {
    memory = DeviceMemory.create(16 << 20, Path.of(System.getProperty("java.io.tmpdir")));
  }

  @AfterEach
  void tearDown() throws Exception {
    Thread.interrupted();
    memory.close();
  }

  @Test
  void anInterruptedCallerCommitsAndMapsAndTheDeviceLivesOn() throws Exception {
    Thread.currentThread().interrupt();
    memory.zero(0, 1 << 20); // commits through the backing channel
    var mapping = memory.map(MapMode.READ_WRITE, 0, 4096);
    assertThat(Thread.currentThread().isInterrupted()).as("the caller's interrupt status is kept").isTrue();
    Thread.interrupted();

    memory.zero(2 << 20, 1 << 20); // the backing channel is still open
    mapping.put(0, (byte) 9);
    ByteBuffer one = ByteBuffer.allocate(1);
    memory.read(0, one, 0, 1);
    assertThat(one.get(0)).isEqualTo((byte) 9);
    assertThat(memory.committedBytes()).isEqualTo(2 << 20);
  }
}
