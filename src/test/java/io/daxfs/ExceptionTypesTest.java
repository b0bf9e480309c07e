package io.daxfs;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.common.jimfs.Jimfs;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every exception daxfs throws to a program is of a public type, and so is everything in its cause
 * chain and among its suppressed exceptions: programs catch, log, serialize and rebuild them
 * (Lucene's {@code MMapDirectory} rebuilds a failed map's exception from its message and cause),
 * and must never meet daxfs's internal classes there. A media error's message alone tells the lost
 * ranges and the repair.
 */
class ExceptionTypesTest {
  private static final int SIZE = 3 * 4096;
  private static final FileRange BAD = new FileRange(4608, 512);

  private FileSystem fs;
  private Path file;

  @AfterEach
  void tearDown() throws IOException {
    if (fs != null) {
      fs.close();
    }
  }

  private void setUp(MediaErrorModel model, long deviceSize) throws IOException {
    fs =
        DaxFileSystems.newFileSystem(
            DaxConfiguration.builder().deviceSize(deviceSize).mediaErrorModel(model).build());
    file = fs.getPath("/data");
    byte[] data = new byte[SIZE];
    new Random(7).nextBytes(data);
    Files.write(file, data);
  }

  /** Whether a class is one a program may meet: the JDK's, or daxfs's public API. */
  static boolean isPublicType(Class<?> c) {
    String pkg = c.getPackageName();
    if (pkg.startsWith("java.") || pkg.startsWith("javax.")) {
      return true;
    }
    return (pkg.equals("io.daxfs") || pkg.equals("io.daxfs.junit"))
        && Modifier.isPublic(c.getModifiers());
  }

  /**
   * Asserts that {@code t}, its causes and its suppressed exceptions, recursively, are all of
   * public types.
   */
  static void assertOnlyPublicTypes(String what, Throwable t) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Throwable> todo = new ArrayList<>(List.of(t));
    while (!todo.isEmpty()) {
      Throwable x = todo.remove(todo.size() - 1);
      if (!seen.add(x)) {
        continue;
      }
      assertThat(isPublicType(x.getClass()))
          .as("%s: %s in the chain of %s", what, x.getClass().getName(), t)
          .isTrue();
      if (x.getCause() != null) {
        todo.add(x.getCause());
      }
      todo.addAll(List.of(x.getSuppressed()));
    }
  }

  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }

  /** What {@code action} throws, which must be a {@code type}; fails when it throws nothing. */
  private static <T extends Throwable> T thrown(String what, Class<T> type, Action action) {
    try {
      action.run();
    } catch (Throwable t) {
      Throwable actual =
          t instanceof ExecutionException e && e.getCause() != null ? e.getCause() : t;
      assertOnlyPublicTypes(what, t);
      assertThat(actual).as(what).isInstanceOf(type);
      return type.cast(actual);
    }
    return fail(what + ": nothing thrown");
  }

  @ParameterizedTest
  @EnumSource(MediaErrorModel.class)
  void mediaErrorsOnEveryPathHoldOnlyPublicTypes(MediaErrorModel model) throws Exception {
    setUp(model, 16 << 20);
    DaxFiles.injectError(file, BAD.offset(), BAD.length());
    Class<MediaErrorException> me = MediaErrorException.class;
    thrown(
        "channel read",
        me,
        () -> {
          try (FileChannel ch = FileChannel.open(file, READ)) {
            ch.read(ByteBuffer.allocate(SIZE), BAD.offset());
          }
        });
    thrown(
        "scattering read",
        me,
        () -> {
          try (FileChannel ch = FileChannel.open(file, READ)) {
            ch.position(BAD.offset())
                .read(new ByteBuffer[] {ByteBuffer.allocate(100), ByteBuffer.allocate(100)});
          }
        });
    thrown(
        "DIRECT read",
        me,
        () -> {
          try (FileChannel ch = FileChannel.open(file, READ, ExtendedOpenOption.DIRECT)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(8192).alignedSlice(4096).limit(4096);
            ch.read(buf, 4096);
          }
        });
    thrown("readAllBytes", me, () -> Files.readAllBytes(file));
    thrown(
        "input stream",
        me,
        () -> {
          try (InputStream in = Files.newInputStream(file)) {
            in.readAllBytes();
          }
        });
    thrown(
        "transferTo",
        me,
        () -> {
          try (FileChannel ch = FileChannel.open(file, READ)) {
            ch.transferTo(
                BAD.offset(), 100, Channels.newChannel(new java.io.ByteArrayOutputStream()));
          }
        });
    thrown(
        "asynchronous read",
        me,
        () -> {
          try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, READ)) {
            ch.read(ByteBuffer.allocate(100), BAD.offset()).get(10, TimeUnit.SECONDS);
          }
        });
    thrown("copy", me, () -> Files.copy(file, fs.getPath("/copy")));
    thrown(
        "copy to another provider",
        me,
        () -> {
          try (FileSystem jimfs = Jimfs.newFileSystem()) {
            Files.copy(file, jimfs.getPath("/copy"));
          }
        });
    thrown(
        "map READ_ONLY",
        me,
        () -> {
          try (FileChannel ch = FileChannel.open(file, READ)) {
            ch.map(MapMode.READ_ONLY, 0, SIZE);
          }
        });
    thrown(
        "map READ_WRITE",
        me,
        () -> {
          try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
            ch.map(MapMode.READ_WRITE, 4096, 4096);
          }
        });
    thrown(
        "partial write",
        me,
        () -> {
          try (FileChannel ch = FileChannel.open(file, WRITE)) {
            ch.write(ByteBuffer.allocate(10), BAD.offset() + 10);
          }
        });
    thrown(
        "truncate inside the bad sector",
        me,
        () -> {
          try (FileChannel ch = FileChannel.open(file, WRITE)) {
            ch.truncate(BAD.offset() + 100);
          }
        });
    thrown(
        "punchHole inside the bad sector",
        me,
        () -> DaxFiles.punchHole(file, BAD.offset() + 100, 100));
  }

  /**
   * Lucene's {@code MMapDirectory} turns a failed {@code map()} into {@code new IOException(
   * e.getMessage() + hint, e.getCause())}: what survives, the message and the cause, still tells
   * the lost ranges and the repair, and holds only public types.
   */
  @ParameterizedTest
  @EnumSource(MediaErrorModel.class)
  void aRebuiltMapErrorKeepsTheRangesAndTheRepair(MediaErrorModel model) throws IOException {
    setUp(model, 16 << 20);
    DaxFiles.injectError(file, BAD.offset(), BAD.length());
    MediaErrorException e =
        thrown(
            "map",
            MediaErrorException.class,
            () -> {
              try (FileChannel ch = FileChannel.open(file, READ)) {
                ch.map(MapMode.READ_ONLY, 0, SIZE);
              }
            });
    IOException rebuilt = new IOException(e.getMessage() + " [hint]", e.getCause());
    assertOnlyPublicTypes("rebuilt", rebuilt);
    assertThat(rebuilt.getMessage())
        .contains("/data")
        .contains(MediaErrorException.REASON)
        .contains(BAD.toString())
        .contains(e.recovery().describe())
        .contains(e.recovery().range().toString());
  }

  @Test
  void noSpaceHoldsOnlyPublicTypes() throws IOException {
    setUp(MediaErrorModel.DIRECT_BYPASS, 1 << 20);
    FileSystemException full =
        thrown(
            "write past the device",
            FileSystemException.class,
            () -> Files.write(fs.getPath("/big"), new byte[2 << 20]));
    assertThat(full.getReason()).isEqualTo("No space left on device");
    thrown(
        "map past the device",
        FileSystemException.class,
        () -> {
          try (FileChannel ch = FileChannel.open(fs.getPath("/m"), CREATE, READ, WRITE)) {
            ch.map(MapMode.READ_WRITE, 0, 2 << 20);
          }
        });
    thrown(
        "copy past the device",
        FileSystemException.class,
        () -> {
          Files.write(fs.getPath("/half"), new byte[600 << 10]);
          Files.copy(fs.getPath("/half"), fs.getPath("/half2"));
        });
  }

  @Test
  void badInputAndClosedThingsHoldOnlyPublicTypes() throws Exception {
    setUp(MediaErrorModel.DIRECT_BYPASS, 16 << 20);
    thrown(
        "misaligned DIRECT",
        IOException.class,
        () -> {
          try (FileChannel ch = FileChannel.open(file, READ, ExtendedOpenOption.DIRECT)) {
            ch.read(ByteBuffer.allocate(100), 3);
          }
        });
    thrown(
        "negative position",
        IllegalArgumentException.class,
        () -> {
          try (FileChannel ch = FileChannel.open(file, READ)) {
            ch.read(ByteBuffer.allocate(1), -1);
          }
        });
    thrown(
        "another provider's path",
        ProviderMismatchException.class,
        () -> fs.provider().newFileChannel(Path.of("x"), Set.of(READ)));
    thrown(
        "bad injection",
        IllegalArgumentException.class,
        () -> DaxFiles.injectError(file, SIZE, 512));
    thrown(
        "missing file",
        java.nio.file.NoSuchFileException.class,
        () -> Files.readAllBytes(fs.getPath("/none")));
    thrown("reading a directory", IOException.class, () -> Files.readAllBytes(fs.getPath("/")));
    FileChannel open = FileChannel.open(file, READ);
    fs.close();
    thrown(
        "closed channel",
        java.nio.channels.ClosedChannelException.class,
        () -> open.read(ByteBuffer.allocate(1)));
    thrown("closed filesystem", ClosedFileSystemException.class, () -> Files.readAllBytes(file));
  }
}
