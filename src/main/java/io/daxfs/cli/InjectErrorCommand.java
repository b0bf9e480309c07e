package io.daxfs.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.daxfs.BadBlock;
import io.daxfs.DaxFileSystems;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code inject-error}: ndctl's error injection, by sector of the image's device. */
@Command(
    name = "inject-error",
    header = "Poison sectors (listed, or latent with --no-notify); --uninject, --status.",
    description = {
      "Poison sectors of an image as 'ndctl inject-error' asks the platform to: listed in the"
          + " badblocks at once, or with --no-notify latent until a read consumes the poison or a"
          + " scrub finds it. Prints the namespace with its media errors, as 'list -M'.",
      "--uninject removes injected poison; sectors already listed stay listed until a write clears"
          + " them (see clear-errors). --status prints the poisoned sectors, listed or latent, as"
          + " {\"badblocks\":[{block, count}]}, and nothing when there are none."
    })
final class InjectErrorCommand extends ImageCommand {
  @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
  Path image;

  @Option(
      names = {"-B", "--block"},
      paramLabel = "SECTOR",
      description = "The first sector to (un)inject, counted from the start of the device.")
  Long block;

  @Option(
      names = {"-n", "--count"},
      paramLabel = "COUNT",
      description = "The number of sectors to (un)inject.")
  Long count;

  @Option(
      names = {"-N", "--no-notify"},
      description = "Latent poison: not listed until consumed or scrubbed.")
  boolean noNotify;

  @Option(
      names = {"-d", "--uninject"},
      description = "Remove injected poison instead.")
  boolean uninject;

  @Option(
      names = {"-t", "--status"},
      description = "Print the injected poison and change nothing.")
  boolean status;

  @Override
  public Integer call() throws IOException {
    if (status) {
      if (block != null || count != null || uninject || noNotify) {
        throw invalid("--status is invalid with inject or uninject options");
      }
      try (Images.Mount m = mount(image, true)) {
        List<BadBlock> poisoned = DaxFileSystems.device(m.fs()).injectedErrors();
        if (!poisoned.isEmpty()) {
          ObjectNode o = Json.object();
          ArrayNode a = o.putArray("badblocks");
          for (BadBlock b : poisoned) {
            a.addObject().put("block", b.startSector()).put("count", b.count());
          }
          out().println(Json.text(o));
        }
      }
      return 0;
    }
    if (block == null || count == null) {
      throw invalid("--block and --count are required to inject or uninject");
    }
    if (uninject && noNotify) {
      throw invalid("--no-notify is for injection, not --uninject");
    }
    if (block < 0) {
      throw invalid("--block must not be negative: " + block);
    }
    if (count <= 0) {
      throw invalid("--count must be positive: " + count);
    }
    try (Images.Mount m = mount(image, false)) {
      PmemDevice d = DaxFileSystems.device(m.fs());
      if (uninject) {
        d.uninjectError(block, count);
        err()
            .println(
                "Warning: uninjecting removes the poison, not the listing: sectors already in the"
                    + " badblocks stay there until a write clears them (see clear-errors).");
      } else if (noNotify) {
        d.injectLatentError(block, count);
      } else {
        d.injectError(block, count);
      }
      out().println(Json.text(Namespaces.describe(image.toString(), m.fs(), true)));
    }
    return 0;
  }
}
