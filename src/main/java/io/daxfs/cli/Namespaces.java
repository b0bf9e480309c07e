package io.daxfs.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.daxfs.BadBlock;
import io.daxfs.DaxFileSystems;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.util.List;
import java.util.Map;

/** A mounted image described as {@code ndctl list} describes a namespace. */
final class Namespaces {
  private Namespaces() {}

  /**
   * ndctl's namespace object: {@code dev}, {@code mode}, {@code size}, {@code sector_size}, then
   * daxfs's {@code media_error_model}; {@code badblock_count} (sectors) when there are badblocks,
   * and with {@code mediaErrors} the {@code badblocks} themselves, each with the files it
   * destroyed.
   */
  static ObjectNode describe(String dev, FileSystem fs, boolean mediaErrors) throws IOException {
    PmemDevice d = DaxFileSystems.device(fs);
    ObjectNode n = Json.object();
    n.put("dev", dev);
    n.put("mode", "fsdax");
    n.put("size", d.size());
    n.put("sector_size", d.sectorSize());
    n.put("media_error_model", d.mediaErrorModel().name());
    List<BadBlock> bbs = d.badblocks();
    if (!bbs.isEmpty()) {
      n.put("badblock_count", sectors(bbs));
      if (mediaErrors) {
        n.set("badblocks", badblocks(fs, bbs));
      }
    }
    return n;
  }

  static long sectors(List<BadBlock> bbs) {
    return bbs.stream().mapToLong(BadBlock::count).sum();
  }

  /**
   * {@code [{"offset":sector,"length":sectors,"files":[{"path","offset","length"}]}]}: the file
   * offsets and lengths in bytes, {@code files} left out where no file held data there.
   */
  static ArrayNode badblocks(FileSystem fs, List<BadBlock> bbs) throws IOException {
    int sectorSize = DaxFileSystems.device(fs).sectorSize();
    ArrayNode a = Json.array();
    for (Map.Entry<BadBlock, List<Damage.Loss>> e : Damage.of(fs, bbs, sectorSize).entrySet()) {
      ObjectNode b = a.addObject();
      b.put("offset", e.getKey().startSector());
      b.put("length", e.getKey().count());
      if (!e.getValue().isEmpty()) {
        ArrayNode files = b.putArray("files");
        for (Damage.Loss l : e.getValue()) {
          files
              .addObject()
              .put("path", l.path())
              .put("offset", l.range().offset())
              .put("length", l.range().length());
        }
      }
    }
    return a;
  }
}
