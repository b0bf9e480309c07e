package io.daxfs.image;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.PowerFailModel;
import io.daxfs.fs.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power cut on an image-backed filesystem: the image holds afterwards exactly what the restart
 * found, so that closing and mounting it again (read-write or read-only) finds the same tree; the
 * image stays locked to its one writer throughout.
 */
class ImagePowerFailTest {
  private static final int SEEDS = 24;
  private static final int RECORDS = 40;

  @TempDir(factory = MemoryTempDir.class)
  Path dir;

  private int images;

  /** A program run on a fresh image before the cut. */
  @FunctionalInterface
  interface Program {
    void run(FileSystem fs) throws IOException;
  }

  private static DaxConfiguration config(Path img, PowerFailModel model) {
    return DaxConfiguration.builder().image(img).powerFailModel(model).build();
  }

  private Path freshImage() throws IOException {
    return Images.format(dir.resolve("power" + images++ + ".img"), 4 << 20);
  }

  private static void force(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, Files.isDirectory(p) ? READ : WRITE)) {
      ch.force(true);
    }
  }

  /** Appends records to /log; with {@code syncs}, as a careful log does, else never forcing. */
  private static Program appender(boolean syncs) {
    return fs -> {
      Path log = fs.getPath("/log");
      try (FileChannel ch = FileChannel.open(log, CREATE_NEW, WRITE, APPEND)) {
        if (syncs) {
          force(fs.getPath("/"));
        }
        for (int i = 0; i < RECORDS; i++) {
          ch.write(ByteBuffer.wrap(String.format("record %04d%n", i).getBytes(UTF_8)));
          if (syncs && i % 8 == 7) {
            ch.force(false);
          }
        }
        if (syncs) {
          ch.force(false);
        }
      }
    };
  }

  private static int records(FileSystem fs) throws IOException {
    Path log = fs.getPath("/log");
    return Files.exists(log) ? Files.readAllLines(log).size() : -1;
  }

  /**
   * Runs {@code program} on a fresh image, cuts the power with {@code seed}, checks that the image
   * holds what the restarted filesystem holds (after closing it, mounted read-write and read-only),
   * and returns the records the restart found.
   */
  private int cutAndRemount(PowerFailModel model, Program program, long seed) throws IOException {
    return cutAndRemount(model, program, seed, ImagePowerFailTest::records);
  }

  /** What the test reads from the restarted filesystem. */
  @FunctionalInterface
  interface Look<T> {
    T at(FileSystem fs) throws IOException;
  }

  private static String read(FileSystem fs, String path) throws IOException {
    Path p = fs.getPath(path);
    return Files.exists(p) ? Files.readString(p) : "<missing>";
  }

  private <T> T cutAndRemount(PowerFailModel model, Program program, long seed, Look<T> look)
      throws IOException {
    Path img = freshImage();
    FileSystem fs = DaxFileSystems.newFileSystem(config(img, model));
    try {
      program.run(fs);
    } catch (IOException | RuntimeException e) {
      fs.close();
      throw e;
    }
    T found;
    Map<String, String> after;
    try (FileSystem restarted = DaxFileSystems.powerFail(fs, seed)) {
      found = look.at(restarted);
      after = TreeSnapshot.of(restarted, false);
    }
    try (FileSystem again = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(TreeSnapshot.of(again, false)).as("seed %s, remounted", seed).isEqualTo(after);
    }
    try (FileSystem inspect = DaxFileSystems.newFileSystem(Images.readOnly(img))) {
      assertThat(TreeSnapshot.of(inspect, false)).as("seed %s, read-only", seed).isEqualTo(after);
    }
    return found;
  }

  @Test
  void anAppendWithoutFdatasyncLosesRecordsForSomeSeedAndTheImageAgrees() throws IOException {
    Map<Long, Integer> found = new TreeMap<>();
    for (long seed = 0; seed < SEEDS; seed++) {
      found.put(seed, cutAndRemount(PowerFailModel.STRICT, appender(false), seed));
    }
    assertThat(found.values()).as("records found per seed: %s", found).anyMatch(n -> n < RECORDS);
  }

  @Test
  void aLogThatSyncsProperlyKeepsEveryRecordOnTheImageUnderEverySeed() throws IOException {
    for (PowerFailModel model : PowerFailModel.values()) {
      for (long seed = 0; seed < SEEDS; seed++) {
        assertThat(cutAndRemount(model, appender(true), seed))
            .as("%s, seed %s", model, seed)
            .isEqualTo(RECORDS);
      }
    }
  }

  /** Replaces /data with new contents through a temporary file, syncing the directory or not. */
  private static Program replace(boolean syncs) {
    return fs -> {
      Path data = fs.getPath("/data");
      Files.writeString(data, "old");
      force(data);
      force(fs.getPath("/"));
      Path tmp = fs.getPath("/data.tmp");
      Files.writeString(tmp, "new");
      force(tmp);
      Files.move(tmp, data, StandardCopyOption.REPLACE_EXISTING);
      if (syncs) {
        force(fs.getPath("/"));
      }
    };
  }

  /** Creates /made and syncs it, and its directory or not. */
  private static Program create(boolean syncs) {
    return fs -> {
      Path made = fs.getPath("/made");
      Files.writeString(made, "made");
      force(made);
      if (syncs) {
        force(fs.getPath("/"));
      }
    };
  }

  @Test
  void aRenameOverAnOldFileWithoutADirectorySyncMayBeLostAndTheImageAgrees() throws IOException {
    Set<String> found = new HashSet<>();
    for (long seed = 0; seed < SEEDS; seed++) {
      found.add(cutAndRemount(PowerFailModel.STRICT, replace(false), seed, f -> read(f, "/data")));
      String kept =
          cutAndRemount(PowerFailModel.STRICT, replace(true), seed, f -> read(f, "/data"));
      assertThat(kept).as("seed %s", seed).isEqualTo("new");
    }
    assertThat(found).contains("old", "new").doesNotContain("<missing>");
  }

  @Test
  void aCreateWithoutADirectorySyncMayBeLostAndTheImageAgrees() throws IOException {
    Set<String> found = new HashSet<>();
    for (long seed = 0; seed < SEEDS; seed++) {
      found.add(cutAndRemount(PowerFailModel.STRICT, create(false), seed, f -> read(f, "/made")));
      String kept = cutAndRemount(PowerFailModel.STRICT, create(true), seed, f -> read(f, "/made"));
      assertThat(kept).as("seed %s", seed).isEqualTo("made");
    }
    assertThat(found).contains("<missing>", "made");
  }

  @Test
  void theSameSeedWritesTheSameImage() throws IOException {
    for (long seed = 0; seed < 6; seed++) {
      Map<String, String> first = null;
      for (int round = 0; round < 2; round++) {
        Path img = freshImage();
        FileSystem fs = DaxFileSystems.newFileSystem(config(img, PowerFailModel.STRICT));
        Files.createDirectories(fs.getPath("/a/b"));
        Files.writeString(fs.getPath("/a/b/c"), "c");
        Files.writeString(fs.getPath("/a/d"), "d");
        Files.move(fs.getPath("/a/d"), fs.getPath("/a/b/e"));
        appender(false).run(fs);
        DaxFileSystems.powerFail(fs, seed).close();
        try (FileSystem again = DaxFileSystems.newFileSystem(Images.readOnly(img))) {
          Map<String, String> tree = TreeSnapshot.of(again, false);
          // two runs differ in their clock, not in what survives
          tree.replaceAll((path, line) -> line.replaceAll("creationTime=[^,]*, ", ""));
          if (first == null) {
            first = tree;
          } else {
            assertThat(tree).as("seed %s", seed).isEqualTo(first);
          }
        }
      }
    }
  }

  @Test
  void theRestartedFilesystemKeepsTheImageLockedAndItsChangesReachTheImage() throws Exception {
    Path img = freshImage();
    FileSystem fs = DaxFileSystems.newFileSystem(config(img, PowerFailModel.ORDERED));
    Path before = fs.getPath("/before");
    Files.writeString(before, "kept");
    force(before);
    force(fs.getPath("/"));
    FileChannel open = FileChannel.open(before, READ);
    FileSystem restarted = DaxFileSystems.powerFail(fs, 7);
    try {
      assertThatThrownBy(() -> Files.readString(before))
          .isInstanceOf(ClosedFileSystemException.class);
      assertThatThrownBy(() -> open.read(ByteBuffer.allocate(4)))
          .isInstanceOf(ClosedChannelException.class);
      assertBusy(img, () -> DaxFileSystems.newFileSystem(Images.config(img)).close());
      assertBusy(img, () -> DaxFileSystems.newFileSystem(Images.readOnly(img)).close());
      assertThat(Files.readString(restarted.getPath("/before"))).isEqualTo("kept");
      Files.writeString(restarted.getPath("/after"), "written after the cut");
      // a second cut on the restarted filesystem, which syncs everything first
      DaxFileSystems.sync(restarted);
      restarted = DaxFileSystems.powerFail(restarted, 8);
      assertThat(Files.readString(restarted.getPath("/after"))).isEqualTo("written after the cut");
      Files.writeString(restarted.getPath("/last"), "closed, not cut");
    } finally {
      restarted.close();
    }
    try (FileSystem again = DaxFileSystems.newFileSystem(Images.readOnly(img))) {
      assertThat(Files.readString(again.getPath("/before"))).isEqualTo("kept");
      assertThat(Files.readString(again.getPath("/after"))).isEqualTo("written after the cut");
      assertThat(Files.readString(again.getPath("/last"))).isEqualTo("closed, not cut");
    }
  }

  @Test
  void aCutLeavesNoThreadBehind() throws Exception {
    Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
    Path img = freshImage();
    FileSystem fs = DaxFileSystems.newFileSystem(config(img, PowerFailModel.STRICT));
    appender(false).run(fs);
    // the filesystem's own pool runs asynchronous channels; one is left open across the cut
    AsynchronousFileChannel ch =
        AsynchronousFileChannel.open(fs.getPath("/async"), CREATE_NEW, WRITE);
    ch.write(ByteBuffer.wrap(new byte[100]), 0).get();
    DaxFileSystems.powerFail(fs, 3).close();
    Set<Thread> left = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (!before.contains(t) && t.isAlive()) {
        t.join(10_000);
        if (t.isAlive()) {
          left.add(t);
        }
      }
    }
    assertThat(left).isEmpty();
  }

  @Test
  void aReadOnlyImageTakesNoPowerFailModel() {
    assertThatThrownBy(
            () ->
                DaxConfiguration.builder()
                    .image(dir.resolve("x.img"))
                    .readOnly(true)
                    .powerFailModel(PowerFailModel.STRICT)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("powerFailModel applies to a writable filesystem");
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static void assertBusy(Path img, ThrowingRunnable mount) {
    assertThatThrownBy(mount::run)
        .isExactlyInstanceOf(FileSystemException.class)
        .satisfies(e -> assertThat(((FileSystemException) e).getReason()).isEqualTo(Errno.EBUSY));
  }
}
