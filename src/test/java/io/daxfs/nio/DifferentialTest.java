package io.daxfs.nio;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.common.jimfs.Jimfs;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.zip.CRC32;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random operations on a small tree, applied to daxfs and to Jimfs's Unix configuration: each must
 * have the same outcome on both (the same result, or an exception of the same class), and the trees
 * must stay the same (names, kinds, link targets, sizes and contents).
 *
 * <p>Operations mostly name the 12 {@link #NAMES} under {@code /r}, which may or may not exist and
 * may be files, directories or links; some go through {@code ".."} or under another name (a file, a
 * link, nothing), and moves and links can carry names further.
 *
 * <p>Where Jimfs is wrong against Linux, daxfs follows Linux, and the test says how, case by case:
 * see {@link #equivalent} for outcomes and the {@code onJimfs} branches of the operations, which
 * steer Jimfs to what Linux does where the trees would otherwise part. Each of these was checked
 * against the JDK's default provider on Linux (most of them are also in {@link
 * FilesComparisonTest}).
 *
 * <p>A failure names the seed, the operation's index and the operation, with the operations before
 * it: the sequence is a function of the seed, so it replays.
 */
class DifferentialTest {
  private static final int OPERATIONS = 3000;

  /**
   * How often the trees are compared; {@code -Ddifferential.compareEvery=1} finds where two part.
   */
  private static final int COMPARE_TREES_EVERY =
      Integer.getInteger("differential.compareEvery", 200);

  private static final int MAX_DATA = 20 << 10;

  /** The names operations use; directories are made mostly at the 3 of {@link #DIRECTORIES}. */
  private static final String[] DIRECTORIES = {"a", "b", "a/c"};

  private static final String[] NAMES = {
    "a", "b", "a/c", "x", "y", "z", "a/x", "a/y", "b/x", "b/z", "a/c/x", "a/c/y"
  };

  /** Linux's reason for ELOOP as the JDK reports it. */
  private static final String ELOOP =
      "Too many levels of symbolic links or unable to access attributes of symbolic link";

  private Random random;
  private Path daxBase;
  private Path jimfsBase;

  /** One operation, applied to each filesystem in turn: daxfs first, then Jimfs. */
  @FunctionalInterface
  private interface Action {
    /**
     * Applies the operation under {@code base}; {@code onJimfs} for the Jimfs side, which looks at
     * its own tree (the same as daxfs's before the operation) where it must be steered.
     */
    Object apply(Path base, boolean onJimfs) throws Exception;
  }

  private record Op(String text, Action action) {
    @Override
    public String toString() {
      return text;
    }
  }

  /**
   * The seeds: a few fixed ones, or {@code -Ddifferential.seeds=1..500} (a range) or {@code =7,42}
   * (a list) to replay or to search further.
   */
  static LongStream seeds() {
    String spec = System.getProperty("differential.seeds");
    if (spec == null || spec.isBlank()) {
      return LongStream.of(1, 2, 3, 0x5eed, 20_240_607);
    }
    if (spec.contains("..")) {
      String[] range = spec.split("\\.\\.");
      return LongStream.rangeClosed(
          Long.parseLong(range[0].trim()), Long.parseLong(range[1].trim()));
    }
    return Arrays.stream(spec.split(",")).mapToLong(x -> Long.parseLong(x.trim()));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomOperationsAgree(long seed) throws IOException {
    random = new Random(seed);
    try (FileSystem dax =
            DaxFileSystems.newFileSystem(
                DaxConfiguration.builder().deviceSize(256L << 20).build());
        // working in "/", as daxfs does, so that Jimfs makes no /work: links may lead out of /r
        FileSystem jimfs =
            Jimfs.newFileSystem(
                FilesComparisonTest.JIMFS_UNIX.toBuilder().setWorkingDirectory("/").build())) {
      daxBase = Files.createDirectory(dax.getPath("/r"));
      jimfsBase = Files.createDirectory(jimfs.getPath("/r"));
      Deque<String> recent = new ArrayDeque<>();
      for (int i = 0; i < OPERATIONS; i++) {
        Op op = nextOp();
        String d = outcome(op, daxBase, false);
        String j = outcome(op, jimfsBase, true);
        recent.addLast("#" + i + " " + op + " -> " + d);
        if (recent.size() > 12) {
          recent.removeFirst();
        }
        if (!d.equals(j) && !equivalent(d, j)) {
          fail(
              String.format(
                  "seed %d, operation #%d: %s%n  daxfs: %s%n  Jimfs: %s%n  after:%n    %s%n  daxfs's tree now:%s",
                  seed, i, op, d, j, String.join("\n    ", recent), tree(daxBase.getRoot())));
        }
        if ((i + 1) % COMPARE_TREES_EVERY == 0 || i == OPERATIONS - 1) {
          String dt = tree(daxBase.getRoot());
          String jt = tree(jimfsBase.getRoot());
          if (!dt.equals(jt)) {
            fail(
                String.format(
                    "seed %d, trees differ after operation #%d: %s%n  daxfs: %s%n  Jimfs: %s%n  after:%n    %s",
                    seed, i, op, dt, jt, String.join("\n    ", recent)));
          }
        }
      }
      // every block comes back once every name is gone (all channels are closed)
      deleteTree(daxBase.getRoot());
      FileStore store = Files.getFileStore(daxBase.getRoot());
      if (store.getUsableSpace() != store.getTotalSpace()) {
        fail(
            String.format(
                "seed %d: %d bytes still in use after deleting everything",
                seed, store.getTotalSpace() - store.getUsableSpace()));
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(children::add);
    }
    for (Path p : children) {
      if (Files.isDirectory(p, NOFOLLOW_LINKS)) {
        deleteTree(p);
      }
      Files.delete(p);
    }
  }

  private static String outcome(Op op, Path base, boolean onJimfs) {
    try {
      return String.valueOf(op.action.apply(base, onJimfs));
    } catch (Exception e) {
      String s = "!" + e.getClass().getSimpleName();
      if (e instanceof FileSystemException f && f.getReason() != null) {
        s += ": " + f.getReason();
      }
      return s;
    }
  }

  /**
   * Whether daxfs's outcome {@code d} and Jimfs's {@code j}, which are not equal, are the same
   * outcome: exceptions of the same class (their reasons are worded differently), or one of the
   * cases where Jimfs is wrong against Linux and daxfs does what Linux does.
   */
  static boolean equivalent(String d, String j) {
    if (d.startsWith("!")
        && j.startsWith("!")
        && d.replaceFirst(":.*", "").equals(j.replaceFirst(":.*", ""))) {
      return true;
    }
    // A non-directory on the way (ENOTDIR, which daxfs reports only when it meets one): the JDK
    // reports a FileSystemException "Not a directory"; Jimfs says nothing is there (and
    // deleteIfExists answers false)
    if (d.equals("!FileSystemException: Not a directory")
        && (j.equals("!NoSuchFileException") || j.equals("false"))) {
      return true;
    }
    // Too many links (ELOOP): the JDK reports a FileSystemException; Jimfs a bare IOException
    if (d.equals("!FileSystemException: " + ELOOP) && j.equals("!IOException")) {
      return true;
    }
    // Reading a directory: Linux opens it and fails the read with a bare IOException "Is a
    // directory" (EISDIR), or reads nothing when asked for nothing, as daxfs; Jimfs refuses the
    // open
    if ((d.equals("!IOException") || d.equals("0 " + digest(new byte[0])))
        && j.equals("!FileSystemException: not a regular file")) {
      return true;
    }
    // A directory moved into itself (EINVAL): a FileSystemException; Jimfs a bare IOException
    return d.equals("!FileSystemException: Invalid argument") && j.equals("!IOException");
  }

  // ---- generating operations -------------------------------------------------------------------

  private String name() {
    return NAMES[random.nextInt(NAMES.length)];
  }

  /**
   * A path under the base: mostly a name of the tree, sometimes through ".." or under another name.
   */
  private String path() {
    int r = random.nextInt(100);
    if (r < 85) {
      return name();
    }
    if (r < 93) {
      // through "..": "a/../x", "a/c/../y", "b/../a/x"
      String dir = DIRECTORIES[random.nextInt(DIRECTORIES.length)];
      return dir + "/../" + (dir.equals("a/c") ? name().replaceFirst("^a/", "") : name());
    }
    // under another name, which may be a file, a link or missing
    return name() + "/" + "xyz".charAt(random.nextInt(3));
  }

  /** A directory name, mostly. */
  private String directoryPath() {
    return random.nextInt(10) < 8 ? DIRECTORIES[random.nextInt(DIRECTORIES.length)] : path();
  }

  private byte[] data() {
    int n = random.nextInt(8) == 0 ? 0 : random.nextInt(MAX_DATA + 1);
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** An offset to write at: mostly near the start, sometimes far past any end, to make holes. */
  private long offset() {
    return random.nextInt(10) == 0
        ? (64 << 10) + random.nextInt(1 << 20)
        : random.nextInt(MAX_DATA * 2);
  }

  /**
   * A link target: relative or absolute, to a name of the tree, to nothing, to its own directory or
   * above.
   */
  private String linkTarget(String link) {
    int r = random.nextInt(100);
    if (r < 8) {
      return "nowhere";
    }
    if (r < 12) {
      return random.nextBoolean() ? ".." : ".";
    }
    String target = name();
    if (r < 30) {
      return "/r/" + target;
    }
    // relative to the link's directory, as a program would write it ("." for the directory
    // itself: an empty target is refused, which the comparison test checks)
    Path dir = Path.of("/r/" + link).getParent();
    String relative = dir.relativize(Path.of("/r/" + target)).toString();
    return relative.isEmpty() ? "." : relative;
  }

  private Op nextOp() {
    int r = random.nextInt(100);
    if (r < 6) {
      String p = path();
      return new Op("createFile " + p, (b, j) -> Files.createFile(b.resolve(p)) != null);
    }
    if (r < 11) {
      String p = directoryPath();
      return new Op("createDirectory " + p, (b, j) -> Files.createDirectory(b.resolve(p)) != null);
    }
    if (r < 13) {
      String p = random.nextBoolean() ? directoryPath() : path();
      return new Op(
          "createDirectories " + p,
          (b, j) -> {
            if (j) {
              createDirectoriesAsTheJdk(b.resolve(p));
              return true;
            }
            return Files.createDirectories(b.resolve(p)) != null;
          });
    }
    if (r < 19) {
      return writeOp();
    }
    if (r < 27) {
      return channelWriteOp();
    }
    if (r < 30) {
      String p = path();
      long size = random.nextInt(4) == 0 ? 0 : random.nextInt(MAX_DATA * 2);
      return new Op(
          "truncate " + p + " to " + size,
          (b, j) -> {
            try (FileChannel ch = FileChannel.open(b.resolve(p), WRITE)) {
              ch.truncate(size);
              return ch.size();
            }
          });
    }
    if (r < 36) {
      return readRangeOp();
    }
    if (r < 40) {
      String p = path();
      return new Op("readAllBytes " + p, (b, j) -> digest(Files.readAllBytes(b.resolve(p))));
    }
    if (r < 45) {
      return copyOp();
    }
    if (r < 51) {
      return moveOp();
    }
    if (r < 55) {
      String p = path();
      return new Op(
          "delete " + p,
          (b, j) -> {
            Files.delete(b.resolve(p));
            return "deleted";
          });
    }
    if (r < 57) {
      String p = path();
      return new Op("deleteIfExists " + p, (b, j) -> Files.deleteIfExists(b.resolve(p)));
    }
    if (r < 60) {
      String p = random.nextBoolean() ? directoryPath() : path();
      return new Op(
          "list " + p,
          (b, j) -> {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(b.resolve(p))) {
              List<String> names = new ArrayList<>();
              s.forEach(q -> names.add(q.getFileName().toString()));
              names.sort(null);
              return names;
            }
          });
    }
    if (r < 63) {
      String p = path();
      return new Op(
          "size " + p,
          (b, j) -> {
            long size = Files.size(b.resolve(p));
            // a directory's size: a block on Linux (and daxfs), 0 on Jimfs
            return Files.isDirectory(b.resolve(p)) ? "a directory" : size;
          });
    }
    if (r < 67) {
      String p = path();
      boolean follow = random.nextBoolean();
      return new Op(
          "readAttributes " + p + (follow ? "" : " NOFOLLOW_LINKS"),
          (b, j) -> {
            BasicFileAttributes a =
                follow
                    ? Files.readAttributes(b.resolve(p), BasicFileAttributes.class)
                    : Files.readAttributes(b.resolve(p), BasicFileAttributes.class, NOFOLLOW_LINKS);
            // sizes of regular files only: a directory's and a link's differ on Jimfs (see "size")
            return a.isRegularFile()
                + " "
                + a.isDirectory()
                + " "
                + a.isSymbolicLink()
                + " "
                + a.isOther()
                + (a.isRegularFile() ? " " + a.size() : "");
          });
    }
    if (r < 73) {
      String p = path();
      String target = linkTarget(p);
      return new Op(
          "createSymbolicLink " + p + " -> " + target,
          (b, j) ->
              Files.createSymbolicLink(b.resolve(p), b.getFileSystem().getPath(target)) != null);
    }
    if (r < 76) {
      return createLinkOp();
    }
    if (r < 78) {
      String p = path();
      return new Op("readSymbolicLink " + p, (b, j) -> Files.readSymbolicLink(b.resolve(p)));
    }
    if (r < 83) {
      String p = path();
      return new Op(
          "predicates of " + p,
          (b, j) -> {
            Path q = b.resolve(p);
            boolean notExists = Files.notExists(q);
            if (j && notExists && fileOnTheWay(q, 0)) {
              notExists =
                  false; // ENOTDIR: Linux cannot tell that it does not exist; Jimfs says it does
              // not
            }
            return Files.exists(q)
                + " "
                + notExists
                + " "
                + Files.isDirectory(q)
                + " "
                + Files.isRegularFile(q)
                + " "
                + Files.isSymbolicLink(q)
                + " "
                + Files.exists(q, NOFOLLOW_LINKS)
                + " "
                + Files.isDirectory(q, NOFOLLOW_LINKS);
          });
    }
    if (r < 86) {
      String p = path();
      return new Op("toRealPath " + p, (b, j) -> b.relativize(b.resolve(p).toRealPath()));
    }
    if (r < 88) {
      String p = path();
      String q = path();
      return new Op(
          "isSameFile " + p + " " + q,
          (b, j) -> {
            if (j && !p.equals(q)) {
              // Linux stats one path, then the other, and fails as stat(2) does; Jimfs answers
              // false
              // for a missing one
              Files.readAttributes(b.resolve(p), BasicFileAttributes.class);
              Files.readAttributes(b.resolve(q), BasicFileAttributes.class);
            }
            return Files.isSameFile(b.resolve(p), b.resolve(q));
          });
    }
    if (r < 94) {
      return appendOp();
    }
    return channelWriteOp();
  }

  private Op writeOp() {
    String p = path();
    byte[] data = data();
    List<OpenOption[]> choices =
        List.of(
            new OpenOption[] {},
            new OpenOption[] {CREATE_NEW, WRITE},
            new OpenOption[] {CREATE, APPEND},
            new OpenOption[] {APPEND},
            new OpenOption[] {WRITE},
            new OpenOption[] {WRITE, TRUNCATE_EXISTING});
    OpenOption[] options = choices.get(random.nextInt(choices.size()));
    boolean creates = options.length == 0 || Arrays.asList(options).contains(CREATE);
    return new Op(
        "write " + data.length + " bytes to " + p + " " + Arrays.toString(options),
        (b, j) -> {
          Path q = j && creates ? createTarget(b.resolve(p)) : b.resolve(p);
          Files.write(q, data, options);
          return Files.size(q);
        });
  }

  private Op appendOp() {
    String p = path();
    byte[] data = data();
    return new Op(
        "append " + data.length + " bytes to " + p,
        (b, j) -> {
          Path q = j ? createTarget(b.resolve(p)) : b.resolve(p);
          try (FileChannel ch = FileChannel.open(q, CREATE, APPEND)) {
            int n = ch.write(ByteBuffer.wrap(data));
            return n + " " + ch.size() + " " + ch.position();
          }
        });
  }

  private Op channelWriteOp() {
    String p = path();
    byte[] data = data();
    long offset = offset();
    boolean create = random.nextBoolean();
    return new Op(
        "write " + data.length + " bytes at " + offset + " to " + p + (create ? " CREATE" : ""),
        (b, j) -> {
          Path q = j && create ? createTarget(b.resolve(p)) : b.resolve(p);
          Set<OpenOption> options = create ? Set.of(WRITE, CREATE) : Set.of(WRITE);
          try (FileChannel ch = FileChannel.open(q, options)) {
            // pwrite(2) of no bytes writes nothing, and past the end does not grow the file; Jimfs
            // grows it to the position
            int n = j && data.length == 0 ? 0 : ch.write(ByteBuffer.wrap(data), offset);
            return n + " " + ch.size();
          }
        });
  }

  private Op readRangeOp() {
    String p = path();
    long position = random.nextInt(4) == 0 ? 0 : random.nextInt(MAX_DATA * 3);
    int length = random.nextInt(6) == 0 ? 0 : random.nextInt(MAX_DATA + 1);
    return new Op(
        "read " + length + " bytes at " + position + " of " + p,
        (b, j) -> {
          try (FileChannel ch = FileChannel.open(b.resolve(p), READ)) {
            ByteBuffer buf = ByteBuffer.allocate(length);
            int n = ch.read(buf, position);
            if (j && length == 0 && n == -1) {
              n = 0; // read(2) of no bytes returns 0, at the end too; Jimfs returns -1 there
            }
            return n + " " + digest(Arrays.copyOf(buf.array(), buf.position()));
          }
        });
  }

  private Op copyOp() {
    String s = path();
    String t = path();
    List<CopyOption> options = new ArrayList<>();
    if (random.nextBoolean()) {
      options.add(REPLACE_EXISTING);
    }
    if (random.nextInt(3) == 0) {
      options.add(NOFOLLOW_LINKS);
    }
    if (random.nextInt(3) == 0) {
      options.add(COPY_ATTRIBUTES);
    }
    CopyOption[] o = options.toArray(new CopyOption[0]);
    return new Op(
        "copy " + s + " " + t + " " + options,
        (b, j) -> {
          if (j && options.contains(REPLACE_EXISTING)) {
            return replacingCopyOnJimfs(b.resolve(s), b.resolve(t), o);
          }
          return Files.copy(b.resolve(s), b.resolve(t), o) != null;
        });
  }

  private Op moveOp() {
    String s = path();
    String t = path();
    boolean replace = random.nextBoolean();
    boolean atomic = random.nextInt(3) == 0;
    List<CopyOption> options = new ArrayList<>();
    if (replace) {
      options.add(REPLACE_EXISTING);
    }
    if (atomic) {
      options.add(ATOMIC_MOVE);
    }
    CopyOption[] o = options.toArray(new CopyOption[0]);
    return new Op(
        "move " + s + " " + t + " " + options,
        (b, j) -> {
          if (j && atomic) {
            return renameOnJimfs(b.resolve(s), b.resolve(t));
          }
          if (j) {
            checkTargetOnJimfs(b.resolve(s), b.resolve(t), replace);
          }
          return Files.move(b.resolve(s), b.resolve(t), o) != null;
        });
  }

  private Op createLinkOp() {
    String link = path();
    String existing = path();
    return new Op(
        "createLink " + link + " -> " + existing,
        (b, j) -> {
          Path e = b.resolve(existing);
          Path l = b.resolve(link);
          if (Files.isSymbolicLink(e)) {
            // link(2) links a symbolic link itself (the comparison test checks it); Jimfs follows
            // it,
            // and cannot make a second name for a link. Rename and copy do nothing between two
            // names
            // of one file, so no stand-in would do: neither side links it
            return "not linked: a symbolic link";
          }
          if (j && Files.isDirectory(e, NOFOLLOW_LINKS)) {
            // link(2) looks up the new name before it refuses a directory (EPERM); Jimfs refuses
            // the directory first
            if (Files.exists(l, NOFOLLOW_LINKS)) {
              throw new FileAlreadyExistsException(link);
            }
            // Jimfs's own error for a missing directory or a loop; a file is ENOTDIR (see
            // equivalent)
            if (!Files.readAttributes(l.getParent(), BasicFileAttributes.class).isDirectory()) {
              throw new NoSuchFileException(link);
            }
            throw new FileSystemException(link, existing, "Operation not permitted");
          }
          Files.createLink(b.resolve(link), e);
          return true;
        });
  }

  // ---- steering Jimfs to Linux's semantics -----------------------------------------------------

  /**
   * Where an open with CREATE makes its file: Linux's open(O_CREAT) through a dangling link creates
   * the link's target; Jimfs refuses. So on Jimfs the open is made on the target.
   */
  private static Path createTarget(Path p) throws IOException {
    Path q = p;
    for (int i = 0; i < 40 && Files.isSymbolicLink(q); i++) {
      Path target = Files.readSymbolicLink(q);
      Path dir;
      try {
        dir = q.getParent().toRealPath();
      } catch (IOException e) {
        return p;
      }
      q = dir.resolve(target);
    }
    return Files.isSymbolicLink(q) || Files.exists(q, NOFOLLOW_LINKS) ? p : q;
  }

  /**
   * Files.copy with REPLACE_EXISTING on Linux deletes an existing target, then creates the copy by
   * its path, looked up again, and reads a file's data by the source's path, looked up again: if
   * either went through the link it deleted ({@code b/z/z} with {@code b/z -> .}, or a link copied
   * onto itself), the copy fails with NoSuchFileException. Jimfs replaces the entry it found.
   */
  private static Object replacingCopyOnJimfs(Path s, Path t, CopyOption[] options)
      throws IOException {
    boolean follow = !Arrays.asList(options).contains(NOFOLLOW_LINKS);
    if (!Files.exists(t, NOFOLLOW_LINKS)) {
      return Files.copy(s, t, options) != null;
    }
    // the JDK reads the source's attributes first, then the target's, and does nothing for one file
    BasicFileAttributes source =
        follow
            ? Files.readAttributes(s, BasicFileAttributes.class)
            : Files.readAttributes(s, BasicFileAttributes.class, NOFOLLOW_LINKS);
    if (source
        .fileKey()
        .equals(Files.readAttributes(t, BasicFileAttributes.class, NOFOLLOW_LINKS).fileKey())) {
      return true;
    }
    Files.delete(t);
    if (source.isDirectory()) {
      // a directory is made from the attributes read before (a file's data, and a link's target,
      // are read by the source's path, now)
      Files.createDirectory(t);
      return true;
    }
    CopyOption[] rest =
        Arrays.stream(options).filter(x -> x != REPLACE_EXISTING).toArray(CopyOption[]::new);
    return Files.copy(s, t, rest) != null;
  }

  /**
   * ATOMIC_MOVE on Linux is rename(2): an existing target is replaced if it is of the same kind and
   * (a directory) empty, whatever REPLACE_EXISTING says; otherwise it fails with EISDIR, ENOTDIR or
   * ENOTEMPTY, as a FileSystemException (the JDK does not map ENOTEMPTY to
   * DirectoryNotEmptyException here), and a target that holds the source is ENOTEMPTY. Jimfs
   * refuses any existing target without REPLACE_EXISTING and replaces any with it, so on Jimfs this
   * applies rename(2)'s rules and then moves with REPLACE_EXISTING.
   */
  private static Object renameOnJimfs(Path s, Path t) throws IOException {
    // rename(2) resolves both directories before it looks for the source
    checkDirectory(s.getParent());
    checkDirectory(t.getParent());
    if (!Files.exists(s, NOFOLLOW_LINKS) || !Files.exists(t, NOFOLLOW_LINKS) || sameFile(s, t)) {
      return Files.move(s, t, ATOMIC_MOVE) != null; // no target to replace: Jimfs does as rename(2)
    }
    boolean sourceIsDirectory = Files.isDirectory(s, NOFOLLOW_LINKS);
    boolean targetIsDirectory = Files.isDirectory(t, NOFOLLOW_LINKS);
    Path sourceReal = s.getParent().toRealPath().resolve(s.getFileName());
    Path targetReal = t.getParent().toRealPath().resolve(t.getFileName());
    if (sourceIsDirectory && targetReal.startsWith(sourceReal)) {
      return Files.move(s, t, ATOMIC_MOVE)
          != null; // EINVAL, which Jimfs reports too (as an IOException)
    }
    if (targetIsDirectory && sourceReal.startsWith(targetReal)) {
      throw new FileSystemException(s.toString(), t.toString(), "Directory not empty");
    }
    if (targetIsDirectory && !sourceIsDirectory) {
      throw new FileSystemException(s.toString(), t.toString(), "Is a directory");
    }
    if (!targetIsDirectory && sourceIsDirectory) {
      throw new FileSystemException(s.toString(), t.toString(), "Not a directory");
    }
    if (targetIsDirectory) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(t)) {
        if (entries.iterator().hasNext()) {
          throw new FileSystemException(s.toString(), t.toString(), "Directory not empty");
        }
      }
    }
    return Files.move(s, t, REPLACE_EXISTING) != null;
  }

  /**
   * Files.move without ATOMIC_MOVE on Linux first checks an existing target: not to be replaced
   * (FileAlreadyExistsException), or a non-empty directory (DirectoryNotEmptyException), before it
   * renames and so before rename(2) could refuse to move a directory into itself; Jimfs checks that
   * first.
   */
  private static void checkTargetOnJimfs(Path s, Path t, boolean replace) throws IOException {
    if (!Files.exists(s, NOFOLLOW_LINKS) || !Files.exists(t, NOFOLLOW_LINKS) || sameFile(s, t)) {
      return;
    }
    if (!replace) {
      throw new FileAlreadyExistsException(t.toString());
    }
    if (Files.isDirectory(t, NOFOLLOW_LINKS)) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(t)) {
        if (entries.iterator().hasNext()) {
          throw new DirectoryNotEmptyException(t.toString());
        }
      }
    }
  }

  /**
   * Files.createDirectories as the JDK has it, on Jimfs as if it were Linux. The JDK walks up to
   * the nearest directory that exists, and stops at an error other than NoSuchFileException: on
   * Linux a file on the way is ENOTDIR, which stops it, where Jimfs says NoSuchFileException and
   * the walk goes on. Then it creates the names of {@code parent.relativize(dir)}: the JDK's (and
   * daxfs's) relativize normalizes paths with "." or "..", so for {@code a/c/../b/x} from {@code a}
   * it creates {@code a/b} and {@code a/b/x}; Jimfs's does not, and would create {@code a/c} too.
   */
  private static void createDirectoriesAsTheJdk(Path dir) throws IOException {
    try {
      createAndCheckIsDirectory(dir);
      return;
    } catch (FileAlreadyExistsException x) {
      throw x;
    } catch (IOException x) {
      // the parent may not exist
    }
    Path parent = dir.getParent();
    while (parent != null) {
      try {
        parent.getFileSystem().provider().checkAccess(parent);
        break;
      } catch (NoSuchFileException x) {
        if (fileOnTheWay(parent, 0)) {
          // ENOTDIR on Linux, which is no NoSuchFileException: the walk stops
          throw new FileSystemException(parent.toString(), null, "Not a directory");
        }
      }
      parent = parent.getParent();
    }
    Path child = parent;
    for (Path name : parent.normalize().relativize(dir.normalize())) {
      child = child.resolve(name);
      createAndCheckIsDirectory(child);
    }
  }

  private static void createAndCheckIsDirectory(Path dir) throws IOException {
    try {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException x) {
      if (!Files.isDirectory(dir)) {
        throw x;
      }
    }
  }

  /**
   * Fails as Linux's lookup of the directory {@code dir} fails: missing, a loop, or not a
   * directory.
   */
  private static void checkDirectory(Path dir) throws IOException {
    if (!Files.readAttributes(dir, BasicFileAttributes.class).isDirectory()) {
      throw new FileSystemException(dir.toString(), null, "Not a directory");
    }
  }

  /** Whether the two paths name the same file, links not followed at the end. */
  private static boolean sameFile(Path a, Path b) throws IOException {
    Object ka = Files.readAttributes(a, BasicFileAttributes.class, NOFOLLOW_LINKS).fileKey();
    Object kb = Files.readAttributes(b, BasicFileAttributes.class, NOFOLLOW_LINKS).fileKey();
    return ka.equals(kb);
  }

  /**
   * Whether a name on the way to {@code p}, or on the way to the target of a link on the way, is an
   * existing non-directory: where Linux says ENOTDIR.
   */
  private static boolean fileOnTheWay(Path p, int depth) {
    for (Path q = p.getParent(); q != null; q = q.getParent()) {
      if (Files.exists(q) && !Files.isDirectory(q)) {
        return true;
      }
    }
    for (Path q = p; q != null && depth < 40; q = q.getParent()) {
      if (Files.isSymbolicLink(q)) {
        try {
          if (fileOnTheWay(q.getParent().resolve(Files.readSymbolicLink(q)), depth + 1)) {
            return true;
          }
        } catch (IOException e) {
          // gone meanwhile: no
        }
      }
    }
    return false;
  }

  // ---- comparing trees -------------------------------------------------------------------------

  private static String digest(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return bytes.length + "/" + Long.toHexString(crc.getValue());
  }

  /** Every entry under {@code base}, links not followed: kind, and size and content or target. */
  private static String tree(Path base) throws IOException {
    TreeMap<String, String> entries = new TreeMap<>();
    walk(base, base, entries);
    StringBuilder sb = new StringBuilder();
    entries.forEach((k, v) -> sb.append("\n    ").append(k).append(' ').append(v));
    return sb.toString();
  }

  private static void walk(Path base, Path dir, TreeMap<String, String> entries)
      throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(children::add);
    }
    for (Path p : children) {
      String name = base.relativize(p).toString();
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW_LINKS);
      if (a.isSymbolicLink()) {
        entries.put(name, "-> " + Files.readSymbolicLink(p));
      } else if (a.isDirectory()) {
        entries.put(name, "dir");
        walk(base, p, entries);
      } else {
        entries.put(name, "file " + digest(Files.readAllBytes(p)));
      }
    }
  }
}
