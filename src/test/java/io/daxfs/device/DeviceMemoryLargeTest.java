package io.daxfs.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A device larger than a Java buffer can address: bytes far beyond 2 GiB and copies that cross the
 * 1 GiB chunks the memory is mapped in. Sparse, so only the touched pages cost memory.
 */
class DeviceMemoryLargeTest {
  private static final long SIZE = 6L << 30;

  @Test
  void bytesBeyondTwoGibAndAcrossChunkBoundariesReadBackAsWritten() throws Exception {
    try (DeviceMemory memory =
        DeviceMemory.create(SIZE, Path.of(System.getProperty("java.io.tmpdir")))) {
      byte[] data = new byte[3 * 4096];
      new Random(1).nextBytes(data);
      for (long chunkEnd : new long[] {1L << 30, 3L << 30, 5L << 30}) {
        long off = chunkEnd - 5000; // the copy straddles the end of a chunk
        memory.zero(off - off % 4096, 4 * 4096);
        memory.write(off, ByteBuffer.wrap(data), 0, data.length);
        ByteBuffer back = ByteBuffer.allocate(data.length);
        memory.read(off, back, 0, data.length);
        assertThat(back.array()).as("at %s", off).isEqualTo(data);
        var mapping = memory.map(MapMode.READ_ONLY, off, data.length);
        assertThat(mapping.get(data.length - 1)).isEqualTo(data[data.length - 1]);
      }
      assertThat(memory.committedBytes()).isEqualTo(3 * 4 * 4096);
    }
  }
}
