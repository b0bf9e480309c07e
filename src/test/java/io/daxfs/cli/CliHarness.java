package io.daxfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code daxfs} commands in process on images in a temporary host directory. */
abstract class CliHarness {
  static final int EINVAL = 234;
  static final int ENOENT = 254;
  static final int EEXIST = 239;
  static final int EISDIR = 235;
  static final int EIO = 251;
  static final int USAGE = 129;

  @TempDir Path host;

  final InMemoryImages images = new InMemoryImages();

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

  /** A new image in the host directory, 16 MiB unless other options say otherwise. */
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

  FileSystem fs(Path image) {
    return images.fs(image);
  }

  @AfterEach
  void closeImages() throws IOException {
    images.close();
  }
}
