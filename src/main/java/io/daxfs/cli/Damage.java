package io.daxfs.cli;

import io.daxfs.BadBlock;
import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import io.daxfs.FileRange;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What ndctl cannot tell: which files, and which of their bytes, each bad sector destroyed. Every
 * regular file of the tree is asked for its lost ranges ({@link DaxFiles#badRanges}), and each lost
 * range is placed under the badblocks that hold it through the file's extents.
 */
final class Damage {
  /** Bytes {@code range} of the file {@code path} lie on the bad sectors of one badblock. */
  record Loss(String path, FileRange range) {}

  private Damage() {}

  /**
   * For each of {@code badblocks} (in their order), the file ranges on it, by path in walk order.
   * Symbolic links are not followed; a file with several names is listed under each.
   */
  static Map<BadBlock, List<Loss>> of(FileSystem fs, List<BadBlock> badblocks, int sectorSize)
      throws IOException {
    Map<BadBlock, List<Loss>> out = new LinkedHashMap<>();
    for (BadBlock b : badblocks) {
      out.put(b, new ArrayList<>());
    }
    if (badblocks.isEmpty()) {
      return out;
    }
    Path root = fs.getRootDirectories().iterator().next();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (attrs.isRegularFile()) {
              place(file, out, sectorSize);
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return out;
  }

  private static void place(Path file, Map<BadBlock, List<Loss>> out, int sectorSize)
      throws IOException {
    List<FileRange> lost = DaxFiles.badRanges(file);
    if (lost.isEmpty()) {
      return;
    }
    List<FileExtent> extents = DaxFiles.extents(file);
    for (FileRange r : lost) {
      for (FileExtent e : extents) {
        long from = Math.max(r.offset(), e.logicalOffset());
        long to = Math.min(r.end(), e.logicalOffset() + e.length());
        if (from >= to) {
          continue;
        }
        long toDevice = e.physicalOffset() - e.logicalOffset();
        for (Map.Entry<BadBlock, List<Loss>> bb : out.entrySet()) {
          long badFrom = bb.getKey().startSector() * sectorSize - toDevice;
          long badTo = bb.getKey().endSector() * sectorSize - toDevice;
          long a = Math.max(from, badFrom);
          long z = Math.min(to, badTo);
          if (a < z) {
            bb.getValue().add(new Loss(file.toString(), new FileRange(a, z - a)));
          }
        }
      }
    }
  }
}
