package io.daxfs.nio;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same operations on a directory of the host's filesystem, watched by the JDK's inotify
 * service, and on daxfs: after each step, both report the same set of (directory, kind, name).
 */
class WatchServiceComparisonTest {
  /** How long the host's events may take to arrive (they come from the JDK's poller thread). */
  private static final long HOST_DEADLINE_MS = 5000;

  /** Quiet time after which no more host events are expected for a step. */
  private static final long HOST_QUIET_MS = 250;

  @FunctionalInterface
  interface Step {
    void run(Path root) throws IOException;
  }

  @Test
  void daxfsReportsWhatInotifyReports(@TempDir Path hostRoot) throws Exception {
    Assumptions.assumeTrue(
        System.getProperty("os.name").equals("Linux"), "the JDK's inotify service");
    Map<String, Step> steps = new LinkedHashMap<>();
    steps.put("create a file", r -> Files.createFile(r.resolve("d/a")));
    steps.put("write an existing file", r -> Files.write(r.resolve("d/a"), new byte[100]));
    steps.put("write a new file", r -> Files.write(r.resolve("d/n"), new byte[10]));
    steps.put("write an empty new file", r -> Files.write(r.resolve("d/e"), new byte[0]));
    steps.put(
        "append through a channel",
        r -> {
          try (FileChannel ch = FileChannel.open(r.resolve("d/a"), APPEND)) {
            ch.write(ByteBuffer.allocate(5));
          }
        });
    steps.put(
        "truncate",
        r -> {
          try (FileChannel ch = FileChannel.open(r.resolve("d/a"), WRITE)) {
            ch.truncate(10);
            ch.truncate(50);
          }
        });
    steps.put(
        "read and force",
        r -> {
          Files.readAllBytes(r.resolve("d/a"));
          try (FileChannel ch = FileChannel.open(r.resolve("d/a"), READ, WRITE)) {
            ch.force(true);
          }
        });
    steps.put(
        "set the modification time",
        r -> Files.setLastModifiedTime(r.resolve("d/a"), FileTime.fromMillis(0)));
    steps.put(
        "set permissions",
        r ->
            Files.setPosixFilePermissions(
                r.resolve("d/a"), PosixFilePermissions.fromString("rw-r-----")));
    steps.put("create a subdirectory", r -> Files.createDirectory(r.resolve("d/sub")));
    steps.put("create inside the subdirectory", r -> Files.createFile(r.resolve("d/sub/x")));
    steps.put(
        "set the watched directory's time",
        r -> Files.setLastModifiedTime(r.resolve("d"), FileTime.fromMillis(0)));
    steps.put("rename within", r -> Files.move(r.resolve("d/a"), r.resolve("d/b")));
    steps.put("move in", r -> Files.move(r.resolve("o/in"), r.resolve("d/in")));
    steps.put("move out", r -> Files.move(r.resolve("d/n"), r.resolve("o/n")));
    steps.put(
        "move onto an existing file",
        r -> Files.move(r.resolve("d/b"), r.resolve("d/in"), StandardCopyOption.REPLACE_EXISTING));
    steps.put(
        "atomic move onto an existing file",
        r -> Files.move(r.resolve("d/e"), r.resolve("d/in"), StandardCopyOption.ATOMIC_MOVE));
    steps.put("hard link", r -> Files.createLink(r.resolve("d/h"), r.resolve("d/in")));
    // While a file has several names, daxfs announces its changes under each (see
    // DaxWatchServiceTest)
    steps.put("delete a hard link", r -> Files.delete(r.resolve("d/h")));
    steps.put("symbolic link", r -> Files.createSymbolicLink(r.resolve("o/s"), r.resolve("d/in")));
    steps.put(
        "write through the symbolic link", r -> Files.write(r.resolve("o/s"), new byte[3], APPEND));
    steps.put("delete a symbolic link", r -> Files.delete(r.resolve("o/s")));
    steps.put(
        "delete a subdirectory",
        r -> {
          Files.delete(r.resolve("d/sub/x"));
          Files.delete(r.resolve("d/sub"));
        });
    steps.put("move a watched directory away", r -> Files.move(r.resolve("m"), r.resolve("m2")));
    steps.put("create in the moved directory", r -> Files.createFile(r.resolve("m2/f")));
    steps.put(
        "delete a watched directory",
        r -> {
          Files.delete(r.resolve("m2/f"));
          Files.delete(r.resolve("m2"));
        });

    try (FileSystem dax = DaxFileSystems.newFileSystem()) {
      Path daxRoot = Files.createDirectory(dax.getPath("/root"));
      try (WatchService host = prepare(hostRoot);
          WatchService emulated = prepare(daxRoot)) {
        for (Map.Entry<String, Step> step : steps.entrySet()) {
          step.getValue().run(daxRoot);
          Set<String> daxEvents = drain(emulated, Set.of(), 0);
          step.getValue().run(hostRoot);
          Set<String> hostEvents = drain(host, daxEvents, HOST_DEADLINE_MS);
          assertThat(daxEvents).as(step.getKey()).isEqualTo(hostEvents);
        }
      }
    }
  }

  private static WatchService prepare(Path root) throws IOException {
    for (String dir : List.of("d", "o", "m")) {
      Files.createDirectory(root.resolve(dir));
    }
    Files.createFile(root.resolve("o/in"));
    WatchService service = root.getFileSystem().newWatchService();
    for (String dir : List.of("d", "o", "m")) {
      root.resolve(dir).register(service, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
    }
    return service;
  }

  /**
   * The events of every signalled key as "dir KIND name", and "dir invalid" for a key invalidated.
   * Waits up to {@code deadlineMs} for the set to cover {@code expected}, then for a quiet spell.
   */
  private static Set<String> drain(WatchService service, Set<String> expected, long deadlineMs)
      throws InterruptedException {
    Set<String> seen = new TreeSet<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMs);
    while (true) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      long wait =
          deadlineMs == 0
              ? 0
              : seen.containsAll(expected) ? HOST_QUIET_MS : Math.max(left, HOST_QUIET_MS);
      WatchKey key = service.poll(wait, TimeUnit.MILLISECONDS);
      if (key == null) {
        return seen;
      }
      String dir = ((Path) key.watchable()).getFileName().toString();
      List<WatchEvent<?>> events = new ArrayList<>(key.pollEvents());
      for (WatchEvent<?> e : events) {
        seen.add(dir + " " + e.kind().name() + " " + e.context());
      }
      if (!key.reset()) {
        seen.add(dir + " invalid");
      }
    }
  }
}
