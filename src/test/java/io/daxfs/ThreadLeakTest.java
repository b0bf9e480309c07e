package io.daxfs;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What the thread-leak checkers of Lucene, Solr, Elasticsearch and OpenSearch demand after each
 * suite: no thread started during it is still alive once it has closed what it opened. And what
 * they do next, interrupting the threads they think leaked, must not hurt a filesystem in use.
 */
class ThreadLeakTest {
  /**
   * The threads of the executor the test gives to asynchronous channels: the test's, not daxfs's.
   */
  private static final String USER_POOL = "user-executor";

  @Test
  @SuppressWarnings(
      "try") // the first filesystem is closed inside the try on purpose, while the second is open
  void nothingDaxfsStartedOutlivesTheFilesystemsThatStartedIt() throws Exception {
    Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
    ExecutorService userPool = Executors.newFixedThreadPool(2, r -> new Thread(r, USER_POOL));
    try {
      for (int round = 0; round < 2; round++) { // the second round starts everything again
        try (FileSystem fs = DaxFileSystems.newFileSystem()) {
          useEverything(fs, userPool);
        }
        assertThat(startedSince(before))
            .as("round %d: threads alive right after the close", round)
            .containsOnly(USER_POOL);
      }
      try (FileSystem first = DaxFileSystems.newFileSystem();
          FileSystem second = DaxFileSystems.newFileSystem()) {
        useEverything(first, userPool);
        first.close();
        useEverything(
            second, userPool); // what the first filesystem's close ended, the second still has
      }
      assertThat(startedSince(before))
          .as("threads alive after two filesystems closed")
          .containsOnly(USER_POOL);
      assertThat(userPool.isShutdown())
          .as("the executor a program gave is the program's")
          .isFalse();
    } finally {
      userPool.shutdown();
      assertThat(userPool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().equals(USER_POOL)) {
          t.join(); // terminated is not yet dead
        }
      }
    }
    assertThat(startedSince(before)).as("threads alive after the suite").isEmpty();
  }

  @Test
  void aPowerCutEndsTheThreadsOfTheFilesystemThatLostPower() throws Exception {
    Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
    ExecutorService userPool = Executors.newFixedThreadPool(2, r -> new Thread(r, USER_POOL));
    try {
      FileSystem fs =
          DaxFileSystems.newFileSystem(
              DaxConfiguration.builder().powerFailModel(PowerFailModel.STRICT).build());
      useEverything(fs, userPool);
      try (FileSystem after = DaxFileSystems.powerFail(fs, 1)) {
        assertThat(startedSince(before))
            .as("threads alive right after the cut: the restarted filesystem's clock and device")
            .doesNotContain("daxfs-async-io")
            .allMatch(
                name ->
                    name.equals(USER_POOL)
                        || name.equals("daxfs-clock")
                        || name.equals("daxfs-media-errors"));
        useEverything(after, userPool);
      }
      assertThat(startedSince(before)).containsOnly(USER_POOL);
    } finally {
      userPool.shutdown();
      assertThat(userPool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void closeDeliversPendingAsynchronousResultsBeforeItReturns() throws Exception {
    Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
    ConcurrentLinkedQueue<Object> outcomes = new ConcurrentLinkedQueue<>();
    int operations = 200;
    FileSystem fs = DaxFileSystems.newFileSystem();
    Path file = fs.getPath("/f");
    AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, CREATE, READ, WRITE);
    for (int i = 0; i < operations; i++) {
      ch.write(
          ByteBuffer.wrap(new byte[4096]),
          i * 4096L,
          null,
          new CompletionHandler<Integer, Void>() {
            @Override
            public void completed(Integer result, Void attachment) {
              outcomes.add(result);
            }

            @Override
            public void failed(Throwable exc, Void attachment) {
              outcomes.add(exc);
            }
          });
    }
    fs.close();

    assertThat(outcomes)
        .as("every operation's handler ran before close returned")
        .hasSize(operations);
    assertThat(outcomes)
        .allSatisfy(
            o ->
                assertThat(o)
                    .satisfiesAnyOf(
                        done -> assertThat(done).isEqualTo(4096),
                        failed ->
                            assertThat(failed).isInstanceOf(AsynchronousCloseException.class)));
    assertThat(startedSince(before)).isEmpty();
    Future<Integer> late = ch.write(ByteBuffer.allocate(1), 0);
    assertThat(late)
        .failsWithin(10, TimeUnit.SECONDS)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(ClosedChannelException.class);
  }

  @Test
  @SuppressWarnings("try") // the listener's registration is held open, never used by name
  void anIdleFilesystemRunsNoThreadEvenAfterItsThreadsWereInterrupted() throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem()) {
      Path file = fs.getPath("/f");
      CountDownLatch heard = new CountDownLatch(1);
      try (AutoCloseable listening =
              DaxFiles.onMediaError(writeFile(file), (f, lost) -> heard.countDown());
          AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, READ, WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[] {1}), 0).get();
        DaxFiles.injectError(file, 0, 512);
        assertThat(heard.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 20; i++) { // what a leak checker does to the threads it finds
          daxfsThreads().forEach(Thread::interrupt);
          Thread.sleep(5);
        }
        Thread.sleep(100); // two clock ticks unread: the clock goes to sleep

        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long cpuBefore = cpuNanos(mx);
        Thread.sleep(500);
        long cpu = cpuNanos(mx) - cpuBefore;
        assertThat(cpu)
            .as("CPU time of daxfs's threads in half a second of idleness (ns)")
            .isLessThan(TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(daxfsThreads())
            .as("daxfs threads of an idle filesystem")
            .allSatisfy(
                t ->
                    assertThat(t.getState())
                        .as(t.getName())
                        .isIn(
                            Thread.State.WAITING,
                            Thread.State.TIMED_WAITING,
                            Thread.State.TERMINATED));
        FileTime first = Files.getLastModifiedTime(file);
        Thread.sleep(20);
        ch.write(ByteBuffer.wrap(new byte[] {2}), 4096).get();
        assertThat(Files.getLastModifiedTime(file)).as("the clock still runs").isGreaterThan(first);
      }
    }
  }

  /**
   * A leak checker interrupts what it finds, and so may a runner giving up on a test: daxfs's own
   * threads take it while I/O, allocation, mapping and media-error announcements go on, and every
   * channel, the device and the data come through.
   */
  @Test
  @SuppressWarnings("try") // the listener's registration is held open, never used by name
  void interruptingDaxfsThreadsLosesNothing() throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem()) {
      Path asyncFile = fs.getPath("/async");
      Path listened = writeFile(fs.getPath("/listened"));
      ConcurrentLinkedQueue<FileRange> heard = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      Thread interrupter =
          new Thread(
              () -> {
                while (!stop.get()) {
                  daxfsThreads().forEach(Thread::interrupt);
                  Thread.onSpinWait();
                }
              },
              "interrupter");
      int blocks = 300;
      try (AutoCloseable listening =
              DaxFiles.onMediaError(listened, (f, lost) -> heard.addAll(lost));
          AsynchronousFileChannel async =
              AsynchronousFileChannel.open(asyncFile, CREATE, READ, WRITE)) {
        interrupter.start();
        List<Future<Integer>> writes = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
          ByteBuffer block = ByteBuffer.allocate(4096);
          block.putInt(0, i).putInt(4092, ~i);
          writes.add(
              async.write(block, i * 4096L)); // every one allocates, and commits device memory
          if (i % 30 == 0) {
            DaxFiles.injectError(listened, i / 30 * 512L, 512);
            Path mapped = fs.getPath("/mapped" + i);
            try (FileChannel ch = FileChannel.open(mapped, CREATE, READ, WRITE)) {
              ch.map(MapMode.READ_WRITE, 0, 8192).putInt(4096, i);
            }
          }
        }
        for (Future<Integer> w : writes) {
          assertThat(w.get(10, TimeUnit.SECONDS)).isEqualTo(4096);
        }
        stop.set(true);
        interrupter.join();

        assertThat(async.isOpen())
            .as("the asynchronous channel, after its threads were interrupted")
            .isTrue();
        for (int i = 0; i < blocks; i++) {
          ByteBuffer block = ByteBuffer.allocate(4096);
          assertThat(async.read(block, i * 4096L).get(10, TimeUnit.SECONDS)).isEqualTo(4096);
          assertThat(block.getInt(0)).isEqualTo(i);
          assertThat(block.getInt(4092)).isEqualTo(~i);
        }
        for (int i = 0; i < blocks; i += 30) {
          try (FileChannel ch = FileChannel.open(fs.getPath("/mapped" + i), READ)) {
            assertThat(ch.map(MapMode.READ_ONLY, 0, 8192).getInt(4096)).isEqualTo(i);
          }
        }
        for (int i = 0; i < 10 && heard.size() < blocks / 30; i++) {
          Thread.sleep(100);
        }
        assertThat(heard).as("every error announced").hasSize(blocks / 30);
      } finally {
        stop.set(true);
        interrupter.join();
      }
      Path after = fs.getPath("/after");
      byte[] data = new byte[1 << 20];
      data[data.length - 1] = 7;
      Files.write(after, data); // allocates and commits again: the device memory is still there
      assertThat(Files.readAllBytes(after)).isEqualTo(data);
    }
  }

  /**
   * The JDK's asynchronous file channels run operations on threads their callers do not own, and an
   * interrupt of such a thread closes nothing. Here the interrupt is there as the operation starts.
   */
  @Test
  void anInterruptOfTheThreadRunningAnAsynchronousOperationClosesNothing() throws Exception {
    ExecutorService interrupting =
        new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>()) {
          @Override
          protected void beforeExecute(Thread t, Runnable r) {
            t.interrupt();
          }
        };
    try (FileSystem fs = DaxFileSystems.newFileSystem();
        AsynchronousFileChannel ch =
            AsynchronousFileChannel.open(
                fs.getPath("/f"), Set.of(CREATE, READ, WRITE), interrupting)) {
      assertThat(ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0).get(10, TimeUnit.SECONDS))
          .isEqualTo(3);
      ByteBuffer read = ByteBuffer.allocate(3);
      assertThat(ch.read(read, 0).get(10, TimeUnit.SECONDS)).isEqualTo(3);
      assertThat(read.array()).containsExactly(1, 2, 3);
      assertThat(ch.isOpen()).isTrue();
    } finally {
      interrupting.shutdown();
      assertThat(interrupting.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  /** A test suite's worth of daxfs: every part that could start a thread. */
  @SuppressWarnings("try") // the listeners' registrations are held open, never used by name
  private static void useEverything(FileSystem fs, ExecutorService userPool) throws Exception {
    Path dir = Files.createDirectories(fs.getPath("/work"));
    Path file = dir.resolve("data");
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(new byte[64 << 10]);
    }
    try (InputStream in = Files.newInputStream(file)) {
      assertThat(in.readAllBytes()).hasSize(64 << 10);
    }
    FileTime created = Files.getLastModifiedTime(file);
    Thread.sleep(20); // the clock ticks every 4 ms
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      MappedByteBuffer map = ch.map(MapMode.READ_WRITE, 0, 8192);
      map.put(0, (byte) 1);
      ch.write(ByteBuffer.wrap(new byte[] {2}), 1);
    }
    assertThat(Files.getLastModifiedTime(file)).isGreaterThan(created);

    try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, READ, WRITE)) {
      assertThat(ch.write(ByteBuffer.wrap(new byte[] {3}), 2).get(10, TimeUnit.SECONDS))
          .isEqualTo(1);
      CompletableFuture<Integer> read = new CompletableFuture<>();
      ch.read(ByteBuffer.allocate(3), 0, read, handler());
      assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(3);
    }
    try (AsynchronousFileChannel ch =
        AsynchronousFileChannel.open(file, Set.of(READ, WRITE), userPool)) {
      CompletableFuture<Integer> write = new CompletableFuture<>();
      ch.write(ByteBuffer.wrap(new byte[] {4}), 3, write, handler());
      assertThat(write.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }

    PmemDevice device = DaxFileSystems.device(fs);
    CountDownLatch fileErrors = new CountDownLatch(2);
    CountDownLatch deviceErrors = new CountDownLatch(2);
    try (AutoCloseable a = DaxFiles.onMediaError(file, (f, lost) -> fileErrors.countDown());
        AutoCloseable b = device.onNewBadBlocks(bad -> deviceErrors.countDown())) {
      DaxFiles.injectError(file, 8192, 512);
      DaxFiles.injectLatentError(file, 16384, 512);
      assertThat(device.scrub()).hasSize(1);
      assertThat(fileErrors.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(deviceErrors.await(10, TimeUnit.SECONDS)).isTrue();
    }
    // One more announcement, possibly still under way when the filesystem closes.
    device.onNewBadBlocks(bad -> {});
    device.injectError(device.size() / device.sectorSize() - 1, 1);
  }

  private static CompletionHandler<Integer, CompletableFuture<Integer>> handler() {
    return new CompletionHandler<>() {
      @Override
      public void completed(Integer result, CompletableFuture<Integer> future) {
        future.complete(result);
      }

      @Override
      public void failed(Throwable exc, CompletableFuture<Integer> future) {
        future.completeExceptionally(exc);
      }
    };
  }

  private static Path writeFile(Path file) throws Exception {
    return Files.write(file, new byte[64 << 10]);
  }

  /**
   * Threads alive now that were not before, as a leak checker sees them: by name, but not the JVM's
   * own service threads (those of its root thread group, such as an attach listener).
   */
  private static List<String> startedSince(Set<Thread> before) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive())
        .filter(t -> t.getName().startsWith("daxfs") || !inRootGroup(t))
        .map(Thread::getName)
        .sorted()
        .collect(Collectors.toList());
  }

  private static boolean inRootGroup(Thread t) {
    ThreadGroup g = t.getThreadGroup();
    return g != null && g.getParent() == null;
  }

  private static List<Thread> daxfsThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("daxfs-"))
        .toList();
  }

  private static long cpuNanos(ThreadMXBean mx) {
    long total = 0;
    for (Thread t : daxfsThreads()) {
      long ns = mx.getThreadCpuTime(t.getId());
      total += Math.max(ns, 0);
    }
    return total;
  }
}
