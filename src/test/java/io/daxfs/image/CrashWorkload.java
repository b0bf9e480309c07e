package io.daxfs.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A seeded mixed workload of filesystem operations and the model of the tree it leaves.
 *
 * <p>Operation {@code i} of seed {@code s} is drawn from a random source of its own ({@code s} and
 * {@code i}) and from the model's tree before it, so a process that replays the model to any
 * operation draws the same next one: the child that runs the workload on an image and the parent
 * that checks the image after killing it agree on every operation without talking. {@link #perform}
 * does one operation to a real filesystem, {@link #apply} to the model; {@link #snapshot} gives the
 * model's tree in the form {@link TreeState} reads a real one in.
 *
 * <p>The model knows what a crash may not lose: names, kinds, contents, sizes, permissions, owners,
 * symbolic link targets, hard links, and file times set explicitly. A time changed implicitly (a
 * write's modification time, a new entry's directory time) is recorded by daxfs only at the next
 * attribute change or {@code fsync} ({@code lazytime}), so the model forgets it until set again.
 */
final class CrashWorkload {
  /** The umask every filesystem of the workload is mounted with (daxfs's default). */
  static final int UMASK = 0022;

  /** Who owns what a process creates, on daxfs as on Linux. */
  static final String CREATOR = System.getProperty("user.name", "root");

  private static final String[] OWNERS = {"alice", "bob", "carol", CREATOR};
  private static final String[] GROUPS = {"staff", "wheel", "users", CREATOR};

  /** Above this many bytes of file data the workload mostly shrinks and deletes, by default. */
  static final long DATA_LIMIT = 3L << 20;

  private static final int MAX_FILE = 96 << 10;

  /** Open channels to deleted files a child keeps at most; the oldest is closed first. */
  private static final int MAX_ORPHANS = 3;

  enum Kind {
    MKDIR,
    CREATE,
    WRITE,
    APPEND,
    TRUNCATE,
    MAP,
    RENAME,
    REPLACE,
    MOVE_DIR,
    DELETE,
    RMDIR,
    LINK,
    SYMLINK,
    CHMOD,
    TIMES,
    CHOWN,
    CHGRP,
    ORPHAN;

    /** Whether the operation writes file data, which a crash in its middle may leave torn. */
    boolean writesData() {
      return this == WRITE || this == APPEND || this == MAP;
    }
  }

  /** How often each kind is drawn while the data is below {@link #DATA_LIMIT}. */
  private static final int[] WEIGHTS = {
    4, // MKDIR
    10, // CREATE
    12, // WRITE
    8, // APPEND
    4, // TRUNCATE
    5, // MAP
    5, // RENAME
    3, // REPLACE
    2, // MOVE_DIR
    5, // DELETE
    2, // RMDIR
    4, // LINK
    3, // SYMLINK
    4, // CHMOD
    5, // TIMES
    2, // CHOWN
    2, // CHGRP
    2, // ORPHAN
  };

  /**
   * One operation: {@code path} is what it acts on, {@code path2} where a new name goes; the other
   * fields are used by the kinds that need them.
   */
  record Op(
      int index,
      Kind kind,
      String path,
      String path2,
      long position,
      int length,
      long dataSeed,
      int permissions,
      long modified,
      long accessed,
      long created,
      String principal) {
    Op withPrincipal(String name) {
      return new Op(
          index,
          kind,
          path,
          path2,
          position,
          length,
          dataSeed,
          permissions,
          modified,
          accessed,
          created,
          name);
    }

    /** The bytes a data operation writes. */
    byte[] data() {
      byte[] b = new byte[length];
      new SplittableRandom(dataSeed).nextBytes(b);
      return b;
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("op ").append(index).append(' ').append(kind);
      sb.append(' ').append(path);
      if (path2 != null) {
        sb.append(" -> ").append(path2);
      }
      switch (kind) {
        case WRITE, MAP -> sb.append(" at ").append(position).append(" x ").append(length);
        case APPEND, ORPHAN -> sb.append(" x ").append(length);
        case TRUNCATE -> sb.append(" to ").append(position);
        case CHMOD, CREATE, MKDIR -> sb.append(" mode ").append(Integer.toOctalString(permissions));
        case TIMES -> sb.append(" m=").append(modified).append(" a=").append(accessed);
        case CHOWN, CHGRP -> sb.append(' ').append(principal);
        default -> {}
      }
      return sb.toString();
    }
  }

  /** A node of the model's tree: an inode, reached by one or more names. */
  static final class Node {
    final int id;
    final char kind; // 'd', 'f', 'l'
    final TreeMap<String, Node> entries;
    final String target;
    byte[] data = new byte[0];
    int permissions;
    String owner = CREATOR;
    String group = CREATOR;
    Long modified;
    Long accessed;
    Long created;
    int names;

    /** The directory of ballast files, which the workload never touches. */
    boolean ballast;

    Node(int id, char kind, String target, int permissions) {
      this.id = id;
      this.kind = kind;
      this.entries = kind == 'd' ? new TreeMap<>() : null;
      this.target = target;
      this.permissions = permissions;
    }

    private Node(Node o, int id) {
      this.id = id;
      this.kind = o.kind;
      this.entries = o.entries == null ? null : new TreeMap<>();
      this.target = o.target;
      this.data = o.data;
      this.permissions = o.permissions;
      this.owner = o.owner;
      this.group = o.group;
      this.modified = o.modified;
      this.accessed = o.accessed;
      this.created = o.created;
      this.names = o.names;
      this.ballast = o.ballast;
    }
  }

  /** What a child keeps open across operations: channels to deleted files and their mappings. */
  static final class Held implements AutoCloseable {
    private final Deque<FileChannel> channels = new ArrayDeque<>();
    private final List<MappedByteBuffer> mappings = new ArrayList<>();

    void keep(FileChannel ch, MappedByteBuffer m) throws IOException {
      channels.addLast(ch);
      if (m != null) {
        mappings.add(m);
      }
      while (channels.size() > MAX_ORPHANS) {
        channels.removeFirst().close();
      }
    }

    @Override
    public void close() throws IOException {
      release();
    }

    /** Closes every channel kept and forgets the mappings. */
    void release() throws IOException {
      for (FileChannel ch : channels) {
        ch.close();
      }
      channels.clear();
      mappings.clear();
    }
  }

  /** The directory of {@link #ballast()} files, under the root. */
  static final String BALLAST = "ballast";

  private final long seed;
  private final long dataLimit;
  private int ballast;
  private Node root;
  private int nextName;
  private int nextId;
  private int applied;

  CrashWorkload(long seed) {
    this(seed, DATA_LIMIT, 0);
  }

  /**
   * The workload of {@code seed}, keeping its files' data near {@code dataLimit} bytes at most, on
   * a tree that starts with {@code ballast} empty files in {@code /ballast} (see {@link
   * #createBallast}), which it never touches: they make every checkpoint of an image large.
   */
  CrashWorkload(long seed, long dataLimit, int ballast) {
    this.seed = seed;
    this.dataLimit = dataLimit;
    this.ballast = ballast;
    this.root = new Node(nextId++, 'd', null, 0755);
    root.names = 1;
    if (ballast > 0) {
      Node dir = new Node(nextId++, 'd', null, 0777 & ~UMASK);
      dir.ballast = true;
      dir.names = 1;
      root.entries.put(BALLAST, dir);
      for (int i = 0; i < ballast; i++) {
        Node f = new Node(nextId++, 'f', null, 0666 & ~UMASK);
        f.names = 1;
        dir.entries.put("b" + i, f);
      }
    }
  }

  /**
   * Creates the ballast files of a workload of {@code count} on the filesystem under {@code root}.
   */
  static void createBallast(Path root, int count) throws IOException {
    if (count > 0) {
      Path dir = Files.createDirectory(root.resolve(BALLAST));
      for (int i = 0; i < count; i++) {
        Files.createFile(dir.resolve("b" + i));
      }
    }
  }

  int ballast() {
    return ballast;
  }

  /** A copy that shares nothing mutable with this one. */
  CrashWorkload copy() {
    CrashWorkload c = new CrashWorkload(seed, dataLimit, 0);
    Map<Node, Node> copies = new IdentityHashMap<>();
    c.root = copyTree(root, copies);
    c.ballast = ballast;
    c.nextName = nextName;
    c.nextId = nextId;
    c.applied = applied;
    return c;
  }

  private static Node copyTree(Node n, Map<Node, Node> copies) {
    Node existing = copies.get(n);
    if (existing != null) {
      return existing;
    }
    Node c = new Node(n, n.id);
    copies.put(n, c);
    if (n.entries != null) {
      n.entries.forEach((name, child) -> c.entries.put(name, copyTree(child, copies)));
    }
    return c;
  }

  long seed() {
    return seed;
  }

  /** How many operations the model has applied: the index of the next one. */
  int applied() {
    return applied;
  }

  /** Applies operations to the model until {@code count} have been. */
  void advanceTo(int count) {
    while (applied < count) {
      apply(next());
    }
  }

  // ---- drawing the next operation

  /** The next operation, drawn from the seed, its index and the model as it is now. */
  Op next() {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + applied);
    List<String> dirs = new ArrayList<>();
    List<String> files = new ArrayList<>();
    List<String> others = new ArrayList<>(); // files and symbolic links
    List<String> emptyDirs = new ArrayList<>();
    long[] bytes = {0};
    walkWorkload(
        root,
        "",
        (path, n) -> {
          switch (n.kind) {
            case 'd' -> {
              dirs.add(path);
              if (n.entries.isEmpty() && n != root) {
                emptyDirs.add(path);
              }
            }
            case 'f' -> {
              files.add(path);
              others.add(path);
            }
            default -> others.add(path);
          }
        });
    for (Node n : distinctFiles()) {
      bytes[0] += n.data.length;
    }
    boolean full = bytes[0] > dataLimit;
    for (int attempt = 0; attempt < 20; attempt++) {
      Kind kind = full ? shrinking(r) : weighted(r);
      Op op = draw(kind, r, dirs, files, others, emptyDirs);
      if (op != null) {
        return op;
      }
    }
    return op(Kind.CREATE, newName(r, dirs, "f"), null, 0, 0, 0, 0644, r);
  }

  private static Kind weighted(SplittableRandom r) {
    int total = Arrays.stream(WEIGHTS).sum();
    int x = r.nextInt(total);
    for (int i = 0; i < WEIGHTS.length; i++) {
      x -= WEIGHTS[i];
      if (x < 0) {
        return Kind.values()[i];
      }
    }
    throw new AssertionError();
  }

  private static Kind shrinking(SplittableRandom r) {
    Kind[] kinds = {Kind.DELETE, Kind.TRUNCATE, Kind.ORPHAN, Kind.RENAME, Kind.CHMOD};
    return kinds[r.nextInt(kinds.length)];
  }

  private Op draw(
      Kind kind,
      SplittableRandom r,
      List<String> dirs,
      List<String> files,
      List<String> others,
      List<String> emptyDirs) {
    switch (kind) {
      case MKDIR:
        if (dirs.size() > 12) {
          return null;
        }
        return op(kind, newName(r, dirs, "d"), null, 0, 0, 0, 0700 | r.nextInt(0100), r);
      case CREATE:
        return op(kind, newName(r, dirs, "f"), null, 0, 0, 0, r.nextInt(01000), r);
      case WRITE:
        {
          if (files.isEmpty()) {
            return null;
          }
          String f = pick(r, files);
          int size = find(f).data.length;
          int len = 1 + r.nextInt(r.nextInt(4) == 0 ? 24 << 10 : 3000);
          long pos = r.nextInt(Math.min(size, MAX_FILE - len) + 8192);
          return op(kind, f, null, pos, len, r.nextLong(), 0, r);
        }
      case APPEND:
        {
          if (files.isEmpty()) {
            return null;
          }
          String f = pick(r, files);
          if (find(f).data.length > MAX_FILE) {
            return null;
          }
          return op(kind, f, null, 0, 1 + r.nextInt(9000), r.nextLong(), 0, r);
        }
      case TRUNCATE:
        {
          if (files.isEmpty()) {
            return null;
          }
          String f = pick(r, files);
          return op(kind, f, null, r.nextInt(find(f).data.length + 1), 0, 0, 0, r);
        }
      case MAP:
        {
          if (files.isEmpty()) {
            return null;
          }
          String f = pick(r, files);
          int size = find(f).data.length;
          // Within one block: a range over several blocks that are not contiguous must move
          // first, which daxfs refuses while an earlier mapping (not yet collected) holds some.
          int pos = r.nextInt(Math.min(size, MAX_FILE) + 1);
          int len = 1 + r.nextInt(4096 - pos % 4096);
          return op(kind, f, null, pos, len, r.nextLong(), 0, r);
        }
      case RENAME:
        if (others.isEmpty()) {
          return null;
        }
        return op(kind, pick(r, others), newName(r, dirs, "r"), 0, 0, 0, 0, r);
      case REPLACE:
        {
          if (others.size() < 2) {
            return null;
          }
          String from = pick(r, others);
          String to = pick(r, others);
          if (find(from) == find(to)) {
            return null; // rename between two names of one file does nothing, as on Linux
          }
          return op(kind, from, to, 0, 0, 0, 0, r);
        }
      case MOVE_DIR:
        {
          if (dirs.size() < 2) {
            return null;
          }
          String d = pick(r, dirs.subList(1, dirs.size()));
          List<String> outside = dirs.stream().filter(x -> !(x + "/").startsWith(d + "/")).toList();
          return op(kind, d, newName(r, outside, "m"), 0, 0, 0, 0, r);
        }
      case DELETE:
        if (others.isEmpty()) {
          return null;
        }
        return op(kind, pick(r, others), null, 0, 0, 0, 0, r);
      case RMDIR:
        if (emptyDirs.isEmpty()) {
          return null;
        }
        return op(kind, pick(r, emptyDirs), null, 0, 0, 0, 0, r);
      case LINK:
        if (files.isEmpty()) {
          return null;
        }
        return op(kind, pick(r, files), newName(r, dirs, "h"), 0, 0, 0, 0, r);
      case SYMLINK:
        {
          String target =
              switch (r.nextInt(3)) {
                case 0 -> others.isEmpty() ? "/nowhere" : pick(r, others);
                case 1 -> "../x" + r.nextInt(100);
                default -> "dangling/" + r.nextInt(100);
              };
          return op(kind, newName(r, dirs, "s"), target, 0, 0, 0, 0, r);
        }
      case CHMOD:
        {
          String p = pickFileOrDir(r, files, dirs);
          int mode = find(p).kind == 'd' ? 0700 | r.nextInt(0100) : r.nextInt(01000);
          return op(kind, p, null, 0, 0, 0, mode, r);
        }
      case TIMES:
        return op(kind, pickFileOrDir(r, files, dirs), null, 0, 0, 0, 0, r);
      case CHOWN:
        return op(kind, pickFileOrDir(r, files, dirs), null, 0, 0, 0, 0, r)
            .withPrincipal(OWNERS[r.nextInt(OWNERS.length)]);
      case CHGRP:
        return op(kind, pickFileOrDir(r, files, dirs), null, 0, 0, 0, 0, r)
            .withPrincipal(GROUPS[r.nextInt(GROUPS.length)]);
      case ORPHAN:
        {
          // One name only: through another, the channel's writes would show.
          List<String> single = files.stream().filter(f -> find(f).names == 1).toList();
          if (single.isEmpty()) {
            return null;
          }
          return op(kind, pick(r, single), null, 0, 1 + r.nextInt(12000), r.nextLong(), 0, r);
        }
      default:
        throw new AssertionError(kind);
    }
  }

  private Op op(
      Kind kind,
      String path,
      String path2,
      long position,
      int length,
      long dataSeed,
      int permissions,
      SplittableRandom r) {
    // Explicit times: any second of some three years, and any nanosecond of it.
    long base = TimeUnit.SECONDS.toNanos(1_600_000_000L);
    long m = base + r.nextLong(TimeUnit.DAYS.toNanos(1000));
    long a = base + r.nextLong(TimeUnit.DAYS.toNanos(1000));
    long c = base + r.nextLong(TimeUnit.DAYS.toNanos(1000));
    return new Op(
        applied, kind, path, path2, position, length, dataSeed, permissions, m, a, c, null);
  }

  private static <T> T pick(SplittableRandom r, List<T> list) {
    return list.get(r.nextInt(list.size()));
  }

  private static String pickFileOrDir(SplittableRandom r, List<String> files, List<String> dirs) {
    return !files.isEmpty() && r.nextBoolean() ? pick(r, files) : pick(r, dirs);
  }

  private String newName(SplittableRandom r, List<String> dirs, String prefix) {
    String dir = pick(r, dirs);
    return dir + "/" + prefix + nextName;
  }

  // ---- the model

  /** Applies {@code op} to the model; it must be the operation {@link #next()} gives now. */
  void apply(Op op) {
    if (op.index() != applied) {
      throw new IllegalStateException(op + " applied as operation " + applied);
    }
    applied++;
    nextName++;
    switch (op.kind()) {
      case MKDIR -> link(op.path(), new Node(nextId++, 'd', null, op.permissions() & ~UMASK));
      case CREATE -> link(op.path(), new Node(nextId++, 'f', null, op.permissions() & ~UMASK));
      case SYMLINK -> link(op.path(), new Node(nextId++, 'l', op.path2(), 0777));
      case WRITE -> write(find(op.path()), op.position(), op.data());
      case APPEND -> {
        Node f = find(op.path());
        write(f, f.data.length, op.data());
      }
      case MAP -> write(find(op.path()), op.position(), op.data());
      case TRUNCATE -> {
        Node f = find(op.path());
        if (op.position() < f.data.length) {
          f.data = Arrays.copyOf(f.data, (int) op.position());
        }
        f.modified = null;
      }
      case RENAME, MOVE_DIR -> link(op.path2(), unlink(op.path()));
      case REPLACE -> {
        Node moving = unlink(op.path());
        unlink(op.path2());
        link(op.path2(), moving);
      }
      case DELETE, RMDIR, ORPHAN -> unlink(op.path());
      case LINK -> link(op.path2(), find(op.path()));
      case CHMOD -> find(op.path()).permissions = op.permissions();
      case TIMES -> {
        Node n = find(op.path());
        n.modified = op.modified();
        n.accessed = op.accessed();
        n.created = op.created();
      }
      case CHOWN -> find(op.path()).owner = op.principal();
      case CHGRP -> find(op.path()).group = op.principal();
    }
  }

  private static void write(Node f, long position, byte[] data) {
    int end = (int) position + data.length;
    if (end > f.data.length) {
      f.data = Arrays.copyOf(f.data, end);
    } else {
      f.data = f.data.clone();
    }
    System.arraycopy(data, 0, f.data, (int) position, data.length);
    f.modified = null;
  }

  private void link(String path, Node n) {
    Node dir = find(parent(path));
    if (dir.entries.putIfAbsent(name(path), n) != null) {
      throw new IllegalStateException(path + " exists in the model");
    }
    n.names++;
    dir.modified = null;
  }

  private Node unlink(String path) {
    Node dir = find(parent(path));
    Node n = dir.entries.remove(name(path));
    if (n == null) {
      throw new IllegalStateException(path + " is not in the model");
    }
    n.names--;
    dir.modified = null;
    return n;
  }

  Node find(String path) {
    Node n = root;
    for (String part : path.split("/")) {
      if (!part.isEmpty()) {
        n = n.entries.get(part);
        if (n == null) {
          throw new IllegalStateException(path + " is not in the model");
        }
      }
    }
    return n;
  }

  private static String parent(String path) {
    return path.substring(0, path.lastIndexOf('/'));
  }

  private static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private interface Visitor {
    void visit(String path, Node n);
  }

  private static void walk(Node n, String path, Visitor v) {
    v.visit(path, n);
    if (n.entries != null) {
      n.entries.forEach((name, child) -> walk(child, path + "/" + name, v));
    }
  }

  /** As {@link #walk}, leaving out the ballast. */
  private static void walkWorkload(Node n, String path, Visitor v) {
    v.visit(path, n);
    if (n.entries != null) {
      n.entries.forEach(
          (name, child) -> {
            if (!child.ballast) {
              walkWorkload(child, path + "/" + name, v);
            }
          });
    }
  }

  private List<Node> distinctFiles() {
    Map<Node, Boolean> seen = new IdentityHashMap<>();
    walkWorkload(
        root,
        "",
        (p, n) -> {
          if (n.kind == 'f') {
            seen.put(n, true);
          }
        });
    return new ArrayList<>(seen.keySet());
  }

  /** Forgets the access times of every file: reading a file may set it. */
  void forgetAccessTimes() {
    walk(root, "", (p, n) -> n.accessed = null);
  }

  /** The model's tree, as {@link TreeState} reads a filesystem's. */
  TreeState snapshot() {
    Map<String, TreeState.Entry> entries = new TreeMap<>();
    walk(
        root,
        "",
        (path, n) ->
            entries.put(
                path.isEmpty() ? "/" : path,
                new TreeState.Entry(
                    n.kind,
                    n.kind == 'l' ? null : n.permissions,
                    n.kind == 'l' ? null : n.owner,
                    n.kind == 'l' ? null : n.group,
                    n.modified,
                    n.accessed,
                    n.created,
                    n.kind == 'f' ? n.data : null,
                    n.target,
                    n.id,
                    n.kind == 'f' ? n.names : 0)));
    return new TreeState(entries);
  }

  // ---- doing it to a filesystem

  /**
   * Does {@code op} to the filesystem whose root is {@code root}, in one call where the operation
   * is one change (so that a crash leaves it whole or not at all).
   */
  static void perform(Op op, Path root, Held held) throws IOException {
    Path p = resolve(root, op.path());
    switch (op.kind()) {
      case MKDIR ->
          Files.createDirectory(
              p,
              PosixFilePermissions.asFileAttribute(
                  PosixFilePermissions.fromString(mode(op.permissions()))));
      case CREATE ->
          Files.createFile(
              p,
              PosixFilePermissions.asFileAttribute(
                  PosixFilePermissions.fromString(mode(op.permissions()))));
      case SYMLINK -> Files.createSymbolicLink(p, root.getFileSystem().getPath(op.path2()));
      case WRITE -> {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
          writeFully(ch, ByteBuffer.wrap(op.data()), op.position());
        }
      }
      case APPEND -> {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.APPEND)) {
          ByteBuffer b = ByteBuffer.wrap(op.data());
          if (ch.write(b) != op.length()) {
            throw new IOException("short append: " + op);
          }
        }
      }
      case TRUNCATE -> {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
          ch.truncate(op.position());
        }
      }
      case MAP -> {
        try (FileChannel ch =
            FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
          MappedByteBuffer m = ch.map(MapMode.READ_WRITE, op.position(), op.length());
          m.put(0, op.data());
          m.force();
        }
      }
      case RENAME, MOVE_DIR -> Files.move(p, resolve(root, op.path2()));
      case REPLACE -> Files.move(p, resolve(root, op.path2()), StandardCopyOption.REPLACE_EXISTING);
      case DELETE, RMDIR -> Files.delete(p);
      case LINK -> Files.createLink(resolve(root, op.path2()), p);
      case CHMOD ->
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode(op.permissions())));
      case TIMES ->
          Files.getFileAttributeView(p, BasicFileAttributeView.class)
              .setTimes(
                  FileTime.from(op.modified(), TimeUnit.NANOSECONDS),
                  FileTime.from(op.accessed(), TimeUnit.NANOSECONDS),
                  FileTime.from(op.created(), TimeUnit.NANOSECONDS));
      case CHOWN -> {
        UserPrincipalLookupService users = root.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(p, users.lookupPrincipalByName(op.principal()));
      }
      case CHGRP -> {
        UserPrincipalLookupService users = root.getFileSystem().getUserPrincipalLookupService();
        Files.getFileAttributeView(p, PosixFileAttributeView.class)
            .setGroup(users.lookupPrincipalByGroupName(op.principal()));
      }
      case ORPHAN -> {
        // The file's last name goes while a channel and a mapping still hold its blocks; the
        // channel keeps writing. A crash must give those blocks back.
        FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
          Files.delete(p);
          long end = ch.size();
          writeFully(ch, ByteBuffer.wrap(op.data()), end);
          MappedByteBuffer m = ch.map(MapMode.READ_WRITE, end, 1);
          m.put(0, (byte) 1);
          held.keep(ch, m);
        } catch (IOException | RuntimeException e) {
          ch.close();
          throw e;
        }
      }
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    long p = position;
    while (b.hasRemaining()) {
      p += ch.write(b, p);
    }
  }

  static Path resolve(Path root, String path) {
    return path.isEmpty() ? root : root.resolve(path.substring(1));
  }

  private static String mode(int bits) {
    char[] c = "rwxrwxrwx".toCharArray();
    for (int i = 0; i < 9; i++) {
      if ((bits & (1 << (8 - i))) == 0) {
        c[i] = '-';
      }
    }
    return new String(c);
  }
}
