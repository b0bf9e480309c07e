package io.daxfs.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fiemap}: where a file of the image lives on its device. */
@Command(
    name = "fiemap",
    header = "Show a file's extents in device sectors.",
    description = {
      "Show where a file of an image lives on the device (FIEMAP), as 'xfs_io -c \"fiemap -v\"'"
          + " does, in the device's sectors, so that a range can be handed to inject-error --block."
          + " Holes are not listed.",
      "With --json: {file, size, sector_size, extents:[{logical, physical, length (bytes),"
          + " block, count (sectors), last}]}."
    })
final class FiemapCommand extends ImageCommand {
  @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
  Path image;

  @Parameters(index = "1", paramLabel = "FILE", description = "A file in the image, e.g. /log.")
  String file;

  @Option(names = "--json", description = "Print JSON instead of the table.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    try (Images.Mount m = mount(image, true)) {
      Path p = ImagePaths.resolve(m.fs(), file);
      int sector = DaxFileSystems.device(m.fs()).sectorSize();
      List<FileExtent> extents = DaxFiles.extents(p);
      PrintWriter out = out();
      if (json) {
        ObjectNode o = Json.object();
        o.put("file", p.toString());
        o.put("size", Files.size(p));
        o.put("sector_size", sector);
        ArrayNode a = o.putArray("extents");
        for (FileExtent e : extents) {
          a.addObject()
              .put("logical", e.logicalOffset())
              .put("physical", e.physicalOffset())
              .put("length", e.length())
              .put("block", e.physicalOffset() / sector)
              .put("count", e.length() / sector)
              .put("last", e.last());
        }
        out.println(Json.text(o));
        return 0;
      }
      out.println(p + ":");
      out.printf(
          " %3s: %-20s %-20s %8s %s%n", "EXT", "FILE-OFFSET", "BLOCK-RANGE", "TOTAL", "FLAGS");
      int i = 0;
      for (FileExtent e : extents) {
        long n = e.length() / sector;
        long logical = e.logicalOffset() / sector;
        long physical = e.physicalOffset() / sector;
        out.printf(
            " %3d: %-20s %-20s %8d %s%n",
            i++,
            "[" + logical + ".." + (logical + n - 1) + "]:",
            physical + ".." + (physical + n - 1),
            n,
            e.last() ? "0x1" : "0x0");
      }
    }
    return 0;
  }
}
