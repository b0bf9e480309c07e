package io.daxfs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The classic ways to lose data in a power cut, each told as a program: what it loses under some
 * seed when it forgets a sync, and what it never loses when it syncs properly.
 */
class PowerFailScenarioTest {
  private static final int SEEDS = 64;

  /** A program run on a fresh filesystem before the cut. */
  @FunctionalInterface
  interface Program {
    void run(FileSystem fs) throws IOException;
  }

  /** What the test reads from the restarted filesystem. */
  @FunctionalInterface
  interface Look<T> {
    T at(FileSystem fs) throws IOException;
  }

  private static DaxConfiguration config(PowerFailModel model) {
    return DaxConfiguration.builder().deviceSize(16L << 20).powerFailModel(model).build();
  }

  /** Runs {@code program} once per seed, cuts the power, and gathers what {@code look} finds. */
  private static <T> Map<Long, T> outcomes(PowerFailModel model, Program program, Look<T> look)
      throws IOException {
    Map<Long, T> found = new TreeMap<>();
    for (long seed = 0; seed < SEEDS; seed++) {
      FileSystem fs = DaxFileSystems.newFileSystem(config(model));
      try {
        program.run(fs);
      } catch (IOException | RuntimeException e) {
        fs.close();
        throw e;
      }
      try (FileSystem after = DaxFileSystems.powerFail(fs, seed)) {
        found.put(seed, look.at(after));
      }
    }
    return found;
  }

  private static String read(FileSystem fs, String path) throws IOException {
    Path p = fs.getPath(path);
    return Files.exists(p) ? Files.readString(p) : "<missing>";
  }

  private static void force(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, Files.isDirectory(p) ? READ : WRITE)) {
      ch.force(true);
    }
  }

  private static void write(Path p, String text, StandardOpenOption... options) throws IOException {
    Files.writeString(p, text, options);
  }

  // ---- the classic patterns, under STRICT
  // ------------------------------------------------------------

  @Test
  void aFileCreatedWithoutADirectoryFsyncCanVanishThoughTheFileWasForced() throws IOException {
    Program careless =
        fs -> {
          write(fs.getPath("/data.txt"), "precious");
          force(fs.getPath("/data.txt"));
        };
    assertThat(outcomes(PowerFailModel.STRICT, careless, fs -> read(fs, "/data.txt")))
        .as("seed -> what a restart finds")
        .containsValue("<missing>")
        .containsValue("precious");

    Program careful =
        fs -> {
          careless.run(fs);
          force(fs.getPath("/"));
        };
    assertThat(outcomes(PowerFailModel.STRICT, careful, fs -> read(fs, "/data.txt")).values())
        .containsOnly("precious");
  }

  @Test
  void aRenameOverTheOldFileWithoutSyncsCanLeaveNeitherVersion() throws IOException {
    Program start =
        fs -> {
          write(fs.getPath("/config"), "old");
          DaxFileSystems.sync(fs);
        };
    Program careless =
        fs -> {
          start.run(fs);
          write(fs.getPath("/config.tmp"), "new");
          Files.move(
              fs.getPath("/config.tmp"), fs.getPath("/config"), StandardCopyOption.ATOMIC_MOVE);
        };
    assertThat(outcomes(PowerFailModel.STRICT, careless, fs -> read(fs, "/config")))
        .as("the rename survived, the new file's size did not")
        .containsValue("");

    Program forcedTmp =
        fs -> {
          start.run(fs);
          write(fs.getPath("/config.tmp"), "new");
          force(fs.getPath("/config.tmp"));
          Files.move(
              fs.getPath("/config.tmp"), fs.getPath("/config"), StandardCopyOption.ATOMIC_MOVE);
        };
    assertThat(outcomes(PowerFailModel.STRICT, forcedTmp, fs -> read(fs, "/config")).values())
        .as("a rename is atomic: old or new, never a missing or empty file")
        .containsOnly("old", "new")
        .contains("old");

    Program careful =
        fs -> {
          forcedTmp.run(fs);
          force(fs.getPath("/"));
        };
    assertThat(outcomes(PowerFailModel.STRICT, careful, fs -> read(fs, "/config")).values())
        .containsOnly("new");
  }

  @Test
  void anAppendWithoutFdatasyncLosesRecordsThoughEveryWriteReturned() throws IOException {
    Program start =
        fs -> {
          write(fs.getPath("/log"), "1\n2\n3\n");
          DaxFileSystems.sync(fs);
        };
    Program careless =
        fs -> {
          start.run(fs);
          try (FileChannel ch = FileChannel.open(fs.getPath("/log"), APPEND)) {
            ch.write(ByteBuffer.wrap("4\n5\n".getBytes(UTF_8)));
          }
        };
    assertThat(outcomes(PowerFailModel.STRICT, careless, fs -> read(fs, "/log")))
        .containsValue("1\n2\n3\n")
        .containsValue("1\n2\n3\n4\n5\n");

    Program careful =
        fs -> {
          start.run(fs);
          try (FileChannel ch = FileChannel.open(fs.getPath("/log"), APPEND)) {
            ch.write(ByteBuffer.wrap("4\n5\n".getBytes(UTF_8)));
            ch.force(false); // fdatasync: the size, not the times
          }
        };
    assertThat(outcomes(PowerFailModel.STRICT, careful, fs -> read(fs, "/log")).values())
        .containsOnly("1\n2\n3\n4\n5\n");
  }

  @Test
  void aTruncateThenRewriteCanLeaveNeitherVersion() throws IOException {
    String old = "a".repeat(6000);
    String now = "b".repeat(3000);
    Program start =
        fs -> {
          write(fs.getPath("/state"), old);
          DaxFileSystems.sync(fs);
        };
    Program careless =
        fs -> {
          start.run(fs);
          write(fs.getPath("/state"), now); // TRUNCATE_EXISTING, then the write
        };
    Map<Long, String> found = outcomes(PowerFailModel.STRICT, careless, fs -> read(fs, "/state"));
    assertThat(found.values()).as("the rewrite lost").anyMatch(s -> !s.equals(now));
    assertThat(found.values())
        .as("an emptied file, or the old size with its tail already zeroed")
        .anyMatch(s -> !s.equals(now) && !s.equals(old));
    assertThat(found.values())
        .as("never a byte of another file: only a, b and zeros")
        .allMatch(s -> s.chars().allMatch(c -> c == 'a' || c == 'b' || c == 0));

    Program careful =
        fs -> {
          careless.run(fs);
          force(fs.getPath("/state"));
        };
    assertThat(outcomes(PowerFailModel.STRICT, careful, fs -> read(fs, "/state")).values())
        .containsOnly(now);
  }

  @Test
  void dsyncAndSyncWritesAreDurableWhenTheyReturn() throws IOException {
    for (StandardOpenOption sync : List.of(StandardOpenOption.DSYNC, StandardOpenOption.SYNC)) {
      Program program =
          fs -> {
            Path log = fs.getPath("/log");
            Files.createFile(log);
            force(fs.getPath("/"));
            try (FileChannel ch = FileChannel.open(log, APPEND, sync)) {
              for (int i = 1; i <= 5; i++) {
                ch.write(ByteBuffer.wrap((i + "\n").getBytes(UTF_8)));
              }
            }
          };
      assertThat(outcomes(PowerFailModel.STRICT, program, fs -> read(fs, "/log")).values())
          .as("%s", sync)
          .containsOnly("1\n2\n3\n4\n5\n");
    }
  }

  // ---- ORDERED
  // -------------------------------------------------------------------------------------

  @Test
  void orderedKeepsAPrefixOfTheOperations() throws IOException {
    Program program =
        fs -> {
          for (int i = 0; i < 8; i++) {
            write(fs.getPath("/f" + i), "content of " + i);
          }
        };
    Map<Long, List<String>> found =
        outcomes(
            PowerFailModel.ORDERED,
            program,
            fs -> {
              List<String> files = new ArrayList<>();
              for (int i = 0; i < 8; i++) {
                files.add(read(fs, "/f" + i));
              }
              return files;
            });
    for (Map.Entry<Long, List<String>> e : found.entrySet()) {
      List<String> files = e.getValue();
      int present = (int) files.stream().filter(s -> !s.equals("<missing>")).count();
      for (int i = 0; i < 8; i++) {
        String expected =
            i < present - 1 ? "content of " + i : i == present - 1 ? null : "<missing>";
        if (expected != null) {
          assertThat(files.get(i)).as("seed %d, /f%d", e.getKey(), i).isEqualTo(expected);
        } else {
          assertThat(files.get(i))
              .as("seed %d, the last file kept", e.getKey())
              .isIn("", "content of " + i);
        }
      }
    }
    assertThat(found.values().stream().map(l -> l.indexOf("<missing>")).distinct().count())
        .as("different seeds cut at different points")
        .isGreaterThan(3);
  }

  @Test
  void underOrderedAnyForceCommitsEverythingBeforeIt() throws IOException {
    Program program =
        fs -> {
          write(fs.getPath("/a"), "a");
          Files.createDirectory(fs.getPath("/dir"));
          write(fs.getPath("/dir/b"), "b");
          force(fs.getPath("/dir/b")); // a journal commit: /a and /dir come along
        };
    assertThat(
            outcomes(PowerFailModel.ORDERED, program, fs -> read(fs, "/a") + read(fs, "/dir/b"))
                .values())
        .containsOnly("ab");
    assertThat(
            outcomes(PowerFailModel.STRICT, program, fs -> read(fs, "/a") + read(fs, "/dir/b"))
                .values())
        .as("under STRICT, only what was forced")
        .contains("<missing><missing>");
  }

  // ---- seeds
  // ---------------------------------------------------------------------------------------

  @Test
  void theSameSeedGivesTheSameOutcome() throws IOException {
    Program program =
        fs -> {
          for (int i = 0; i < 20; i++) {
            Path dir = fs.getPath("/d" + (i % 3));
            Files.createDirectories(dir);
            write(dir.resolve("f" + i), "x".repeat(i * 500));
            if (i % 4 == 0) {
              Files.move(dir.resolve("f" + i), fs.getPath("/moved" + i));
            }
            if (i % 7 == 0) {
              force(dir);
            }
          }
        };
    for (PowerFailModel model : PowerFailModel.values()) {
      Map<Long, String> first = outcomes(model, program, PowerFailScenarioTest::tree);
      Map<Long, String> second = outcomes(model, program, PowerFailScenarioTest::tree);
      assertThat(second).as("%s", model).isEqualTo(first);
      assertThat(new HashSet<>(first.values())).as("%s: outcomes", model).hasSizeGreaterThan(5);
    }
  }

  /** Every path and its content's length, in order. */
  private static String tree(FileSystem fs) throws IOException {
    try (Stream<Path> s = Files.walk(fs.getPath("/"))) {
      return s.sorted()
          .map(
              p -> {
                try {
                  return p + (Files.isRegularFile(p) ? "=" + Files.size(p) : "/");
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .collect(Collectors.joining(" "));
    }
  }

  // ---- the cut itself
  // ------------------------------------------------------------------------------

  @Test
  @SuppressWarnings("try")
  void everythingOfTheOldFilesystemIsDoneAfterTheCut() throws Exception {
    FileSystem fs = DaxFileSystems.newFileSystem("power-cut-story", config(PowerFailModel.STRICT));
    PmemDevice device = DaxFileSystems.device(fs);
    Path file = fs.getPath("/file");
    write(file, "x".repeat(8192));
    DaxFileSystems.sync(fs);
    FileChannel channel = FileChannel.open(file, READ, WRITE);
    MappedByteBuffer mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, 8192);
    mapping.put(0, (byte) 'm'); // before the cut: durable as it is made (eADR)
    InputStream stream = Files.newInputStream(file);
    DirectoryStream<Path> listing = Files.newDirectoryStream(fs.getPath("/"));
    WatchService watcher = fs.newWatchService();
    WatchKey key = fs.getPath("/").register(watcher, StandardWatchEventKinds.ENTRY_CREATE);

    FileSystem after = DaxFileSystems.powerFail(fs, 7);
    try (after) {
      mapping.put(1, (byte) 'z'); // after the cut: reaches no file any more
      assertThat(fs.isOpen()).isFalse();
      assertThat(channel.isOpen()).isFalse();
      assertThatThrownBy(() -> channel.write(ByteBuffer.allocate(1), 0))
          .isInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(stream::read).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> listing.iterator().hasNext())
          .isInstanceOf(IllegalStateException.class);
      assertThat(key.isValid()).isFalse();
      assertThatThrownBy(watcher::poll).isInstanceOf(ClosedWatchServiceException.class);
      assertThatThrownBy(() -> Files.size(file)).isInstanceOf(ClosedFileSystemException.class);
      assertThatThrownBy(() -> DaxFileSystems.powerFail(fs, 7))
          .isInstanceOf(ClosedFileSystemException.class);
      fs.close(); // nothing left to close, and the device is the restarted filesystem's

      assertThat(Files.readString(after.getPath("/file"))).isEqualTo("m" + "x".repeat(8191));
      assertThat(DaxFileSystems.device(after)).isSameAs(device);
      assertThat(Path.of(URI.create("dax://power-cut-story/file")).getFileSystem()).isSameAs(after);
      write(after.getPath("/new"), "the restarted filesystem works");
    }
  }

  @Test
  void theBlocksAnOldMappingReachesComeBackOnceItIsCollected() throws Exception {
    FileSystem fs = DaxFileSystems.newFileSystem(config(PowerFailModel.ORDERED));
    Path file = fs.getPath("/mapped");
    Files.write(file, new byte[64 << 10]);
    DaxFileSystems.sync(fs);
    try (FileSystem after = cutWhileMapped(fs, file)) {
      java.nio.file.FileStore store = Files.getFileStore(after.getPath("/"));
      long total = store.getTotalSpace();
      assertThat(Files.size(after.getPath("/mapped"))).isEqualTo(64 << 10);
      assertThat(store.getUnallocatedSpace())
          .as("the file got copies; its old blocks wait for the mapping")
          .isEqualTo(total - (128 << 10));
      for (int i = 0; i < 200 && store.getUnallocatedSpace() != total - (64 << 10); i++) {
        System.gc();
        Thread.sleep(20);
      }
      assertThat(store.getUnallocatedSpace()).isEqualTo(total - (64 << 10));
    }
  }

  /** Cuts the power while a mapping of {@code file} is live; the mapping is unreachable after. */
  private static FileSystem cutWhileMapped(FileSystem fs, Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, 64 << 10);
      m.put(0, (byte) 1);
      FileSystem after = DaxFileSystems.powerFail(fs, 0);
      m.put(1, (byte) 1);
      assertThat(Files.readAllBytes(after.getPath("/mapped"))[1]).isZero();
      return after;
    }
  }

  @Test
  void withoutAPowerFailModelNothingIsTrackedAndTheCutIsRefused() throws IOException {
    try (FileSystem fs = DaxFileSystems.newFileSystem()) {
      assertThatThrownBy(() -> DaxFileSystems.powerFail(fs, 1))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("powerFailModel");
      write(fs.getPath("/still"), "open");
      assertThat(read(fs, "/still")).isEqualTo("open");
    }
  }

  @Test
  @SuppressWarnings("try") // the listeners' registrations are held open, never used by name
  void mediaErrorsAreUnaffectedByACut() throws Exception {
    FileSystem fs = DaxFileSystems.newFileSystem(config(PowerFailModel.STRICT));
    Path file = fs.getPath("/file");
    Files.write(file, new byte[16384]);
    DaxFileSystems.sync(fs);
    DaxFiles.injectError(file, 4096, 512);
    DaxFiles.injectLatentError(file, 12288, 512);
    List<BadBlock> known = DaxFileSystems.device(fs).badblocks();
    java.util.Queue<Object> oldHeard = new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.concurrent.BlockingQueue<List<FileRange>> newHeard =
        new java.util.concurrent.LinkedBlockingQueue<>();
    try (AutoCloseable old = DaxFiles.onMediaError(file, (f, lost) -> oldHeard.add(lost));
        FileSystem after = DaxFileSystems.powerFail(fs, 3);
        AutoCloseable now =
            DaxFiles.onMediaError(after.getPath("/file"), (f, lost) -> newHeard.add(lost))) {
      DaxFiles.injectError(after.getPath("/file"), 8192, 512);
      assertThat(newHeard.poll(10, java.util.concurrent.TimeUnit.SECONDS))
          .containsExactly(new FileRange(8192, 512));
      assertThat(oldHeard).as("a listener on a file of the filesystem that lost power").isEmpty();
      assertThat(DaxFileSystems.device(after).badblocks()).containsAll(known).hasSize(2);
      Path again = after.getPath("/file");
      assertThat(DaxFiles.badRanges(again))
          .containsExactly(new FileRange(4096, 512), new FileRange(8192, 512));
      assertThatThrownBy(() -> Files.readAllBytes(again)).isInstanceOf(MediaErrorException.class);
      assertThat(DaxFileSystems.device(after).scrub())
          .as("latent poison is still there to be found")
          .isNotEmpty();
    }
  }

  @Test
  void blocksAFileLetGoOfWaitForTheChangeToBeDurableButCountAsFree() throws IOException {
    Program program =
        fs -> {
          Path a = fs.getPath("/a");
          write(a, "a".repeat(1 << 20));
          DaxFileSystems.sync(fs);
          long free = Files.getFileStore(a).getUnallocatedSpace();
          try (FileChannel ch = FileChannel.open(a, WRITE)) {
            ch.truncate(0); // not made durable
          }
          assertThat(Files.getFileStore(a).getUnallocatedSpace())
              .as("freed space counts as free at once, as statfs counts it on ext4")
              .isEqualTo(free + (1 << 20));
          Path b = fs.getPath("/b");
          write(b, "b".repeat(1 << 20));
          force(b);
          force(fs.getPath("/"));
        };
    Map<Long, String> found =
        outcomes(PowerFailModel.STRICT, program, fs -> read(fs, "/a") + "|" + read(fs, "/b"));
    assertThat(found.values())
        .as("a lost truncate gives back the old data, never the new file's")
        .allMatch(
            s ->
                s.equals("a".repeat(1 << 20) + "|" + "b".repeat(1 << 20))
                    || s.equals("|" + "b".repeat(1 << 20)))
        .anyMatch(s -> s.startsWith("a"));
  }

  @Test
  void aFullDeviceCommitsToReuseWhatADeleteFreed() throws IOException {
    DaxConfiguration small =
        DaxConfiguration.builder()
            .deviceSize(1L << 20)
            .powerFailModel(PowerFailModel.STRICT)
            .build();
    FileSystem fs = DaxFileSystems.newFileSystem(small);
    byte[] big = new byte[700 << 10];
    Files.write(fs.getPath("/old"), big);
    DaxFileSystems.sync(fs);
    Files.delete(fs.getPath("/old")); // not durable: its blocks are held
    Files.write(fs.getPath("/new"), big); // ext4 commits its journal and retries
    try (FileSystem after = DaxFileSystems.powerFail(fs, 0)) {
      assertThat(Files.exists(after.getPath("/old")))
          .as("the commit made the delete durable")
          .isFalse();
    }
  }

  // ---- writes under way
  // ----------------------------------------------------------------------------

  @Test
  void aCutWhileOtherThreadsWriteTearsWritesOnlyBetweenAlignedWords() throws Exception {
    int size = 4 << 20;
    int chunk = 1 << 20;
    for (PowerFailModel model : PowerFailModel.values()) {
      FileSystem fs = DaxFileSystems.newFileSystem(config(model));
      Path file = fs.getPath("/shared");
      Files.write(file, fill(new byte[size], 0));
      DaxFileSystems.sync(fs);
      Set<Long> stored = java.util.concurrent.ConcurrentHashMap.newKeySet();
      stored.add(word(0));
      java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(2);
      List<Thread> writers = new ArrayList<>();
      List<Throwable> ended = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < 2; t++) {
        int writer = t;
        Thread th =
            new Thread(
                () -> {
                  ByteBuffer[] buffers = new ByteBuffer[4];
                  for (int i = 0; i < buffers.length; i++) {
                    int id = writer << 8 | (i + 1);
                    stored.add(word(id));
                    buffers[i] = ByteBuffer.allocateDirect(chunk).put(fill(new byte[chunk], id));
                  }
                  try (FileChannel ch = FileChannel.open(file, WRITE)) {
                    for (int round = 1; ; round++) {
                      ByteBuffer b = buffers[round % buffers.length].clear();
                      ch.write(b, (long) ((round + 2 * writer) % (size / chunk)) * chunk);
                      if (round == 3) {
                        started.countDown();
                      }
                    }
                  } catch (IOException e) {
                    ended.add(e);
                  }
                });
        th.start();
        writers.add(th);
      }
      started.await();
      try (FileSystem after = DaxFileSystems.powerFail(fs, 1)) {
        for (Thread th : writers) {
          th.join();
        }
        assertThat(ended)
            .as("%s: the writers met a closed channel", model)
            .hasSize(2)
            .allMatch(e -> e instanceof ClosedChannelException);
        ByteBuffer words =
            ByteBuffer.wrap(Files.readAllBytes(after.getPath("/shared")))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < size; i += 8) {
          long w = words.getLong(i);
          assertThat(stored)
              .as("%s: the word at %d is one a write stored whole", model, i)
              .contains(w);
        }
      }
    }
  }

  /** A word whose halves both name the write that stored it: a torn word gives itself away. */
  private static long word(int id) {
    return (long) id << 32 | id;
  }

  private static byte[] fill(byte[] b, int id) {
    ByteBuffer bb = ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    while (bb.hasRemaining()) {
      bb.putLong(word(id));
    }
    return b;
  }

  @Test
  void aFileSyncedAfterItsDirectoryKeepsItsName() throws IOException {
    Program program =
        fs -> {
          Files.createDirectory(fs.getPath("/dir"));
          force(fs.getPath("/"));
          Path f = fs.getPath("/dir/f");
          try (FileChannel ch = FileChannel.open(f, CREATE_NEW, WRITE)) {
            force(fs.getPath("/dir"));
            ch.write(ByteBuffer.wrap("data".getBytes(UTF_8)));
            ch.force(false);
          }
          write(fs.getPath("/dir/g"), "more", CREATE, APPEND);
        };
    assertThat(outcomes(PowerFailModel.STRICT, program, fs -> read(fs, "/dir/f")).values())
        .containsOnly("data");
  }
}
