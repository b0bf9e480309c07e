package io.daxfs.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A JDK file channel closes itself when a thread using it is interrupted. The device's backing file
 * is unlinked, so that would lose the device: no interrupt, whenever it comes, may.
 */
class DeviceMemoryInterruptTest {
  private static final int REGION = 64 << 10;
  private final DeviceMemory memory;

  DeviceMemoryInterruptTest() throws Exception {
    memory = DeviceMemory.create(32 << 20, Path.of(System.getProperty("java.io.tmpdir")));
  }

  @AfterEach
  void tearDown() throws Exception {
    Thread.interrupted();
    memory.close();
  }

  @Test
  void anInterruptedCallerCommitsAndMapsAndTheDeviceLivesOn() throws Exception {
    Thread.currentThread().interrupt();
    memory.zero(0, 1 << 20); // commits through the backing file
    var mapping = memory.map(MapMode.READ_WRITE, 0, 4096);
    assertThat(Thread.currentThread().isInterrupted())
        .as("the caller's interrupt status is kept")
        .isTrue();
    Thread.interrupted();

    memory.zero(2 << 20, 1 << 20); // the backing file is still open
    mapping.put(0, (byte) 9);
    ByteBuffer one = ByteBuffer.allocate(1);
    memory.read(0, one, 0, 1);
    assertThat(one.get(0)).isEqualTo((byte) 9);
    assertThat(memory.committedBytes()).isEqualTo(2 << 20);
  }

  /**
   * Interrupts that land while a mapping or a commit is under way (not only before it) close the
   * channel inside the JDK; the device must carry on with every byte.
   */
  @Test
  void interruptsDuringMapsAndCommitsNeverLoseTheDevice() throws Exception {
    int workers = 2;
    int regionsEach = 100;
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      int worker = w;
      threads.add(
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < regionsEach; i++) {
                    long off = (long) (worker * regionsEach + i) * REGION;
                    memory.zero(off, REGION);
                    for (int m = 0; m < 5; m++) {
                      MappedByteBuffer map = memory.map(MapMode.READ_WRITE, off, 4096);
                      map.putLong(m * 8, off + m);
                    }
                  }
                } catch (Throwable t) {
                  failures.add(t);
                }
              },
              "mapper-" + w));
    }
    Thread interrupter =
        new Thread(
            () -> {
              while (!done.get()) {
                threads.forEach(Thread::interrupt);
                Thread.onSpinWait();
              }
            },
            "interrupter");
    threads.forEach(Thread::start);
    interrupter.start();
    for (Thread t : threads) {
      t.join();
    }
    done.set(true);
    interrupter.join();

    assertThat(failures).as("failures of mappings and commits under interrupts").isEmpty();
    ByteBuffer word = ByteBuffer.allocate(8);
    for (long off = 0; off < (long) workers * regionsEach * REGION; off += REGION) {
      for (int m = 0; m < 5; m++) {
        memory.read(off + m * 8, word, 0, 8);
        assertThat(word.getLong(0)).as("the word at %d", off + m * 8).isEqualTo(off + m);
      }
    }
    MappedByteBuffer again = memory.map(MapMode.READ_ONLY, 0, 4096);
    assertThat(again.getLong(8)).as("a mapping made after the storm").isEqualTo(1);
    memory.zero((long) workers * regionsEach * REGION, REGION);
    assertThat(memory.committedBytes()).isEqualTo((long) (workers * regionsEach + 1) * REGION);
  }
}
