package io.daxfs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.daxfs.DaxConfiguration;
import io.daxfs.MediaErrorModel;
import io.daxfs.cli.CliFailure.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code create-namespace}: formats a new image, as ndctl provisions a namespace. */
@Command(
    name = "create-namespace",
    header = "Create an image: a new pmem namespace with an empty filesystem.",
    aliases = "create",
    description = {
      "Create a pmem image: a sparse file holding an fsdax namespace with an empty daxfs filesystem"
          + " (readable and writable by its owner only). Refuses a path that exists.",
      "Prints the new namespace as 'list' does."
    })
final class CreateNamespaceCommand extends ImageCommand {
  @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file to create.")
  Path image;

  @Option(
      names = {"-s", "--size"},
      paramLabel = "SIZE",
      defaultValue = "256m",
      description = "Device size: bytes or 64k, 64m, 1g, 1t (default: ${DEFAULT-VALUE}).")
  String size;

  @Option(
      names = {"-l", "--sector-size"},
      paramLabel = "BYTES",
      defaultValue = "512",
      description = "Logical sector size: 512 or 4096 (default: ${DEFAULT-VALUE}).")
  String sectorSize;

  @Option(
      names = "--block-size",
      paramLabel = "BYTES",
      defaultValue = "4096",
      description =
          "Filesystem block size: a power of two from 512 to 64k (default: ${DEFAULT-VALUE}).")
  String blockSize;

  @Option(
      names = {"-m", "--media-error-model"},
      paramLabel = "MODEL",
      defaultValue = "DIRECT_BYPASS",
      description =
          "What clears a media error: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  MediaErrorModel model;

  @Override
  public Integer call() throws IOException {
    if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
      throw new CliFailure(Errno.EEXIST, image + ": " + Errno.EEXIST.text + "; not overwritten");
    }
    DaxConfiguration config =
        DaxConfiguration.builder()
            .deviceSize(DaxConfiguration.parseSize(size))
            .sectorSize(intSize("--sector-size", sectorSize))
            .blockSize(intSize("--block-size", blockSize))
            .mediaErrorModel(model)
            .build();
    try (Images.Mount m = root.images.create(image, config)) {
      ObjectNode n = Namespaces.describe(image.toString(), m.fs(), false);
      n.put("block_size", config.blockSize());
      out().println(Json.text(n));
    }
    return 0;
  }

  private static int intSize(String option, String text) {
    long n = DaxConfiguration.parseSize(text);
    if (n > Integer.MAX_VALUE) {
      throw invalid(option + ": too large: " + text);
    }
    return (int) n;
  }
}
