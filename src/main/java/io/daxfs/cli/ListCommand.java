package io.daxfs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code list}: ndctl's {@code list} of the images' namespaces. */
@Command(
    name = "list",
    header = "Describe images as 'ndctl list' does, with --media-errors the files lost.",
    description = {
      "Describe images as 'ndctl list' describes namespaces: dev, mode, size, sector_size,"
          + " media_error_model, and badblock_count (in sectors) when any sector is known bad.",
      "With --media-errors, also the badblocks ({offset, length} in sectors) and, what ndctl cannot"
          + " tell, the files each one destroyed with the lost bytes ({path, offset, length} in"
          + " bytes of the file).",
      "Latent poison is not listed until a read or a scrub finds it (see start-scrub)."
    })
final class ListCommand extends ImageCommand {
  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "The images to describe.")
  List<Path> imageFiles;

  @Option(
      names = {"-M", "--media-errors"},
      description = "Include the badblocks and the files they destroyed.")
  boolean mediaErrors;

  @Override
  public Integer call() throws IOException {
    List<ObjectNode> found = new ArrayList<>();
    for (Path image : imageFiles) {
      try (Images.Mount m = mount(image, true)) {
        found.add(Namespaces.describe(image.toString(), m.fs(), mediaErrors));
      }
    }
    out().println(Json.listing(found));
    return 0;
  }
}
