package io.daxfs.image;

import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A directory tree as plain values (what a filesystem holds, or what {@link CrashWorkload}'s model
 * says it must), and the differences between two of them.
 *
 * <p>Paths are absolute ({@code "/"}, {@code "/d3/f7"}). A value the model does not know (a time
 * changed implicitly) is {@code null} in its snapshot and is not compared.
 */
final class TreeState {
  /**
   * One name: kind ({@code 'd'}, {@code 'f'} or {@code 'l'}), permission bits, owner, group, times
   * in nanoseconds, a regular file's bytes, a symbolic link's target, the inode it names (compared
   * only through which names share it) and a regular file's link count.
   */
  record Entry(
      char kind,
      Integer permissions,
      String owner,
      String group,
      Long modified,
      Long accessed,
      Long created,
      byte[] data,
      String target,
      Object identity,
      int links) {}

  final Map<String, Entry> entries;

  TreeState(Map<String, Entry> entries) {
    this.entries = entries;
  }

  /** Reads the tree under {@code root}, without following symbolic links. */
  static TreeState read(Path root) throws IOException {
    // Every attribute before any content: reading a file may set its access time, and a file
    // may have several names.
    Map<String, Entry> entries = new TreeMap<>();
    Map<String, Path> files = new TreeMap<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            add(dir);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            add(file);
            return FileVisitResult.CONTINUE;
          }

          private void add(Path p) throws IOException {
            PosixFileAttributes a =
                Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            char kind = a.isDirectory() ? 'd' : a.isSymbolicLink() ? 'l' : 'f';
            String key = key(root, p);
            if (kind == 'f') {
              files.put(key, p);
            }
            entries.put(
                key,
                new Entry(
                    kind,
                    bits(a.permissions()),
                    a.owner().getName(),
                    a.group().getName(),
                    nanos(a.lastModifiedTime()),
                    nanos(a.lastAccessTime()),
                    nanos(a.creationTime()),
                    null,
                    kind == 'l' ? Files.readSymbolicLink(p).toString() : null,
                    Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS),
                    kind == 'f'
                        ? (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS)
                        : 0));
          }
        });
    for (Map.Entry<String, Path> f : files.entrySet()) {
      Entry e = entries.get(f.getKey());
      entries.put(
          f.getKey(),
          new Entry(
              e.kind(),
              e.permissions(),
              e.owner(),
              e.group(),
              e.modified(),
              e.accessed(),
              e.created(),
              Files.readAllBytes(f.getValue()),
              e.target(),
              e.identity(),
              e.links()));
    }
    return new TreeState(entries);
  }

  /**
   * Bytes of device blocks the files under {@code root} hold, each inode counted once (FIEMAP's
   * extents, blocks past the end of a file included).
   */
  static long allocatedBytes(Path root) throws IOException {
    Map<Object, Long> byInode = new HashMap<>();
    try (var s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          long held = 0;
          for (FileExtent e : DaxFiles.extents(p)) {
            held += e.length();
          }
          byInode.put(Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS), held);
        }
      }
    }
    return byInode.values().stream().mapToLong(Long::longValue).sum();
  }

  private static String key(Path root, Path p) {
    String rel = root.relativize(p).toString();
    return rel.isEmpty() ? "/" : "/" + rel;
  }

  private static long nanos(FileTime t) {
    return t.to(TimeUnit.NANOSECONDS);
  }

  private static int bits(Set<PosixFilePermission> perms) {
    int bits = 0;
    for (PosixFilePermission p : perms) {
      bits |= 0400 >> p.ordinal();
    }
    return bits;
  }

  /**
   * Where {@code actual} differs from this expected tree, one line each; empty if it does not.
   *
   * <p>{@code torn} names the paths of a file that an interrupted data operation was writing, and
   * {@code before} the tree before it: each of that file's bytes may be its old or its new value,
   * and its size the old or the new one; everything else must be as expected.
   */
  List<String> differences(TreeState actual, Set<String> torn, TreeState before) {
    List<String> out = new ArrayList<>();
    Set<String> paths = new TreeSet<>(entries.keySet());
    paths.addAll(actual.entries.keySet());
    for (String p : paths) {
      Entry want = entries.get(p);
      Entry got = actual.entries.get(p);
      if (want == null) {
        out.add(p + ": there, but should not be (" + got.kind() + ")");
        continue;
      }
      if (got == null) {
        out.add(p + ": missing (" + want.kind() + ")");
        continue;
      }
      if (want.kind() != got.kind()) {
        out.add(p + ": kind " + got.kind() + ", should be " + want.kind());
        continue;
      }
      if (want.permissions() != null && !want.permissions().equals(got.permissions())) {
        out.add(
            String.format("%s: mode %o, should be %o", p, got.permissions(), want.permissions()));
      }
      same(out, p, "owner", want.owner(), got.owner());
      same(out, p, "group", want.group(), got.group());
      same(out, p, "modified", want.modified(), got.modified());
      same(out, p, "accessed", want.accessed(), got.accessed());
      same(out, p, "created", want.created(), got.created());
      same(out, p, "target", want.target(), got.target());
      if (want.kind() == 'f') {
        if (torn.contains(p)) {
          String why = tornDifference(before.entries.get(p).data(), want.data(), got.data());
          if (why != null) {
            out.add(p + ": " + why);
          }
        } else {
          String why = dataDifference(want.data(), got.data());
          if (why != null) {
            out.add(p + ": " + why);
          }
        }
        same(out, p, "link count", want.links(), got.links());
      }
    }
    Map<String, Set<String>> wantNames = sharedNames(this);
    Map<String, Set<String>> gotNames = sharedNames(actual);
    for (String p : paths) {
      if (wantNames.containsKey(p)
          && gotNames.containsKey(p)
          && !wantNames.get(p).equals(gotNames.get(p))) {
        out.add(
            p + ": names of the same file " + gotNames.get(p) + ", should be " + wantNames.get(p));
      }
    }
    return out;
  }

  private static void same(List<String> out, String path, String what, Object want, Object got) {
    if (want != null && !Objects.equals(want, got)) {
      out.add(path + ": " + what + " " + got + ", should be " + want);
    }
  }

  /** For each regular file's path, every path (itself included) that names the same inode. */
  private static Map<String, Set<String>> sharedNames(TreeState s) {
    Map<Object, Set<String>> byIdentity = new HashMap<>();
    s.entries.forEach(
        (p, e) -> {
          if (e.kind() == 'f') {
            byIdentity.computeIfAbsent(e.identity(), k -> new TreeSet<>()).add(p);
          }
        });
    Map<String, Set<String>> out = new HashMap<>();
    byIdentity.values().forEach(names -> names.forEach(n -> out.put(n, names)));
    return out;
  }

  private static String dataDifference(byte[] want, byte[] got) {
    if (want.length != got.length) {
      return "size " + got.length + ", should be " + want.length;
    }
    int at = java.util.Arrays.mismatch(want, got);
    return at < 0 ? null : String.format("byte %d is %d, should be %d", at, got[at], want[at]);
  }

  /** Null if {@code got} is {@code before}, {@code after} or a mix of the two byte by byte. */
  private static String tornDifference(byte[] before, byte[] after, byte[] got) {
    if (got.length != before.length && got.length != after.length) {
      return "size " + got.length + ", should be " + before.length + " or " + after.length;
    }
    for (int i = 0; i < got.length; i++) {
      byte old = i < before.length ? before[i] : 0;
      byte now = i < after.length ? after[i] : 0;
      if (got[i] != old && got[i] != now) {
        return String.format(
            "byte %d is %d, should be %d (before the write) or %d (after)", i, got[i], old, now);
      }
    }
    return null;
  }
}
