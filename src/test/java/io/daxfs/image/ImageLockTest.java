package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import io.daxfs.DaxFileSystems;
import io.daxfs.fs.Errno;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writer per image: another filesystem, in this JVM or another process, is refused. */
class ImageLockTest {
  @TempDir Path dir;

  private static void assertBusy(Path img, ThrowingRunnable mount) {
    assertThatThrownBy(mount::run)
        .isExactlyInstanceOf(FileSystemException.class)
        .satisfies(
            e -> {
              FileSystemException f = (FileSystemException) e;
              assertThat(f.getFile()).isEqualTo(img.toString());
              assertThat(f.getOtherFile()).isNull();
              assertThat(f.getReason()).isEqualTo(Errno.EBUSY);
            });
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void aNewImageIsReadableAndWritableByItsOwnerOnly() throws Exception {
    Path img = dir.resolve("pmem0.img");
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(fs.isOpen()).isTrue();
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(img)))
        .isEqualTo("rw-------");
  }

  @Test
  void aSecondFilesystemInThisJvmIsRefusedWhileTheFirstIsOpen() throws Exception {
    Path img = dir.resolve("pmem0.img");
    try (FileSystem fs =
        FileSystems.newFileSystem(URI.create("dax://locked"), Map.of("image", img.toString()))) {
      Files.writeString(fs.getPath("/a"), "a");
      assertBusy(img, () -> DaxFileSystems.newFileSystem(Images.config(img)).close());
      assertBusy(img, () -> DaxFileSystems.newFileSystem(Images.readOnly(img)).close());
      assertBusy(img, () -> ImageCheck.run(img, false));
      assertThat(Files.readString(fs.getPath("/a"))).isEqualTo("a"); // still the writer's
    }
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(Files.readString(fs.getPath("/a"))).isEqualTo("a");
    }
  }

  @Test
  void readersShareAnImageAndKeepWritersOut() throws Exception {
    Path img = Images.populated(dir.resolve("pmem0.img"));
    FileSystem first = DaxFileSystems.newFileSystem(Images.readOnly(img));
    FileSystem second = DaxFileSystems.newFileSystem(Images.readOnly(img));
    assertBusy(img, () -> DaxFileSystems.newFileSystem(Images.config(img)).close());
    first.close();
    assertBusy(img, () -> DaxFileSystems.newFileSystem(Images.config(img)).close());
    assertThat(Files.readString(second.getPath("/etc/conf.d/app"))).isEqualTo("key=value\n");
    second.close();
    DaxFileSystems.newFileSystem(Images.config(img)).close();
  }

  @Test
  void anotherProcessHoldingTheImageKeepsEveryoneOutUntilItIsKilled() throws Exception {
    Path img = dir.resolve("pmem0.img");
    Process child = holder(img);
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).as("the child's first line").isEqualTo("mounted");
      assertBusy(img, () -> DaxFileSystems.newFileSystem(Images.config(img)).close());
      assertBusy(img, () -> DaxFileSystems.newFileSystem(Images.readOnly(img)).close());
      assertBusy(img, () -> ImageCheck.run(img, true));
      child.destroyForcibly(); // SIGKILL: no close, no last checkpoint
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    // the lock died with the process, and what it wrote before saying so is there
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(Files.readString(fs.getPath("/held")))
          .isEqualTo("written by process " + child.pid());
    }
    assertThat(ImageCheck.run(img, false).clean()).isTrue();
  }

  private static Process holder(Path img) throws Exception {
    String classPath =
        String.join(
            File.pathSeparator,
            location(DaxFileSystems.class),
            location(HoldImage.class),
            location(ImmutableList.class),
            location(com.google.common.util.concurrent.internal.InternalFutureFailureAccess.class));
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            classPath,
            HoldImage.class.getName(),
            img.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static String location(Class<?> c) throws Exception {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
