package io.daxfs.cli;

import io.daxfs.cli.CliFailure.Errno;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What every command shares: its help option, its output, and mounting its image. */
abstract class ImageCommand implements Callable<Integer> {
  @ParentCommand DaxCli root;

  @Spec CommandSpec spec;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  final PrintWriter out() {
    return spec.commandLine().getOut();
  }

  final PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /**
   * Mounts an existing image for this command: a missing path and a directory are refused with
   * ndctl's errors before the image is touched.
   */
  final Images.Mount mount(Path image, boolean readOnly) throws IOException {
    requireImage(image);
    return root.images.mount(image, readOnly);
  }

  static void requireImage(Path image) {
    if (!Files.exists(image, LinkOption.NOFOLLOW_LINKS) && !Files.exists(image)) {
      throw new CliFailure(Errno.ENOENT, image + ": " + Errno.ENOENT.text);
    }
    if (Files.isDirectory(image)) {
      throw new CliFailure(Errno.EISDIR, image + ": " + Errno.EISDIR.text + ", not an image");
    }
  }

  static CliFailure invalid(String message) {
    return new CliFailure(Errno.EINVAL, message);
  }
}
