package io.daxfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code daxfs} commands in process on image files in a temporary host directory. */
abstract class CliHarness {
  static final int EINVAL = 234;
  static final int ENOENT = 254;
  static final int EEXIST = 239;
  static final int EISDIR = 235;
  static final int EIO = 251;
  static final int EBUSY = 240;
  static final int EUCLEAN = 139;
  static final int USAGE = 129;

  @TempDir Path host;

  /** The image files, with {@code check} reports that a test may script. */
  final ScriptedChecks images = new ScriptedChecks();

  static final class ScriptedChecks implements Images {
    private final List<CheckReport> next = new ArrayList<>();

    void nextCheck(CheckReport report) {
      next.add(report);
    }

    @Override
    public Mount create(Path image, DaxConfiguration config) throws IOException {
      return ImageFiles.INSTANCE.create(image, config);
    }

    @Override
    public Mount mount(Path image, boolean readOnly) throws IOException {
      return ImageFiles.INSTANCE.mount(image, readOnly);
    }

    @Override
    public CheckReport check(Path image, boolean repair) throws IOException {
      return next.isEmpty() ? ImageFiles.INSTANCE.check(image, repair) : next.remove(0);
    }
  }

  /** What one command did. */
  record Result(String command, int exit, String out, String err) {
    JsonNode json() {
      try {
        return new ObjectMapper().readTree(out);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + out, e);
      }
    }

    Result succeeds() {
      assertThat(exit).as("exit status of %s; stderr: %s", command, err).isZero();
      return this;
    }

    Result fails(int status, String message) {
      assertThat(exit).as("exit status of %s; stdout: %s", command, out).isEqualTo(status);
      assertThat(err).as("stderr of %s", command).contains(message);
      return this;
    }
  }

  Result daxfs(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = DaxCli.run(images, new PrintWriter(out), new PrintWriter(err), args);
    return new Result("daxfs " + String.join(" ", args), exit, out.toString(), err.toString());
  }

  /** A new image in the host directory, 16 MiB, with the other options given. */
  Path newImage(String name, String... options) {
    Path image = host.resolve(name);
    String[] args = new String[options.length + 4];
    args[0] = "create-namespace";
    args[1] = image.toString();
    args[2] = "--size";
    args[3] = "16m";
    System.arraycopy(options, 0, args, 4, options.length);
    daxfs(args).succeeds();
    return image;
  }

  /** Work on an image between commands, as a program would: mounted, then closed. */
  interface OnImage<T> {
    T apply(FileSystem fs) throws IOException;
  }

  <T> T onImage(Path image, OnImage<T> work) throws IOException {
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().image(image).build())) {
      return work.apply(fs);
    }
  }
}
