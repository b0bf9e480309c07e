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

  /** A digest of the file's bytes, read in chunks; a file of more than 64 MiB by its head. */
  static String digest(Path p) throws IOException {
    int h = 1;
    long total = 0;
    try (var in = Files.newInputStream(p)) {
      byte[] buf = new byte[1 << 16];
      for (int n; total < (64 << 20) && (n = in.read(buf)) > 0; total += n) {
        h = 31 * h + Arrays.hashCode(Arrays.copyOf(buf, n));
      }
    }
    return Integer.toHexString(h);
  }

  static Map<String, String> of(FileSystem fs) throws IOException {
    return of(fs, true);
  }

  /**
   * As {@link #of(FileSystem)}; without {@code times}, leaving out the times a write moves (which
   * an image records lazily) and the access times reads move.
   */
  static Map<String, String> of(FileSystem fs, boolean times) throws IOException {
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
    readAll(all, digests);
    // A read in the tick of the last write leaves the access time equal to the modification time,
    // and relatime moves it again at the next read: read once more, a tick later, so that reads
    // after this snapshot move nothing.
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    readAll(all, digests);
    Map<String, String> out = new TreeMap<>();
    for (Path p : all) {
      Map<String, Object> a =
          new TreeMap<>(Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS));
      a.remove("dev");
      a.remove("fileKey");
      a.remove("rdev");
      if (!times) {
        a.remove("lastModifiedTime");
        a.remove("lastAccessTime");
        a.remove("ctime");
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          a.remove("creationTime");
        }
      }
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

  private static void readAll(List<Path> all, Map<String, String> digests) throws IOException {
    for (Path p : all) {
      if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        String digest;
        try {
          digest = digest(p);
        } catch (MediaErrorException e) {
          digest = "EIO " + e.badRanges();
        }
        digests.put(p.toString(), digest);
      }
    }
  }
}
