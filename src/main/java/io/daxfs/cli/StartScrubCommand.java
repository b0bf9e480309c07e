package io.daxfs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.daxfs.BadBlock;
import io.daxfs.DaxFileSystems;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code start-scrub}: an address range scrub of the image, run to completion. */
@Command(
    name = "start-scrub",
    header = "Scrub: list the latent poison, and print what was found.",
    description = {
      "Scrub an image as 'ndctl start-scrub' starts an address range scrub (and 'wait-scrub'"
          + " waits for it): every poisoned sector not yet listed is found and listed.",
      "Prints what it found: found_count (sectors) and found ({offset, length} in sectors, with"
          + " the files each destroyed), then the image's badblock_count."
    })
final class StartScrubCommand extends ImageCommand {
  @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
  Path image;

  @Override
  public Integer call() throws IOException {
    try (Images.Mount m = mount(image, false)) {
      PmemDevice d = DaxFileSystems.device(m.fs());
      List<BadBlock> found = d.scrub();
      ObjectNode o = Json.object();
      o.put("dev", image.toString());
      o.put("scrub_state", "idle");
      o.put("found_count", Namespaces.sectors(found));
      o.set("found", Namespaces.badblocks(m.fs(), found));
      o.put("badblock_count", Namespaces.sectors(d.badblocks()));
      out().println(Json.text(o));
    }
    return 0;
  }
}
