package io.daxfs.cli;

import io.daxfs.BadBlock;
import io.daxfs.DaxFileSystems;
import io.daxfs.PmemDevice;
import io.daxfs.device.EmulatedPmem;
import io.daxfs.nio.DaxFileSystem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code clear-errors}: ndctl's clearing of every listed bad sector, data lost. */
@Command(
    name = "clear-errors",
    header = "Clear the listed bad sectors by zeroing them: their data is lost.",
    description = {
      "Clear every listed bad sector of an image as 'ndctl clear-errors' does: by writing zeros"
          + " through the driver. THE DATA THERE IS LOST: files read zeros where the bad sectors"
          + " were (each is named). To keep data, restore or rewrite the damaged files instead.",
      "Latent poison is not listed and so not cleared; --scrub finds it first."
    })
final class ClearErrorsCommand extends ImageCommand {
  @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
  Path image;

  @Option(
      names = {"-s", "--scrub"},
      description = "Scrub first, so that latent poison is listed and cleared too.")
  boolean scrub;

  @Override
  public Integer call() throws IOException {
    try (Images.Mount m = mount(image, false)) {
      FileSystem fs = m.fs();
      PmemDevice d = DaxFileSystems.device(fs);
      if (scrub) {
        d.scrub();
      }
      List<BadBlock> bbs = d.badblocks();
      PrintWriter out = out();
      if (bbs.isEmpty()) {
        out.println(image + ": no badblocks to clear");
        return 0;
      }
      Map<BadBlock, List<Damage.Loss>> damage = Damage.of(fs, bbs, d.sectorSize());
      // The driver's zeroing (what block allocation uses) is the write ndctl makes through the
      // block device; no file's blocks move, its bytes there just become zeros.
      EmulatedPmem raw = ((DaxFileSystem) fs).volume().device();
      for (BadBlock b : bbs) {
        raw.zero(b.startByte(d.sectorSize()), b.count() * d.sectorSize());
      }
      out.printf(
          "%s: cleared %d sectors in %d badblocks by writing zeros through the driver%n",
          image, Namespaces.sectors(bbs), bbs.size());
      for (Map.Entry<BadBlock, List<Damage.Loss>> e : damage.entrySet()) {
        BadBlock b = e.getKey();
        String where = "  sectors " + b.startSector() + "+" + b.count() + ": ";
        if (e.getValue().isEmpty()) {
          out.println(where + "no file's data");
        }
        for (Damage.Loss l : e.getValue()) {
          out.println(where + l.path() + " " + l.range() + " lost, now zeros");
        }
      }
      if (!d.badblocks().isEmpty()) {
        throw new IllegalStateException("badblocks left after clearing: " + d.badblocks());
      }
    }
    return 0;
  }
}
