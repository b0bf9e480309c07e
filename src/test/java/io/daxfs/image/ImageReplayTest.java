package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of files and many log compactions: the log replays to the same tree after a close, and
 * after a "crash" (a copy of the image taken while it is mounted, as a killed process leaves it).
 */
class ImageReplayTest {
  @TempDir Path dir;

  @Test
  void thousandsOfFilesAcrossManyCompactionsSurviveACloseAndEveryCrashPoint() throws Exception {
    long seed = 4242;
    Random random = new Random(seed);
    Path img = Images.format(dir.resolve("pmem0.img"), 64 << 20);
    long generationBefore = Images.superblock(img).generation();
    Map<Path, Map<String, String>> crashes = new LinkedHashMap<>();
    Map<String, String> atClose;
    long freeAtClose;
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      List<Path> files = new ArrayList<>();
      for (int d = 0; d < 30; d++) {
        Files.createDirectories(fs.getPath("/d" + d, "sub"));
      }
      for (int op = 0; op < 4000; op++) {
        int kind = random.nextInt(10);
        if (kind < 5 || files.size() < 10) {
          Path p =
              fs.getPath(
                  "/d" + random.nextInt(30), (random.nextBoolean() ? "sub/" : "") + "f" + op);
          byte[] b = new byte[random.nextInt(6000)];
          random.nextBytes(b);
          Files.write(p, b);
          files.add(p);
        } else {
          Path p = files.get(random.nextInt(files.size()));
          switch (kind) {
            case 5 -> {
              Path to = fs.getPath("/d" + random.nextInt(30), "moved" + op);
              Files.move(p, to);
              files.set(files.indexOf(p), to);
            }
            case 6 -> {
              Files.delete(p);
              files.remove(p);
            }
            case 7 -> {
              Path link = p.resolveSibling("link" + op);
              Files.createLink(link, p);
              files.add(link);
            }
            case 8 ->
                Files.setPosixFilePermissions(
                    p,
                    PosixFilePermissions.fromString(
                        random.nextBoolean() ? "rw-------" : "r--r--r--"));
            default -> {
              try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                if (random.nextBoolean()) {
                  ch.truncate(ch.size() / 2);
                } else {
                  ch.write(ByteBuffer.wrap(new byte[random.nextInt(5000)]), ch.size());
                }
              }
            }
          }
        }
        if (op % 700 == 699) {
          Path crash = dir.resolve("crash-" + op + ".img");
          Files.copy(img, crash, StandardCopyOption.REPLACE_EXISTING);
          crashes.put(crash, TreeSnapshot.of(fs, false));
        }
      }
      atClose = TreeSnapshot.of(fs);
      freeAtClose = Files.getFileStore(fs.getPath("/")).getUnallocatedSpace();
    }
    assertThat(Images.superblock(img).generation() - generationBefore)
        .as("log compactions crossed (seed %s)", seed)
        .isGreaterThanOrEqualTo(5);
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(TreeSnapshot.of(fs)).as("seed %s", seed).isEqualTo(atClose);
      assertThat(Files.getFileStore(fs.getPath("/")).getUnallocatedSpace()).isEqualTo(freeAtClose);
    }
    for (var crash : crashes.entrySet()) {
      try (FileSystem fs =
          DaxFileSystems.newFileSystem(DaxConfiguration.builder().image(crash.getKey()).build())) {
        assertThat(TreeSnapshot.of(fs, false))
            .as("%s (seed %s)", crash.getKey().getFileName(), seed)
            .isEqualTo(crash.getValue());
      }
      assertThat(ImageCheck.run(crash.getKey(), false).clean()).isTrue();
    }
  }

  @Test
  void threadsThatFreeAndReuseEachOthersBlocksLeaveALogThatReplaysWhereverACrashCutsIt()
      throws Exception {
    // A small device, so that blocks one thread frees are soon another's: the log must never
    // hold two claims on a block, at any point a crash may cut it.
    Path img = dir.resolve("pmem0.img");
    Image.mount(
            DaxConfiguration.builder().image(img).deviceSize(2 << 20).build(),
            ImageLog.DEFAULT_CAPACITY)
        .close();
    Path crash = dir.resolve("crash.img");
    Map<String, String> expected;
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      List<Thread> threads = new ArrayList<>();
      List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < 4; t++) {
        long seed = t;
        Path home = fs.getPath("/t" + t);
        Files.createDirectories(home);
        threads.add(new Thread(() -> churn(home, new Random(seed), failures)));
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
      assertThat(failures).isEmpty();
      Files.copy(img, crash);
      expected = TreeSnapshot.of(fs, false);
    }
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.readOnly(crash))) {
      assertThat(TreeSnapshot.of(fs, false)).isEqualTo(expected);
    }
    Superblock sb = Images.superblock(crash);
    ImageLog.Scan scan =
        new ImageLog(Images.mapped(crash, sb.logOffset(), sb.logCapacity()), sb.logOffset())
            .scan(sb.epoch());
    List<ImageLog.Entry> entries = scan.entries();
    assertThat(entries.size()).as("records in the log").isGreaterThan(1000);
    Path cut = dir.resolve("cut.img");
    for (int k = 1; k < entries.size(); k += 7) {
      Files.copy(crash, cut, StandardCopyOption.REPLACE_EXISTING);
      int from = entries.get(k).at();
      Images.write(cut, sb.logOffset() + from, new byte[scan.end() - from]);
      try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(cut.toFile(), "r")) {
        new ImageReader(cut, f, false, false).read(); // strict: refuses two claims on a block
      } catch (io.daxfs.CorruptImageException e) {
        throw new AssertionError("a crash after record " + (k - 1) + ": " + e.getReason(), e);
      }
    }
  }

  private static void churn(Path home, Random random, List<Throwable> failures) {
    try {
      for (int op = 0; op < 400; op++) {
        Path p = home.resolve("f" + random.nextInt(8));
        try (FileChannel ch =
            FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
          if (random.nextBoolean()) {
            ch.truncate(random.nextInt(3) * 4096L);
          } else {
            ch.write(ByteBuffer.wrap(new byte[1 + random.nextInt(20_000)]), ch.size());
          }
        } catch (java.nio.file.FileSystemException full) {
          // "No space left on device": the device is small on purpose
        }
        if (random.nextInt(10) == 0) {
          Files.deleteIfExists(p);
        }
      }
    } catch (Throwable e) {
      failures.add(new AssertionError(home.toString(), e));
    }
  }

  @Test
  void aFileRemovedWhileOpenVanishesAtRemountAndItsBlocksAreFree() throws Exception {
    Path img = Images.format(dir.resolve("pmem0.img"), 8 << 20);
    Path crash = dir.resolve("crash.img");
    long free;
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      free = Files.getFileStore(fs.getPath("/")).getUnallocatedSpace();
      FileChannel open =
          FileChannel.open(
              fs.getPath("/orphan"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      open.write(ByteBuffer.wrap(new byte[1 << 20]));
      Files.delete(fs.getPath("/orphan"));
      open.write(ByteBuffer.wrap(new byte[1 << 20])); // an orphan keeps growing while open
      Files.copy(img, crash);
      open.close();
    }
    for (Path image : List.of(img, crash)) {
      try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(image))) {
        assertThat(fs.getPath("/orphan")).doesNotExist();
        assertThat(Files.getFileStore(fs.getPath("/")).getUnallocatedSpace()).isEqualTo(free);
      }
    }
  }
}
