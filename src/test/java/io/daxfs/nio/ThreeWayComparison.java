package io.daxfs.nio;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.opentest4j.AssertionFailedError;

/**
 * One {@link java.nio.file.Files} operation run on daxfs, on Jimfs and, on a Linux host, on the
 * JDK's default filesystem, each time on a fresh copy of the {@link #fixture}, and the three
 * answers compared, as one dynamic test named after the operation and its case.
 *
 * <p>An answer is text: the result {@linkplain #render rendered} with paths relative to the
 * fixture, or {@code !} and the exception's simple class name with the files a {@link
 * FileSystemException} names (see {@link #thrown}). A failure lists what each of the three answered
 * beside what it should have.
 *
 * <p>{@link #same} wants all three to agree. Where Jimfs is wrong against Linux, daxfs follows
 * Linux: {@link #likeLinux} names both outcomes, so that each divergence is written down, and
 * checks Linux's on the host ({@link #likeLinuxUnchecked} where the host's umask or filesystem
 * decides, {@link #likeLinuxOnJdk17} where newer JDKs report it otherwise). The few places where
 * daxfs keeps Jimfs's behaviour instead of Linux's, by design, are {@link #likeJimfsNotLinux}.
 */
final class ThreeWayComparison {
  private static final boolean ON_JDK_17 = Runtime.version().feature() == 17;

  private final Path daxRoot;
  private final Path jimfsRoot;
  private final Path linuxRoot;
  private final AtomicInteger fixtures = new AtomicInteger();

  /** An operation on one filesystem, on the fixture under {@code base}. */
  @FunctionalInterface
  interface Op {
    Object run(Path base) throws Exception;
  }

  /**
   * Compares under the three directories, which must exist; {@code linuxRoot} is null off Linux,
   * and is then never asked.
   */
  ThreeWayComparison(Path daxRoot, Path jimfsRoot, Path linuxRoot) {
    this.daxRoot = daxRoot;
    this.jimfsRoot = jimfsRoot;
    this.linuxRoot = linuxRoot;
  }

  /** Daxfs, Jimfs and (on Linux) the host agree. */
  DynamicTest same(String what, Op op) {
    return dynamicTest(
        what,
        () -> {
          Outcomes o = runAll(op);
          if (!o.dax.equals(o.jimfs) || (o.linux != null && !o.dax.equals(o.linux))) {
            throw new AssertionFailedError(
                what + ": the filesystems disagree; they answered\n" + o);
          }
        });
  }

  /**
   * Jimfs is wrong against Linux here, and daxfs follows Linux. {@code linux} is what Linux does,
   * checked against the host when it is Linux; {@code jimfs} is what Jimfs does instead.
   */
  DynamicTest likeLinux(String what, Op op, String linux, String jimfs) {
    return expect(what, op, new Outcomes(linux, jimfs, linux), true);
  }

  /**
   * As {@link #likeLinux}, for an outcome that depends on the host (its umask, its filesystem, its
   * mount options), and so is not checked there: {@code linux} is what Linux does with umask 022
   * (daxfs's default) on ext4. Jimfs may agree.
   */
  DynamicTest likeLinuxUnchecked(String what, Op op, String linux, String jimfs) {
    return expect(what, op, new Outcomes(linux, jimfs, linux), false);
  }

  /**
   * As {@link #likeLinux}, for a path under a regular file reached by a stat-like call. The JDK 17
   * default provider reports the kernel's ENOTDIR there as "Not a directory", which daxfs follows;
   * newer JDKs (25 here) report it as {@code NoSuchFileException} for stat and access (not for
   * open), so the host is checked only on JDK 17.
   */
  DynamicTest likeLinuxOnJdk17(String what, Op op, String linux, String jimfs) {
    return expect(what, op, new Outcomes(linux, jimfs, linux), ON_JDK_17);
  }

  /**
   * Where daxfs differs from Linux by design, as Jimfs does: {@code expected} is daxfs's and
   * Jimfs's outcome, {@code linux} the host's.
   */
  DynamicTest likeJimfsNotLinux(String what, Op op, String expected, String linux) {
    return expect(what, op, new Outcomes(expected, expected, linux), true);
  }

  private DynamicTest expect(String what, Op op, Outcomes want, boolean checkHost) {
    return dynamicTest(
        what,
        () -> {
          Outcomes got = runAll(op);
          boolean hostDiffers = checkHost && got.linux != null && !got.linux.equals(want.linux);
          if (!got.dax.equals(want.dax) || !got.jimfs.equals(want.jimfs) || hostDiffers) {
            String host =
                got.linux == null
                    ? ""
                    : checkHost ? "" : " (the host's answer is not checked here)";
            throw new AssertionFailedError(
                what + ": want\n" + want + "\n  answered\n" + got + host,
                want.toString(),
                got.toString());
          }
        });
  }

  /** The outcomes of one op on daxfs, Jimfs and Linux (null when not on Linux). */
  private record Outcomes(String dax, String jimfs, String linux) {
    @Override
    public String toString() {
      return "    daxfs: "
          + dax
          + "\n    Jimfs: "
          + jimfs
          + "\n    Linux: "
          + (linux == null ? "(not on Linux)" : linux);
    }
  }

  private Outcomes runAll(Op op) {
    String name = "c" + fixtures.getAndIncrement();
    return new Outcomes(
        outcome(daxRoot, name, op),
        outcome(jimfsRoot, name, op),
        linuxRoot == null ? null : outcome(linuxRoot, name, op));
  }

  private static String outcome(Path root, String name, Op op) {
    Path base = root.resolve(name);
    try {
      Files.createDirectory(base);
      fixture(base);
    } catch (IOException e) {
      throw new AssertionError("fixture in " + root.getFileSystem(), e);
    }
    try {
      // paths concatenated into the result are made relative too
      return render(base, op.run(base)).replace(base + "/", "").replace(base.toString(), ".");
    } catch (Exception e) {
      return thrown(base, e);
    }
  }

  /**
   * The tree every check starts from: two files, a directory with a file and an empty subdirectory,
   * an empty directory, and links to a file, to a directory, to nothing and to themselves.
   */
  static void fixture(Path b) throws IOException {
    FileSystem fs = b.getFileSystem();
    Files.write(b.resolve("f"), new byte[] {1, 2, 3});
    Files.write(b.resolve("f2"), new byte[] {5, 6});
    Files.createDirectories(b.resolve("d/sub"));
    Files.write(b.resolve("d/g"), new byte[] {4});
    Files.createDirectory(b.resolve("e"));
    Files.createSymbolicLink(b.resolve("lf"), fs.getPath("f"));
    Files.createSymbolicLink(b.resolve("ld"), fs.getPath("d"));
    Files.createSymbolicLink(b.resolve("dang"), fs.getPath("nowhere"));
    Files.createSymbolicLink(b.resolve("loop"), fs.getPath("loop"));
  }

  /** A value as text, with paths relative to the fixture and collections in a stable order. */
  static String render(Path base, Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Path p) {
      return relative(base, p.toString());
    }
    if (v instanceof byte[] b) {
      return Arrays.toString(b);
    }
    if (v instanceof Set<?> s
        && !s.isEmpty()
        && s.iterator().next() instanceof PosixFilePermission) {
      @SuppressWarnings("unchecked")
      Set<PosixFilePermission> perms = (Set<PosixFilePermission>) s;
      return PosixFilePermissions.toString(perms);
    }
    if (v instanceof Stream<?> s) {
      try (s) {
        return render(base, s.collect(Collectors.toList()));
      }
    }
    if (v instanceof List<?> l) {
      return l.stream().map(x -> render(base, x)).collect(Collectors.toList()).toString();
    }
    if (v instanceof Collection<?> c) { // unordered: sort
      return c.stream().map(x -> render(base, x)).sorted().collect(Collectors.toList()).toString();
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, String> sorted = new TreeMap<>();
      m.forEach((k, x) -> sorted.put(String.valueOf(k), render(base, x)));
      return sorted.toString();
    }
    return String.valueOf(v);
  }

  /** An exception as its simple class name and, for a FileSystemException, the files it names. */
  static String thrown(Path base, Throwable e) {
    StringBuilder sb = new StringBuilder("!").append(e.getClass().getSimpleName());
    if (e instanceof FileSystemException f) {
      sb.append('(').append(f.getFile() == null ? "null" : relative(base, f.getFile()));
      if (f.getOtherFile() != null) {
        sb.append(" -> ").append(relative(base, f.getOtherFile()));
      }
      sb.append(')');
    }
    return sb.toString();
  }

  private static String relative(Path base, String path) {
    String b = base.toString();
    if (path.equals(b)) {
      return ".";
    }
    return path.startsWith(b + "/") ? path.substring(b.length() + 1) : path;
  }
}
