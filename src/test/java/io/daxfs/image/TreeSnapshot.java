package io.daxfs.image;

import io.daxfs.DaxFiles;
import io.daxfs.MediaErrorException;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a program can see of a tree, as text per path: kind, mode, inode number, link count,
 * owner, group, the four times, size, content digest, link target and extents. Contents are read
 * first, so that the access times a read moves (relatime) have moved before attributes are taken.
 */
final class TreeSnapshot {
  private TreeSnapshot() {}

  static Map<String, String> of(FileSystem fs) throws IOException {
    Path root = fs.getPath("/");
    List<Path> all = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            all.add(dir);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            all.add(file);
            return FileVisitResult.CONTINUE;
          }
        });
    Map<String, String> digests = new TreeMap<>();
    for (Path p : all) {
      if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        String digest;
        try {
          digest = Integer.toHexString(Arrays.hashCode(Files.readAllBytes(p)));
        } catch (MediaErrorException e) {
          digest = "EIO " + e.badRanges();
        }
        digests.put(p.toString(), digest);
      }
    }
    Map<String, String> out = new TreeMap<>();
    for (Path p : all) {
      Map<String, Object> a =
          new TreeMap<>(Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS));
      a.remove("dev");
      a.remove("fileKey");
      a.remove("rdev");
      StringBuilder sb = new StringBuilder(a.toString());
      if (Files.isSymbolicLink(p)) {
        sb.append(" -> ").append(Files.readSymbolicLink(p));
      } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        sb.append(" digest=").append(digests.get(p.toString()));
        sb.append(" extents=").append(DaxFiles.extents(p));
      }
      out.put(p.toString(), sb.toString());
    }
    return out;
  }
}
