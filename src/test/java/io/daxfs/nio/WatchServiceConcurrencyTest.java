package io.daxfs.nio;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxFileSystems;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Watch services under threads that change the filesystem while others wait for keys. */
@Timeout(60)
class WatchServiceConcurrencyTest {
  private static final int PRODUCERS = 4;
  private static final int FILES_EACH =
      100; // all creations fit in one key's queue: no overflow can hide one

  @Test
  void aTakerSeesEveryCreationWhileManyThreadsProduceEvents() throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem();
        WatchService watcher = fs.newWatchService()) {
      Path dir = Files.createDirectory(fs.getPath("/dir"));
      Path shared = Files.write(dir.resolve("shared"), new byte[4096]);
      dir.register(watcher, ENTRY_CREATE, ENTRY_MODIFY);
      ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + 1);
      try {
        Future<Set<String>> taker =
            pool.submit(
                () -> {
                  Set<String> created = new HashSet<>();
                  int modifies = 0;
                  while (created.size() < PRODUCERS * FILES_EACH) {
                    WatchKey key = watcher.take();
                    for (WatchEvent<?> e : key.pollEvents()) {
                      assertThat(e.kind()).isNotEqualTo(OVERFLOW);
                      if (e.kind() == ENTRY_CREATE) {
                        assertThat(created.add(e.context().toString()))
                            .as("created once: " + e.context())
                            .isTrue();
                      } else {
                        modifies += e.count();
                      }
                    }
                    assertThat(key.reset()).isTrue();
                  }
                  assertThat(modifies).isPositive();
                  return created;
                });
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> producers = new ArrayList<>();
        for (int t = 0; t < PRODUCERS; t++) {
          int id = t;
          producers.add(
              pool.submit(
                  () -> {
                    start.await();
                    try (FileChannel ch = FileChannel.open(shared, StandardOpenOption.WRITE)) {
                      for (int i = 0; i < FILES_EACH; i++) {
                        Files.createFile(dir.resolve("f" + id + "-" + i));
                        ch.write(
                            ByteBuffer.allocate(1024),
                            (id * 1024L) % 4096); // in-place writes, in parallel
                      }
                    }
                    return null;
                  }));
        }
        start.countDown();
        for (Future<?> p : producers) {
          p.get();
        }
        Set<String> expected = new HashSet<>();
        for (int t = 0; t < PRODUCERS; t++) {
          for (int i = 0; i < FILES_EACH; i++) {
            expected.add("f" + t + "-" + i);
          }
        }
        assertThat(taker.get(30, TimeUnit.SECONDS)).isEqualTo(expected);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void closeWakesEveryThreadWaitingForAKey() throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem()) {
      WatchService watcher = fs.newWatchService();
      fs.getPath("/").register(watcher, ENTRY_CREATE);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        CountDownLatch waiting = new CountDownLatch(4);
        List<Future<Throwable>> waiters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          boolean take = i % 2 == 0;
          waiters.add(
              pool.submit(
                  () -> {
                    waiting.countDown();
                    try {
                      if (take) {
                        watcher.take();
                      } else {
                        watcher.poll(1, TimeUnit.HOURS);
                      }
                      return null;
                    } catch (Throwable t) {
                      return t;
                    }
                  }));
        }
        waiting.await();
        Thread.sleep(100); // let them block
        watcher.close();
        for (Future<Throwable> w : waiters) {
          assertThat(w.get(10, TimeUnit.SECONDS)).isInstanceOf(ClosedWatchServiceException.class);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void closingTheFileSystemWakesAWaitingThread() throws Exception {
    FileSystem fs = DaxFileSystems.newFileSystem();
    WatchService watcher = fs.newWatchService();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch waiting = new CountDownLatch(1);
      Future<Throwable> waiter =
          pool.submit(
              () -> {
                waiting.countDown();
                try {
                  watcher.take();
                  return null;
                } catch (Throwable t) {
                  return t;
                }
              });
      waiting.await();
      Thread.sleep(100);
      fs.close();
      assertThat(waiter.get(10, TimeUnit.SECONDS)).isInstanceOf(ClosedWatchServiceException.class);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aWaitingThreadGetsTheKeyAnotherThreadSignals() throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem();
        WatchService watcher = fs.newWatchService()) {
      WatchKey key = fs.getPath("/").register(watcher, ENTRY_CREATE);
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try {
        Future<WatchKey> taken = pool.submit(watcher::take);
        Thread.sleep(100);
        Files.createFile(fs.getPath("/a"));
        assertThat(taken.get(10, TimeUnit.SECONDS)).isSameAs(key);
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
