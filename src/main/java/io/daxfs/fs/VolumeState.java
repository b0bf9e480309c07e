package io.daxfs.fs;

import io.daxfs.fs.MetadataChange.AttributesSet;
import io.daxfs.fs.MetadataChange.Created;
import io.daxfs.fs.MetadataChange.ExtentAdded;
import io.daxfs.fs.MetadataChange.ExtentsRemoved;
import io.daxfs.fs.MetadataChange.Linked;
import io.daxfs.fs.MetadataChange.Renamed;
import io.daxfs.fs.MetadataChange.Resized;
import io.daxfs.fs.MetadataChange.Unlinked;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A volume's metadata as plain values, detached from any device: what a checkpoint stores, what a
 * journal's changes are replayed onto, and what {@link Volume#mount} builds a volume from. Not
 * thread-safe.
 *
 * <p>{@link #apply} checks each change against the state and refuses one that does not fit (a name
 * that exists already, a target that is not there) with an {@link IllegalArgumentException} naming
 * both; a change of the blocks, size or attributes of an inode that is gone is ignored, since a
 * file keeps changing while it is open after its last name was removed.
 */
public final class VolumeState {
  /** The root directory's inode number, as on Linux filesystems. */
  public static final long ROOT = 2;

  /** One inode's metadata. Fields are written only by {@link VolumeState#apply}. */
  public static final class Node {
    private final long id;
    private final Inode.Kind kind;
    private final String target;
    private int permissions;
    private String owner;
    private String group;
    private long lastModifiedTime;
    private long lastAccessTime;
    private long creationTime;
    private long changeTime;
    private long size;
    private ExtentMap extents = ExtentMap.EMPTY;
    private int names;
    private long parent;
    private final TreeMap<String, Long> entries;
    private final VolumeState state;

    private Node(VolumeState state, Created c) {
      this.state = state;
      this.id = c.inode();
      this.kind = c.kind();
      this.target = c.target();
      this.permissions = c.permissions() & 07777;
      this.owner = c.owner();
      this.group = c.group();
      this.lastModifiedTime = c.time();
      this.lastAccessTime = c.time();
      this.creationTime = c.time();
      this.changeTime = c.time();
      this.entries = kind == Inode.Kind.DIRECTORY ? new TreeMap<>() : null;
      this.parent = id;
    }

    public long id() {
      return id;
    }

    public Inode.Kind kind() {
      return kind;
    }

    /** A symbolic link's target; {@code null} for other kinds. */
    public String target() {
      return target;
    }

    public int permissions() {
      return permissions;
    }

    public String owner() {
      return owner;
    }

    public String group() {
      return group;
    }

    public long lastModifiedTime() {
      return lastModifiedTime;
    }

    public long lastAccessTime() {
      return lastAccessTime;
    }

    public long creationTime() {
      return creationTime;
    }

    public long changeTime() {
      return changeTime;
    }

    /** A regular file's size; 0 for other kinds. */
    public long size() {
      return size;
    }

    ExtentMap extents() {
      return extents;
    }

    /** The extents of a regular file, each {@code {logical, physical, count}} in blocks. */
    public List<long[]> extentList() {
      List<long[]> list = new ArrayList<>(extents.extentCount());
      for (int i = 0; i < extents.extentCount(); i++) {
        list.add(
            new long[] {extents.logicalStart(i), extents.physicalStart(i), extents.blockCount(i)});
      }
      return list;
    }

    /** A directory's entries, name to inode; empty for other kinds. */
    public SortedMap<String, Long> entries() {
      return entries == null
          ? Collections.emptySortedMap()
          : Collections.unmodifiableSortedMap(entries);
    }

    /** A directory's parent; the root is its own. */
    public long parent() {
      return parent;
    }

    /** Hard links, as {@code stat} counts them. */
    public int linkCount() {
      if (kind != Inode.Kind.DIRECTORY) {
        return names;
      }
      int subdirectories = 0;
      for (Long child : entries.values()) {
        Node c = state.nodes.get(child);
        if (c != null && c.kind == Inode.Kind.DIRECTORY) {
          subdirectories++;
        }
      }
      return 2 + subdirectories;
    }

    private AttributesSet attributes() {
      return new AttributesSet(
          id,
          permissions,
          owner,
          group,
          lastModifiedTime,
          lastAccessTime,
          creationTime,
          changeTime);
    }
  }

  private final Map<Long, Node> nodes = new HashMap<>();
  private long nextId = ROOT;

  private VolumeState() {}

  /** A state with no inode at all, for replaying {@link #changes()} of another state onto. */
  public static VolumeState blank() {
    return new VolumeState();
  }

  /** The state of a new filesystem: an empty root. */
  public static VolumeState formatted(int permissions, String owner, long time) {
    VolumeState s = new VolumeState();
    s.apply(new Created(ROOT, Inode.Kind.DIRECTORY, permissions, owner, owner, time, null));
    return s;
  }

  /** A copy that shares nothing mutable with this state. */
  public VolumeState copy() {
    VolumeState copy = blank();
    for (MetadataChange c : changes()) {
      copy.apply(c);
    }
    copy.nextId = Math.max(copy.nextId, nextId);
    return copy;
  }

  /** The inode numbered {@code id}, or {@code null}. */
  public Node node(long id) {
    return nodes.get(id);
  }

  /** Every inode, in no particular order. */
  public java.util.Collection<Node> nodes() {
    return Collections.unmodifiableCollection(nodes.values());
  }

  /** The number the next new inode gets: above every number used so far. */
  public long nextId() {
    return nextId;
  }

  /** Raises {@link #nextId()} to at least {@code id}, so that no number is given out twice. */
  public void reserveIdsBelow(long id) {
    nextId = Math.max(nextId, id);
  }

  /**
   * Removes the inodes, but the root, that no name leads to: inodes created by an operation that
   * ended (a crash) before it linked them.
   *
   * @return their numbers, in ascending order
   */
  public List<Long> removeUnnamed() {
    List<Long> gone = new ArrayList<>();
    for (Node n : nodes.values()) {
      if (n.names == 0 && n.id != ROOT) {
        gone.add(n.id);
      }
    }
    Collections.sort(gone);
    gone.forEach(nodes::remove);
    return gone;
  }

  /**
   * Applies one change.
   *
   * @throws IllegalArgumentException if it does not fit this state; the state is then unchanged
   */
  public void apply(MetadataChange change) {
    if (change instanceof Created c) {
      if (nodes.containsKey(c.inode())) {
        throw misfit(change, "inode " + c.inode() + " exists already");
      }
      if (c.inode() < ROOT) {
        throw misfit(change, "inode numbers start at " + ROOT);
      }
      nodes.put(c.inode(), new Node(this, c));
      nextId = Math.max(nextId, c.inode() + 1);
    } else if (change instanceof Linked l) {
      Node dir = directory(change, l.directory());
      Node target = existing(change, l.target());
      if (dir.entries.containsKey(l.name())) {
        throw misfit(change, "name exists already");
      }
      if (target.kind == Inode.Kind.DIRECTORY) {
        if (target.id == ROOT || target.parent != target.id) {
          throw misfit(change, "a directory has one name");
        }
        target.parent = dir.id;
      }
      dir.entries.put(l.name(), target.id);
      target.names++;
    } else if (change instanceof Unlinked u) {
      Node dir = directory(change, u.directory());
      Node target = named(change, dir, u.name(), u.target());
      if (target.kind == Inode.Kind.DIRECTORY && !target.entries.isEmpty()) {
        throw misfit(change, "directory not empty");
      }
      dir.entries.remove(u.name());
      if (--target.names == 0) {
        nodes.remove(target.id);
      }
    } else if (change instanceof Renamed r) {
      Node from = directory(change, r.fromDirectory());
      Node to = directory(change, r.toDirectory());
      Node target = named(change, from, r.fromName(), r.target());
      if (to.entries.containsKey(r.toName())) {
        throw misfit(change, "target name exists");
      }
      if (target.kind == Inode.Kind.DIRECTORY) {
        for (Node d = to; ; d = nodes.get(d.parent)) {
          if (d == target) {
            throw misfit(change, "a directory moved into itself");
          }
          if (d.parent == d.id) {
            break;
          }
        }
        target.parent = to.id;
      }
      from.entries.remove(r.fromName());
      to.entries.put(r.toName(), target.id);
    } else if (change instanceof AttributesSet a) {
      Node n = nodes.get(a.inode());
      if (n != null) {
        n.permissions = a.permissions() & 07777;
        n.owner = a.owner();
        n.group = a.group();
        n.lastModifiedTime = a.lastModifiedTime();
        n.lastAccessTime = a.lastAccessTime();
        n.creationTime = a.creationTime();
        n.changeTime = a.changeTime();
      }
    } else if (change instanceof ExtentAdded e) {
      Node n = regularFileOrGone(change, e.inode());
      if (n != null) {
        try {
          n.extents = n.extents.with(e.logical(), e.physical(), e.count());
        } catch (IllegalArgumentException x) {
          throw misfit(change, x.getMessage());
        }
      }
    } else if (change instanceof ExtentsRemoved e) {
      Node n = regularFileOrGone(change, e.inode());
      if (n != null) {
        n.extents =
            n.extents.remove(e.fromLogical(), e.toLogical() - e.fromLogical(), (s, c) -> {});
      }
    } else if (change instanceof Resized r) {
      Node n = regularFileOrGone(change, r.inode());
      if (n != null) {
        n.size = r.size();
      }
    }
  }

  /**
   * Removes every inode that no name leads to from the root, as a filesystem check frees orphans
   * after a crash: files created but never named durably, directories whose own name was lost, and
   * all below them. Names held by removed directories no longer count towards link counts.
   *
   * @return the number of inodes removed
   */
  public int removeUnreachable() {
    Node root = nodes.get(ROOT);
    Map<Long, Integer> names = new HashMap<>();
    Deque<Node> todo = new ArrayDeque<>();
    if (root != null) {
      names.put(ROOT, 0);
      todo.add(root);
    }
    while (!todo.isEmpty()) {
      Node dir = todo.removeFirst();
      for (Long id : dir.entries.values()) {
        Node child = nodes.get(id);
        if (names.merge(id, 1, Integer::sum) == 1 && child.kind == Inode.Kind.DIRECTORY) {
          todo.addLast(child);
        }
      }
    }
    int removed = nodes.size() - names.size();
    nodes.keySet().retainAll(names.keySet());
    for (Node n : nodes.values()) {
      n.names = names.get(n.id);
    }
    return removed;
  }

  /**
   * Changes that build this state from {@link #blank()}: every inode, then every name (parents
   * before children), then blocks, sizes and attributes.
   */
  public List<MetadataChange> changes() {
    List<MetadataChange> out = new ArrayList<>();
    List<Node> sorted = new ArrayList<>(nodes.values());
    sorted.sort((a, b) -> Long.compare(a.id, b.id));
    for (Node n : sorted) {
      out.add(new Created(n.id, n.kind, n.permissions, n.owner, n.group, n.creationTime, n.target));
    }
    // From the root first; then directories no name leads to from it (a state a journal is still
    // building may hold some), each directory's entries once.
    java.util.Set<Long> listed = new java.util.HashSet<>();
    List<Node> starts = new ArrayList<>();
    Node root = nodes.get(ROOT);
    if (root != null) {
      starts.add(root);
    }
    starts.addAll(sorted);
    for (Node start : starts) {
      if (start.kind != Inode.Kind.DIRECTORY || !listed.add(start.id)) {
        continue;
      }
      Deque<Node> todo = new ArrayDeque<>();
      todo.add(start);
      while (!todo.isEmpty()) {
        Node dir = todo.removeFirst();
        dir.entries.forEach(
            (name, id) -> {
              out.add(new Linked(dir.id, name, id));
              Node child = nodes.get(id);
              if (child.kind == Inode.Kind.DIRECTORY && listed.add(child.id)) {
                todo.addLast(child);
              }
            });
      }
    }
    for (Node n : sorted) {
      for (long[] e : n.extentList()) {
        out.add(new ExtentAdded(n.id, e[0], e[1], e[2]));
      }
      if (n.size != 0) {
        out.add(new Resized(n.id, n.size));
      }
      out.add(n.attributes());
    }
    return out;
  }

  private Node existing(MetadataChange change, long id) {
    Node n = nodes.get(id);
    if (n == null) {
      throw misfit(change, "no inode " + id);
    }
    return n;
  }

  private Node directory(MetadataChange change, long id) {
    Node n = existing(change, id);
    if (n.kind != Inode.Kind.DIRECTORY) {
      throw misfit(change, "inode " + id + " is not a directory");
    }
    return n;
  }

  private Node named(MetadataChange change, Node dir, String name, long id) {
    Long found = dir.entries.get(name);
    if (found == null || found != id) {
      throw misfit(change, "no such name leading to inode " + id);
    }
    return nodes.get(id);
  }

  private Node regularFileOrGone(MetadataChange change, long id) {
    Node n = nodes.get(id);
    if (n != null && n.kind != Inode.Kind.REGULAR_FILE) {
      throw misfit(change, "inode " + id + " is not a regular file");
    }
    return n;
  }

  private static IllegalArgumentException misfit(MetadataChange change, String why) {
    return new IllegalArgumentException(change + " does not fit: " + why);
  }
}
