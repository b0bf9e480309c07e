package io.daxfs.fs;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import io.daxfs.DaxConfiguration;
import io.daxfs.device.EmulatedPmem;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A mounted filesystem on an emulated device: the directory tree, the block allocator and the
 * namespace operations, with Linux's semantics and error kinds (as the JDK reports them on Linux).
 *
 * <p>All namespace operations run under one tree lock (reads shared, changes exclusive); file data
 * has its own per-file locks, so I/O never waits for namespace changes.
 */
public final class Volume implements Closeable {
  /** Linux's limit on symbolic links followed in one resolution. */
  static final int MAX_SYMLINKS = 40;

  /** Linux's limit on one name, in bytes. */
  static final int MAX_NAME_BYTES = 255;

  private final EmulatedPmem device;
  private final int blockSize;
  private final BlockAllocator allocator;
  private final Pins pins;
  private final int umask;
  private final String defaultOwner;
  private final ReentrantReadWriteLock treeLock = new ReentrantReadWriteLock();
  private final AtomicLong nextId = new AtomicLong(2); // Linux filesystems number the root 2
  private final Directory root;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile ChangeListener changeListener;

  /** What {@link #setJournal} installed. */
  private volatile MetadataJournal userJournal;

  /** Who hears of changes: the installed journal, then the durability tracker. */
  private volatile MetadataJournal journal;

  private final boolean readOnly;

  private final DaxConfiguration config;

  /** What a power cut keeps; null unless the configuration names a power-fail model. */
  private final DurabilityTracker durability;

  /** Set once the power is cut: no new file is made (guarded by the tree lock). */
  private boolean cut;

  private Volume(EmulatedPmem device, DaxConfiguration config, VolumeState state) {
    this.device = device;
    this.readOnly = config.readOnly();
    this.config = config;
    this.blockSize = config.blockSize();
    this.allocator = new BlockAllocator(device.size() / blockSize);
    this.pins = new Pins(allocator, device::reapMappings);
    this.umask = config.umask();
    this.defaultOwner = System.getProperty("user.name", "root");
    this.root = build(state);
    this.durability =
        config.powerFailModel().map(m -> new DurabilityTracker(m, state, pins::free)).orElse(null);
    this.journal = durability;
  }

  /** Creates a device and an empty filesystem on it. */
  public static Volume create(DaxConfiguration config) throws IOException {
    EmulatedPmem device = EmulatedPmem.create(config);
    CoarseClock.acquire();
    try {
      return new Volume(
          device,
          config,
          VolumeState.formatted(0755, System.getProperty("user.name", "root"), CoarseClock.now()));
    } catch (RuntimeException e) {
      CoarseClock.release();
      device.close();
      throw e;
    }
  }

  /**
   * Mounts the filesystem {@code state} describes on {@code device}, whose blocks hold its files'
   * data; the volume owns the device from now on, and closes it on failure too.
   *
   * @throws IllegalArgumentException if the state does not fit the device or itself: a block
   *     outside the device or claimed twice, a root that is not a directory, an inode that no name
   *     leads to from the root
   */
  public static Volume mount(EmulatedPmem device, DaxConfiguration config, VolumeState state)
      throws IOException {
    CoarseClock.acquire();
    try {
      return new Volume(device, config, state);
    } catch (RuntimeException e) {
      CoarseClock.release();
      device.close();
      throw e;
    }
  }

  /** Builds the tree {@code state} describes, taking its blocks from the allocator. */
  private Directory build(VolumeState state) {
    Map<Long, Inode> made = new HashMap<>();
    Map<Long, Long> owners = new HashMap<>(); // first block -> inode, for errors
    for (VolumeState.Node n : state.nodes()) {
      Inode inode =
          switch (n.kind()) {
            case DIRECTORY -> new Directory(this, n.id(), n.permissions(), null);
            case SYMBOLIC_LINK -> new SymbolicLink(this, n.id(), n.permissions(), n.target());
            case REGULAR_FILE -> {
              RegularFile f = new RegularFile(this, n.id(), n.permissions());
              ExtentMap em = n.extents();
              for (int i = 0; i < em.extentCount(); i++) {
                long start = em.physicalStart(i);
                long count = em.blockCount(i);
                if (!allocator.reserve(start, count)) {
                  throw new IllegalArgumentException(
                      "blocks "
                          + start
                          + "+"
                          + count
                          + " of inode "
                          + n.id()
                          + " are outside the device or belong to another file too");
                }
              }
              f.restoreLayout(em, n.size());
              yield f;
            }
          };
      inode.restoreAttributes(
          n.permissions(),
          n.owner(),
          n.group(),
          n.lastModifiedTime(),
          n.lastAccessTime(),
          n.creationTime(),
          n.changeTime());
      made.put(n.id(), inode);
    }
    if (!(made.get(VolumeState.ROOT) instanceof Directory top)) {
      throw new IllegalArgumentException("inode " + VolumeState.ROOT + " is not a directory");
    }
    ArrayDeque<Directory> todo = new ArrayDeque<>();
    todo.add(top);
    int reached = 1;
    while (!todo.isEmpty()) {
      Directory dir = todo.removeFirst();
      for (var e : state.node(dir.id()).entries().entrySet()) {
        Inode child = made.get(e.getValue());
        if (child == null) {
          throw new IllegalArgumentException(
              "entry " + e.getKey() + " of directory " + dir.id() + " leads to no inode");
        }
        dir.put(e.getKey(), child);
        boolean first = child.dentries().length == 0;
        child.addDentry(dir, e.getKey());
        if (child instanceof Directory d) {
          if (!first || d == top) {
            throw new IllegalArgumentException("directory " + d.id() + " has two names");
          }
          d.setParent(dir);
          todo.addLast(d);
        }
        if (first) {
          reached++;
        }
      }
    }
    if (reached != made.size()) {
      throw new IllegalArgumentException(
          (made.size() - reached) + " inodes have no name that leads to them from the root");
    }
    for (VolumeState.Node n : state.nodes()) {
      made.get(n.id()).setLinkCount(n.linkCount());
    }
    nextId.set(Math.max(state.nextId(), VolumeState.ROOT + 1));
    return top;
  }

  /**
   * The metadata of every file that has a name, as of one moment of the tree (each file's blocks
   * and size as of one moment of that file).
   */
  public VolumeState state() {
    Lock l = treeLock.writeLock();
    acquire(l);
    try {
      VolumeState s = VolumeState.blank();
      ArrayDeque<Inode> todo = new ArrayDeque<>();
      List<Inode> all = new ArrayList<>();
      todo.add(root);
      java.util.Set<Inode> seen =
          java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      seen.add(root);
      while (!todo.isEmpty()) {
        Inode inode = todo.removeFirst();
        all.add(inode);
        if (inode instanceof Directory d) {
          for (String name : d.names()) {
            Inode child = d.get(name);
            if (seen.add(child)) {
              todo.addLast(child);
            }
          }
        }
      }
      for (Inode inode : all) {
        s.apply(creation(inode));
      }
      for (Inode inode : all) {
        if (inode instanceof Directory d) {
          for (String name : d.names()) {
            s.apply(new MetadataChange.Linked(d.id(), name, d.get(name).id()));
          }
        }
      }
      for (Inode inode : all) {
        if (inode instanceof RegularFile f) {
          FileLayout layout = f.layout();
          ExtentMap em = layout.extentMap();
          for (int i = 0; i < em.extentCount(); i++) {
            s.apply(
                new MetadataChange.ExtentAdded(
                    f.id(), em.logicalStart(i), em.physicalStart(i), em.blockCount(i)));
          }
          s.apply(new MetadataChange.Resized(f.id(), layout.size()));
        }
        s.apply(inode.attributes());
      }
      s.reserveIdsBelow(nextId.get());
      return s;
    } finally {
      l.unlock();
    }
  }

  private static MetadataChange.Created creation(Inode inode) {
    return new MetadataChange.Created(
        inode.id(),
        inode.kind(),
        inode.permissions(),
        inode.owner(),
        inode.group(),
        inode.creationTime(),
        inode instanceof SymbolicLink s ? s.target() : null);
  }

  /**
   * Installs the journal that hears every metadata change from now on ({@code null}: none), and
   * returns the one it replaces. Changes cost nothing beyond a field read while there is none.
   */
  public MetadataJournal setJournal(MetadataJournal journal) {
    Lock l = treeLock.writeLock();
    acquire(l);
    try {
      MetadataJournal old = userJournal;
      userJournal = journal;
      // durability tracking, when configured, hears everything after the installed journal
      this.journal =
          durability == null ? journal : journal == null ? durability : journal.andThen(durability);
      return old;
    } finally {
      l.unlock();
    }
  }

  /** The installed journal, or {@code null}. */
  MetadataJournal journal() {
    return journal;
  }

  /**
   * Records a change of attributes made through the API (not a time a write moved); when the
   * journal cannot keep it, throws, and the setter puts back what it set.
   */
  void attributesChanged(Inode inode) throws IOException {
    MetadataJournal j = journal;
    if (j != null) {
      j.record(inode.attributes());
    }
  }

  public EmulatedPmem device() {
    return device;
  }

  /** Whether the volume was mounted for inspection only ({@link DaxConfiguration#readOnly()}). */
  public boolean isReadOnly() {
    return readOnly;
  }

  /**
   * Refuses a change on a read-only volume.
   *
   * @throws ReadOnlyFileSystemException if the volume is read-only
   */
  public void checkWritable() {
    if (readOnly) {
      throw new ReadOnlyFileSystemException();
    }
  }

  public int blockSize() {
    return blockSize;
  }

  public Directory root() {
    return root;
  }

  public long totalBytes() {
    return allocator.totalBlocks() * blockSize;
  }

  /**
   * Free space, counting the blocks of gone mappings that waited for them, and the blocks freed by
   * changes not yet durable (as ext4's {@code statfs} counts them: an allocation that needs them
   * commits first).
   */
  public long freeBytes() {
    pins.reapIfDeferred();
    DurabilityTracker d = durability;
    return (allocator.freeBlocks() + (d == null ? 0 : d.waitingBlocks())) * blockSize;
  }

  /** Now, in nanoseconds since the epoch, to the 4 ms tick (as Linux's coarse file times). */
  long now() {
    return CoarseClock.now();
  }

  String defaultOwner() {
    return defaultOwner;
  }

  String defaultGroup() {
    return defaultOwner;
  }

  /**
   * Times an allocation that finds no free block commits and tries again, when durability is
   * tracked, as {@code ext4_should_retry_alloc} does: another thread may be between freeing and
   * recording, or its commit may just have given blocks back.
   */
  private static final int ALLOCATION_RETRIES = 3;

  List<BlockRun> allocate(long goal, long count) throws NoSpaceException {
    checkWritable();
    pins.reapIfDeferred();
    for (int retry = 0; ; retry++) {
      try {
        return allocator.allocate(goal, count);
      } catch (NoSpaceException e) {
        DurabilityTracker d = durability;
        if (d == null || retry == ALLOCATION_RETRIES) {
          throw e;
        }
        if (!d.commitForSpace()) {
          Thread.yield();
        }
      }
    }
  }

  /**
   * Returns blocks to the allocator; defers that while a live mapping pins them, or, when
   * durability is tracked, while the change that freed them is not durable.
   */
  void free(long start, long count) {
    DurabilityTracker d = durability;
    if (d != null) {
      d.free(start, count);
    } else {
      pins.free(start, count);
    }
  }

  long allocateContiguous(long goal, long count) {
    checkWritable();
    pins.reapIfDeferred();
    long start = allocator.allocateContiguous(goal, count);
    DurabilityTracker d = durability;
    for (int retry = 0; start < 0 && d != null && retry < ALLOCATION_RETRIES; retry++) {
      if (!d.commitForSpace()) {
        Thread.yield();
      }
      start = allocator.allocateContiguous(goal, count);
    }
    return start;
  }

  Pins pins() {
    return pins;
  }

  /**
   * Where a new file with no neighbours starts looking: low blocks first, which reuses committed
   * memory, or the block its thread freed last.
   */
  long allocationGoal() {
    return BlockAllocator.ANYWHERE;
  }

  /**
   * Installs the listener that hears of every change from now on, replacing any other; {@code null}
   * removes it, so that changes cost only the check that nobody listens.
   */
  public void setChangeListener(ChangeListener listener) {
    this.changeListener = listener;
  }

  /** The installed listener, or {@code null} while nobody listens. */
  public ChangeListener changeListener() {
    return changeListener;
  }

  private void announce(Directory dir, String name, ChangeListener.Change change) {
    ChangeListener listener = changeListener;
    if (listener != null) {
      listener.entryChanged(dir, name, change);
    }
  }

  private void announceRemoved(Directory dir) {
    ChangeListener listener = changeListener;
    if (listener != null) {
      listener.directoryRemoved(dir);
    }
  }

  /** Tries a taken tree lock this many times before a thread queues and parks. */
  private static final int TREE_LOCK_SPINS = 100;

  /**
   * Takes a tree lock, trying it a little while its holder finishes before queueing: namespace
   * operations hold it for well under a microsecond, less than a thread that parks costs itself,
   * and the thread that lets go (which must wake it), in system calls. A holder that lost its core
   * is waited for in the queue.
   *
   * <p>It tries rather than only looks, because two threads that find the lock free at the same
   * moment both go for it: the loser of a plain {@code lock} queues and parks at once, for the
   * holder's whole wake-up (this was most of the parks with two threads creating and deleting
   * files). A reader tries only while no thread is queued, since a reader's {@code tryLock} would
   * overtake a writer in the queue, which {@code lock} does not let it do.
   */
  private void acquire(Lock l) {
    boolean write = l == treeLock.writeLock();
    for (int i = 0; i < TREE_LOCK_SPINS; i++) {
      if (!treeLock.isWriteLocked()
          && (write ? treeLock.getReadLockCount() == 0 : !treeLock.hasQueuedThreads())
          && l.tryLock()) {
        return;
      }
      Thread.onSpinWait();
    }
    l.lock();
  }

  /** Shared lock for a compound read of the tree (e.g. a copy reading attributes then data). */
  public Lock readLock() {
    return treeLock.readLock();
  }

  // ---- resolution
  // --------------------------------------------------------------------------------

  /**
   * Where a path leads: the directory that holds its last name, that name, and the inode there
   * ({@code null} when no such entry). {@code parent} is {@code null} when the path names a
   * directory that cannot be unlinked by that name: the root, the start directory, {@code "."} or
   * {@code ".."}.
   */
  public record Entry(Directory parent, String name, Inode inode) {
    public boolean exists() {
      return inode != null;
    }
  }

  /**
   * Resolves {@code path} from {@code base} (relative paths) or the root (absolute ones), following
   * symbolic links on the way and, if {@code followLast}, at the end. Caller holds the tree lock.
   *
   * @throws NoSuchFileException if a directory on the way is missing
   * @throws FileSystemException "Not a directory" when a name on the way is a file, or {@value
   *     Errno#ELOOP} after {@value #MAX_SYMLINKS} links
   */
  public Entry lookup(Directory base, PathNames path, boolean followLast) throws IOException {
    Directory dir = path.isAbsolute() ? root : base;
    int count = path.nameCount();
    if (count == 0) {
      return new Entry(null, null, dir);
    }
    ArrayDeque<String> names = new ArrayDeque<>(count + 4);
    for (int i = 0; i < count; i++) {
      names.addLast(path.name(i));
    }
    int links = 0;
    while (true) {
      String name = names.removeFirst();
      boolean last = names.isEmpty();
      if (name.equals(".") || name.equals("..")) {
        if (name.length() == 2) {
          dir = dir.parent();
        }
        if (last) {
          return new Entry(null, name, dir);
        }
        continue;
      }
      checkName(
          path, name); // Linux refuses an over-long name in any lookup (ENAMETOOLONG), not only on
      // creation
      Inode child = dir.get(name);
      if (child instanceof SymbolicLink link && (!last || followLast)) {
        if (++links > MAX_SYMLINKS) {
          throw new FileSystemException(path.toString(), null, Errno.ELOOP);
        }
        if (expand(link.target(), names)) {
          dir = root;
        }
        if (names.isEmpty()) {
          return new Entry(null, null, dir); // the link pointed at "/"
        }
        continue;
      }
      if (last) {
        return new Entry(dir, name, child);
      }
      if (child == null) {
        throw new NoSuchFileException(path.toString());
      }
      if (!(child instanceof Directory d)) {
        throw new FileSystemException(path.toString(), null, Errno.ENOTDIR);
      }
      dir = d;
    }
  }

  /** Puts the names of a link target before the remaining names; returns whether it is absolute. */
  private static boolean expand(String target, ArrayDeque<String> names) {
    String[] parts = target.split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      if (!parts[i].isEmpty()) {
        names.addFirst(parts[i]);
      }
    }
    return target.startsWith("/");
  }

  /**
   * The inode a path names.
   *
   * @throws NoSuchFileException if there is none
   */
  public Inode resolve(Directory base, PathNames path, boolean follow) throws IOException {
    Lock l = treeLock.readLock();
    acquire(l);
    try {
      return existing(base, path, follow);
    } finally {
      l.unlock();
    }
  }

  private Inode existing(Directory base, PathNames path, boolean follow) throws IOException {
    Entry e = lookup(base, path, follow);
    if (e.inode == null) {
      throw new NoSuchFileException(path.toString());
    }
    return e.inode;
  }

  /**
   * The names from the root to what {@code path} names, with every link resolved; or, when not
   * {@code follow}, with none resolved, as {@link #unresolvedPath} tells.
   */
  public List<String> realPath(Directory base, PathNames path, boolean follow) throws IOException {
    Lock l = treeLock.readLock();
    acquire(l);
    try {
      if (!follow) {
        return unresolvedPath(base, path);
      }
      Entry e = lookup(base, path, follow);
      if (e.inode == null) {
        throw new NoSuchFileException(path.toString());
      }
      List<String> names = new ArrayList<>();
      Directory dir;
      if (e.parent == null) {
        dir = (Directory) e.inode;
      } else {
        names.add(e.name);
        dir = e.parent;
      }
      while (!dir.isRoot()) {
        Directory parent = dir.parent();
        names.add(parent.nameOf(dir));
        dir = parent;
      }
      Collections.reverse(names);
      return names;
    } finally {
      l.unlock();
    }
  }

  /**
   * {@code toRealPath(NOFOLLOW_LINKS)} as the JDK does it on Linux: no link is resolved, not even
   * one on the way; {@code "."} is dropped, and {@code ".."} drops the name before it unless that
   * name is a symbolic link; then what the result names must exist (its last name not followed).
   * Errors name the path built so far, as the JDK's do.
   */
  private List<String> unresolvedPath(Directory base, PathNames path) throws IOException {
    List<String> names = new ArrayList<>();
    if (!path.isAbsolute()) {
      for (Directory dir = base; !dir.isRoot(); dir = dir.parent()) {
        names.add(0, dir.parent().nameOf(dir));
      }
    }
    for (int i = 0; i < path.nameCount(); i++) {
      String name = path.name(i);
      if (name.equals(".")) {
        continue;
      }
      if (name.equals("..") && !(existing(root, absolute(names), false) instanceof SymbolicLink)) {
        if (!names.isEmpty()) {
          names.remove(names.size() - 1);
        }
        continue;
      }
      names.add(name);
    }
    existing(root, absolute(names), false);
    return names;
  }

  /** The absolute path of {@code names}, as of now. */
  private static PathNames absolute(List<String> names) {
    List<String> copy = List.copyOf(names);
    return new PathNames() {
      @Override
      public boolean isAbsolute() {
        return true;
      }

      @Override
      public int nameCount() {
        return copy.size();
      }

      @Override
      public String name(int index) {
        return copy.get(index);
      }

      @Override
      public String toString() {
        return "/" + String.join("/", copy);
      }
    };
  }

  // ---- creation
  // ----------------------------------------------------------------------------------

  /**
   * How {@link #open} treats a missing or existing file; {@code truncate} empties an existing one
   * ({@code O_TRUNC}).
   */
  public record OpenSpec(
      boolean create, boolean createNew, boolean followLinks, int permissions, boolean truncate) {
    /** An open that does not truncate. */
    public OpenSpec(boolean create, boolean createNew, boolean followLinks, int permissions) {
      this(create, createNew, followLinks, permissions, false);
    }
  }

  /**
   * Opens (and maybe creates) a regular file as {@code open(2)} does, and counts the open: the
   * caller must {@link RegularFile#release()} it.
   *
   * @throws NoSuchFileException missing and not created
   * @throws FileAlreadyExistsException exists and {@code createNew}
   * @throws FileSystemException "Is a directory"; "Too many levels of symbolic links ..." for a
   *     link when links are not followed
   */
  public RegularFile open(Directory base, PathNames path, OpenSpec spec) throws IOException {
    Opened opened = openOrCreate(base, path, spec, false);
    RegularFile f = (RegularFile) opened.inode;
    if (spec.truncate && !opened.created) {
      if (readOnly) {
        f.release();
        checkWritable();
      }
      // Outside the tree lock: truncation waits for writes in flight. Like O_TRUNC it counts as a
      // modification even of an empty file, but not of a file this open created.
      boolean shrunk;
      try {
        shrunk = f.truncate(0);
      } catch (IOException | RuntimeException e) {
        f.release();
        throw e;
      }
      if (!shrunk) { // a truncation that changed the file announced itself
        f.announceModified();
      }
    }
    return f;
  }

  /**
   * Opens what {@code path} names for reading only, as {@code open(2)} with {@code O_RDONLY} does:
   * a regular file is counted as by {@link #open(Directory, PathNames, OpenSpec)} (the caller must
   * {@link RegularFile#release()} it); a directory is returned as it is, since nothing about it
   * outlives a removal the way an open file's data does.
   *
   * @throws NoSuchFileException if it does not exist
   * @throws FileSystemException "Too many levels of symbolic links ..." for a link when links are
   *     not followed
   */
  public Inode openForReading(Directory base, PathNames path, boolean followLinks)
      throws IOException {
    return openOrCreate(base, path, new OpenSpec(false, false, followLinks, 0), true).inode;
  }

  /**
   * What an open found: a counted regular file (or, when allowed, a directory), and whether the
   * open created it.
   */
  private record Opened(Inode inode, boolean created) {}

  private Opened openOrCreate(
      Directory base, PathNames path, OpenSpec spec, boolean directoryAllowed) throws IOException {
    boolean mayCreate = spec.create || spec.createNew;
    Lock l = mayCreate ? treeLock.writeLock() : treeLock.readLock();
    acquire(l);
    try {
      // O_CREAT|O_EXCL never follows a final link; a plain O_CREAT creates a dangling link's
      // target.
      Entry e = lookup(base, path, spec.followLinks && !spec.createNew);
      Inode inode = e.inode;
      if (inode == null) {
        if (!mayCreate) {
          throw new NoSuchFileException(path.toString());
        }
        checkWritable();
        checkName(path, e.name);
        checkNotCut();
        RegularFile f = new RegularFile(this, nextId.getAndIncrement(), mode(spec.permissions));
        linkNew(e.parent, e.name, f);
        f.retain();
        return new Opened(f, true);
      }
      if (spec.createNew) {
        throw new FileAlreadyExistsException(path.toString());
      }
      if (inode instanceof Directory) {
        if (directoryAllowed) {
          return new Opened(inode, false);
        }
        throw new FileSystemException(path.toString(), null, Errno.EISDIR);
      }
      if (inode instanceof SymbolicLink) {
        throw new FileSystemException(path.toString(), null, Errno.ELOOP);
      }
      RegularFile f = (RegularFile) inode;
      f.retain();
      return new Opened(f, false);
    } finally {
      l.unlock();
    }
  }

  /**
   * Creates a directory.
   *
   * @throws FileAlreadyExistsException if the name exists (as anything, links not followed)
   */
  public Directory createDirectory(Directory base, PathNames path, int permissions)
      throws IOException {
    checkWritable();
    Lock l = treeLock.writeLock();
    acquire(l);
    try {
      Entry e = vacancy(base, path);
      Directory d = new Directory(this, nextId.getAndIncrement(), mode(permissions), e.parent);
      linkNew(e.parent, e.name, d);
      return d;
    } finally {
      l.unlock();
    }
  }

  /** Creates a symbolic link holding {@code target} as given. */
  public SymbolicLink createSymbolicLink(
      Directory base, PathNames link, String target, int permissions) throws IOException {
    checkWritable();
    Lock l = treeLock.writeLock();
    acquire(l);
    try {
      if (target.isEmpty()) {
        // symlink(2) refuses an empty target with ENOENT, before it looks at the link's name
        throw new NoSuchFileException(link.toString());
      }
      Entry e = vacancy(base, link);
      SymbolicLink s =
          new SymbolicLink(this, nextId.getAndIncrement(), permissions & 07777, target);
      linkNew(e.parent, e.name, s);
      return s;
    } finally {
      l.unlock();
    }
  }

  /**
   * Creates a hard link to an existing file; like {@code link(2)} it links a symbolic link itself.
   * Every error names the link, then the existing path, as the JDK reports {@code link(2)}'s.
   *
   * @throws NoSuchFileException if {@code existing} or the link's directory does not exist
   * @throws FileAlreadyExistsException if the link's name exists
   * @throws FileSystemException "Operation not permitted" for a directory
   */
  public void createLink(Directory base, PathNames link, Directory existingBase, PathNames existing)
      throws IOException {
    checkWritable();
    Lock l = treeLock.writeLock();
    acquire(l);
    try {
      Inode target;
      Entry e;
      try {
        target = existing(existingBase, existing, false);
        e = vacancy(base, link);
      } catch (FileSystemException x) {
        throw naming(
            x, link.toString(), existing.toString()); // the JDK names both paths for link(2)
      }
      if (target instanceof Directory) {
        throw new FileSystemException(link.toString(), existing.toString(), Errno.EPERM);
      }
      link(e.parent, e.name, target);
      target.touchChange();
    } finally {
      l.unlock();
    }
  }

  /**
   * The free entry where a new directory, symbolic link or hard link named {@code path} is to go, a
   * final symbolic link not followed. Caller holds the tree lock for writing.
   *
   * @throws FileAlreadyExistsException if the name exists (as anything), or is the root, {@code
   *     "."} or {@code ".."}
   * @throws FileSystemException {@value Errno#ENAMETOOLONG} for an over-long last name
   */
  private Entry vacancy(Directory base, PathNames path) throws IOException {
    Entry e = lookup(base, path, false);
    if (e.inode != null || e.parent == null) {
      throw new FileAlreadyExistsException(path.toString());
    }
    checkName(path, e.name);
    return e;
  }

  private int mode(int requested) {
    return requested & 07777 & ~umask;
  }

  private static void checkName(PathNames path, String name) throws FileSystemException {
    if (name.length() > MAX_NAME_BYTES / 3
        && name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw new FileSystemException(path.toString(), null, Errno.ENAMETOOLONG);
    }
  }

  /** Gives a new inode its first name, recorded with its creation as one operation. */
  private void linkNew(Directory parent, String name, Inode inode) throws IOException {
    MetadataJournal j = journal;
    if (j != null) {
      j.recordAll(
          List.of(creation(inode), new MetadataChange.Linked(parent.id(), name, inode.id())));
    }
    addName(parent, name, inode);
  }

  private void link(Directory parent, String name, Inode inode) throws IOException {
    MetadataJournal j = journal;
    if (j != null) {
      j.record(new MetadataChange.Linked(parent.id(), name, inode.id()));
    }
    addName(parent, name, inode);
  }

  private void addName(Directory parent, String name, Inode inode) {
    parent.put(name, inode);
    inode.addDentry(parent, name);
    if (inode instanceof Directory d) {
      d.setParent(parent);
      d.setLinkCount(2);
      parent.setLinkCount(parent.linkCount() + 1);
    } else {
      inode.setLinkCount(inode.linkCount() + 1);
    }
    parent.touchModified();
    announce(parent, name, ChangeListener.Change.CREATED);
  }

  /**
   * Removes a name; {@code announce} is false where a move onto the name replaces it (no event, as
   * rename(2)).
   */
  private RegularFile unlink(Directory parent, String name, Inode inode, boolean announce)
      throws IOException {
    MetadataJournal j = journal;
    if (j != null) {
      j.record(new MetadataChange.Unlinked(parent.id(), name, inode.id()));
    }
    return removeName(parent, name, inode, announce);
  }

  /**
   * Removes a name. Returns the regular file whose last link and last open are now gone, whose
   * blocks the caller frees ({@link RegularFile#freeAllBlocks()}) after letting go of the tree
   * lock; else {@code null}.
   */
  private RegularFile removeName(Directory parent, String name, Inode inode, boolean announce) {
    parent.remove(name);
    inode.removeDentry(parent, name);
    if (inode instanceof Directory) {
      inode.setLinkCount(0);
      parent.setLinkCount(parent.linkCount() - 1);
    } else {
      inode.setLinkCount(inode.linkCount() - 1);
      inode.touchChange();
    }
    parent.touchModified();
    if (announce) {
      announce(parent, name, ChangeListener.Change.DELETED);
    }
    if (inode instanceof Directory d) {
      announceRemoved(d);
    }
    if (inode instanceof RegularFile f && f.unlinked()) {
      return f;
    }
    return null;
  }

  // ---- removal and renaming
  // ------------------------------------------------------------------------

  /** What {@link #delete} may remove: anything, or only a non-directory, or only a directory. */
  public enum DeleteMode {
    ANY,
    NON_DIRECTORY,
    DIRECTORY
  }

  /**
   * Removes a name; a regular file's blocks are freed when its last link and last open are gone.
   *
   * @throws NoSuchFileException if there is no such entry
   * @throws DirectoryNotEmptyException for a directory with entries
   * @throws FileSystemException for the root ("Device or resource busy"), a path ending in {@code
   *     "."} ("Invalid argument"), or a kind {@code mode} excludes ("Is a directory", "Not a
   *     directory")
   */
  public void delete(Directory base, PathNames path, DeleteMode mode) throws IOException {
    checkWritable();
    RegularFile gone;
    Lock l = treeLock.writeLock();
    acquire(l);
    try {
      Entry e = lookup(base, path, false);
      Inode inode = e.inode;
      if (inode == null) {
        throw new NoSuchFileException(path.toString());
      }
      if (e.parent == null) {
        throw unremovable(path.toString(), null, e);
      }
      if (inode instanceof Directory d) {
        if (mode == DeleteMode.NON_DIRECTORY) {
          throw new FileSystemException(path.toString(), null, Errno.EISDIR);
        }
        if (!d.isEmpty()) {
          throw new DirectoryNotEmptyException(path.toString());
        }
      } else if (mode == DeleteMode.DIRECTORY) {
        throw new FileSystemException(path.toString(), null, Errno.ENOTDIR);
      }
      gone = unlink(e.parent, e.name, inode, true);
    } finally {
      l.unlock();
    }
    if (gone != null) {
      gone.freeAllBlocks();
    }
  }

  /** Whether {@code dir} is {@code ancestor} or lies below it. Caller holds the tree lock. */
  private static boolean isWithin(Directory dir, Directory ancestor) {
    for (Directory d = dir; ; d = d.parent()) {
      if (d == ancestor) {
        return true;
      }
      if (d.isRoot()) {
        return false;
      }
    }
  }

  private static FileSystemException unremovable(String file, String other, Entry e) {
    if (e.name == null) {
      return new FileSystemException(file, other, Errno.EBUSY);
    }
    if (e.name.equals("..")) {
      return new DirectoryNotEmptyException(file);
    }
    return new FileSystemException(file, other, Errno.EINVAL);
  }

  /**
   * Renames {@code source} to {@code target} atomically, as {@code Files.move} does on Linux: with
   * {@code strictTypes} it is {@code rename(2)} alone ({@code ATOMIC_MOVE}); without, the JDK first
   * checks that an existing target may be replaced and removed, then renames (here with no
   * intermediate state). Errors of {@code rename(2)} itself name both paths, as the JDK reports
   * them.
   *
   * @param replace whether an existing target may be replaced (a directory only when empty)
   * @param strictTypes {@code rename(2)}'s own rules, as {@code ATOMIC_MOVE} sees them: a file
   *     cannot replace a directory nor a directory a file, and the target is replaced when present
   * @throws NoSuchFileException if the source does not exist
   * @throws FileAlreadyExistsException if the target exists and may not be replaced
   * @throws DirectoryNotEmptyException if the target is a directory with entries, without {@code
   *     strictTypes} (with it, {@code rename(2)}'s ENOTEMPTY: a FileSystemException "Directory not
   *     empty")
   * @throws FileSystemException "Invalid argument" for a directory moved into itself; "Device or
   *     resource busy" when either path names the root, {@code "."} or {@code ".."}
   */
  public void rename(
      Directory sourceBase,
      PathNames source,
      Directory targetBase,
      PathNames target,
      boolean replace,
      boolean strictTypes)
      throws IOException {
    checkWritable();
    String from = source.toString();
    String to = target.toString();
    RegularFile gone = null;
    Lock l = treeLock.writeLock();
    acquire(l);
    try {
      Entry s;
      try {
        s = lookup(sourceBase, source, false);
      } catch (FileSystemException e) {
        // without ATOMIC_MOVE the JDK reads the source's attributes first: an error names it alone
        throw strictTypes ? naming(e, from, to) : e;
      }
      if (s.inode == null && !strictTypes) {
        throw new NoSuchFileException(from);
      }
      Entry t;
      try {
        t = lookup(targetBase, target, false);
      } catch (FileSystemException e) {
        throw naming(e, from, to); // the JDK ignores this lookup's failure and rename(2) reports it
      }
      if (strictTypes) {
        // rename(2)'s order: "/", "." or ".." as either last name (EBUSY), then a missing source
        if (s.parent == null || t.parent == null) {
          throw new FileSystemException(from, to, Errno.EBUSY);
        }
        if (s.inode == null) {
          throw new NoSuchFileException(from, to, null);
        }
      }
      if (t.inode == s.inode) {
        return; // the same file: rename(2) does nothing
      }
      if (t.inode != null && !strictTypes) {
        // the checks the JDK makes, and the errors of the rmdir/unlink it then does, before
        // renaming
        if (!replace) {
          throw new FileAlreadyExistsException(to);
        }
        if (t.parent == null) {
          throw unremovable(to, null, t);
        }
        if (t.inode instanceof Directory td && !td.isEmpty()) {
          throw new DirectoryNotEmptyException(to);
        }
      }
      if (s.parent == null || t.parent == null) {
        throw new FileSystemException(from, to, Errno.EBUSY); // rename(2)'s own check
      }
      if (s.inode instanceof Directory moved && isWithin(t.parent, moved)) {
        throw new FileSystemException(from, to, Errno.EINVAL);
      }
      if (strictTypes && t.inode instanceof Directory replaced && isWithin(s.parent, replaced)) {
        // rename(2) checks this before the kinds: a target that holds the source is ENOTEMPTY
        throw new FileSystemException(from, to, Errno.ENOTEMPTY);
      }
      try {
        checkName(target, t.name);
      } catch (FileSystemException e) {
        throw naming(e, from, to);
      }
      if (t.inode != null) {
        if (strictTypes) {
          if (t.inode instanceof Directory && !(s.inode instanceof Directory)) {
            throw new FileSystemException(from, to, Errno.EISDIR);
          }
          if (!(t.inode instanceof Directory) && s.inode instanceof Directory) {
            throw new FileSystemException(from, to, Errno.ENOTDIR);
          }
          if (t.inode instanceof Directory td && !td.isEmpty()) {
            throw new FileSystemException(from, to, Errno.ENOTEMPTY); // not mapped by the JDK
          }
        }
      }
      MetadataJournal j = journal;
      if (j != null) {
        MetadataChange.Renamed renamed =
            new MetadataChange.Renamed(s.parent.id(), s.name, t.parent.id(), t.name, s.inode.id());
        // rename(2) replaces the target in the same operation: it is never half done
        j.recordAll(
            t.inode == null
                ? List.of(renamed)
                : List.of(
                    new MetadataChange.Unlinked(t.parent.id(), t.name, t.inode.id()), renamed));
      }
      if (t.inode != null) {
        // without ATOMIC_MOVE the JDK removes the target first, and a watcher sees it go
        gone = removeName(t.parent, t.name, t.inode, !strictTypes);
      }
      s.parent.remove(s.name);
      t.parent.put(t.name, s.inode);
      s.inode.removeDentry(s.parent, s.name);
      s.inode.addDentry(t.parent, t.name);
      if (s.inode instanceof Directory d) {
        s.parent.setLinkCount(s.parent.linkCount() - 1);
        t.parent.setLinkCount(t.parent.linkCount() + 1);
        d.setParent(t.parent);
      }
      s.parent.touchModified();
      t.parent.touchModified();
      s.inode.touchChange();
      announce(s.parent, s.name, ChangeListener.Change.DELETED);
      announce(t.parent, t.name, ChangeListener.Change.CREATED);
    } finally {
      l.unlock();
    }
    if (gone != null) {
      gone.freeAllBlocks();
    }
  }

  /**
   * {@code e} again, naming both paths as the JDK does for a call on two paths ({@code rename(2)},
   * {@code link(2)}); an exception of another kind is returned as it is.
   */
  private static FileSystemException naming(FileSystemException e, String file, String other) {
    if (e instanceof NoSuchFileException) {
      return new NoSuchFileException(file, other, e.getReason());
    }
    if (e instanceof FileAlreadyExistsException) {
      return new FileAlreadyExistsException(file, other, e.getReason());
    }
    if (e.getClass() == FileSystemException.class) {
      return new FileSystemException(file, other, e.getReason());
    }
    return e;
  }

  // ---- reading the tree
  // --------------------------------------------------------------------------

  /**
   * The target of a symbolic link, as it was given.
   *
   * @throws NotLinkException if the path is not a symbolic link
   */
  public String readSymbolicLink(Directory base, PathNames path) throws IOException {
    Inode inode = resolve(base, path, false);
    if (inode instanceof SymbolicLink s) {
      return s.target();
    }
    throw new NotLinkException(path.toString());
  }

  /**
   * The directory a path names (links followed).
   *
   * @throws NotDirectoryException if it is not a directory
   */
  public Directory directory(Directory base, PathNames path) throws IOException {
    Inode inode = resolve(base, path, true);
    if (inode instanceof Directory d) {
      return d;
    }
    throw new NotDirectoryException(path.toString());
  }

  /** The names in a directory now, sorted. */
  public List<String> list(Directory dir) {
    Lock l = treeLock.readLock();
    acquire(l);
    try {
      return dir.names();
    } finally {
      l.unlock();
    }
  }

  /**
   * The durability point of {@code dir}'s entries, as {@code fsync(2)} on a directory is on Linux:
   * once it returns, the creations, removals and renames of names in {@code dir} made before it
   * would survive a power failure.
   */
  public void syncDirectory(Directory dir) {
    MetadataJournal j = journal;
    if (j != null) {
      j.directorySynced(dir.id());
    }
  }

  /**
   * The durability point of a file, as {@code fsync(2)} ({@code withTimes}) or {@code
   * fdatasync(2)}: its size and blocks, and with times all its attributes, survive a power failure
   * once it returns. Its names are its directories' to make durable.
   */
  public void syncFile(Inode inode, boolean withTimes) throws IOException {
    MetadataJournal j = journal;
    if (j != null) {
      if (withTimes) {
        j.record(inode.attributes());
      }
      j.fileSynced(inode.id(), withTimes);
    }
  }

  /** The durability point of the whole filesystem, as {@code syncfs(2)}. */
  public void syncAll() {
    MetadataJournal j = journal;
    if (j != null) {
      j.allSynced();
    }
  }

  // ---- power failure
  // -----------------------------------------------------------------------------

  /**
   * Cuts the power: from this instant nothing more this volume does becomes durable, every
   * operation on its files fails (those under way end first, keeping of an in-place write only what
   * it stored before this instant; see {@link RegularFile#cut}), and no file is made. The device,
   * its data and its media errors are unaffected. Then {@link #restart} gives the volume a restart
   * finds; this one needs no close. Idempotent.
   *
   * @throws IllegalStateException if the volume does not track durability: no power-fail model is
   *     configured
   */
  public void cutPower() {
    tracking().freeze();
    fence();
  }

  /**
   * The volume a restart finds on this volume's device after {@link #cutPower}: what was made
   * durable and, of the rest, the outcome {@code seed} picks among those the power-fail model
   * allows (the same seed, the same outcome). Close it as usual.
   *
   * @throws IllegalStateException if the power was not cut
   * @throws IOException if the outcome cannot be mounted; this volume and its device are then
   *     closed
   */
  public Volume restart(long seed) throws IOException {
    DurabilityTracker d = tracking();
    if (!isCut()) {
      throw new IllegalStateException("the power was not cut");
    }
    List<Pins.Pin> mapped = pins.live();
    Volume next;
    try {
      next = mountAfterCut(d.outcome(seed), mapped);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
    if (closed.compareAndSet(false, true)) {
      CoarseClock.release(); // the device is the next volume's now
    }
    return next;
  }

  private boolean isCut() {
    Lock l = treeLock.readLock();
    acquire(l);
    try {
      return cut;
    } finally {
      l.unlock();
    }
  }

  /**
   * The durability tracker.
   *
   * @throws IllegalStateException if there is none
   */
  DurabilityTracker tracking() {
    DurabilityTracker d = durability;
    if (d == null) {
      throw new IllegalStateException(
          "this filesystem does not track durability, so its power cannot be cut: configure a "
              + "power-fail model (DaxConfiguration.Builder.powerFailModel, environment key "
              + "\""
              + DaxConfiguration.POWER_FAIL_MODEL
              + "\")");
    }
    return d;
  }

  /**
   * Checks that this volume tracks durability, so that its power can be cut.
   *
   * @throws IllegalStateException if it does not
   */
  public void checkTracksDurability() {
    tracking();
  }

  /** Ends every file operation of this volume, at the instant of a power cut. */
  private void fence() {
    Lock l = treeLock.writeLock();
    acquire(l);
    try {
      cut = true;
      ArrayDeque<Directory> todo = new ArrayDeque<>();
      todo.add(root);
      while (!todo.isEmpty()) {
        Directory dir = todo.removeFirst();
        for (String name : dir.names()) {
          Inode child = dir.get(name);
          if (child instanceof RegularFile f) {
            f.cut(); // a file with several names is cut again: nothing is under way then
          } else if (child instanceof Directory sub) {
            todo.addLast(sub);
          }
        }
      }
    } finally {
      l.unlock();
    }
  }

  private void checkNotCut() {
    if (cut) {
      throw new ClosedFileSystemException();
    }
  }

  /**
   * Mounts {@code after}, the metadata a restart finds after the cut, on this volume's device: the
   * one place where a post-cut state becomes a volume. First the recovery a mount makes after a
   * crash ({@link PowerCutRecovery}); then the blocks that a mapping of this volume can still reach
   * are taken out of the new volume's hands (files on them get copies), and stay so until the
   * mapping is gone, so that a store through it never lands in the restarted filesystem.
   */
  private Volume mountAfterCut(VolumeState after, List<Pins.Pin> mapped) throws IOException {
    PowerCutRecovery recovery = new PowerCutRecovery(device, blockSize);
    recovery.freeBeyondSizes(after);
    RangeSet<Long> pinned = PowerCutRecovery.union(mapped);
    recovery.moveOff(after, pinned);
    CoarseClock.acquire();
    Volume next;
    try {
      next = new Volume(device, config, after);
    } catch (RuntimeException e) {
      CoarseClock.release();
      throw e;
    }
    pins.handOver(next.adopt(mapped, pinned));
    return next;
  }

  /** Pins here, for mappings of the volume that lost power, blocks no file of this one holds. */
  private Map<Pins.Pin, Pins.Pin> adopt(List<Pins.Pin> mapped, RangeSet<Long> pinned) {
    for (Range<Long> r : pinned.asRanges()) {
      long start = r.lowerEndpoint();
      if (!allocator.reserve(start, r.upperEndpoint() - start)) {
        throw new IllegalStateException(
            "daxfs bug: mapped blocks " + r + " are in use after a cut");
      }
    }
    Map<Pins.Pin, Pins.Pin> twins = new HashMap<>();
    for (Pins.Pin p : mapped) {
      twins.put(p, pins.adopt(p.start, p.count));
    }
    return twins;
  }

  /** The regular files in a directory now, by name. */
  public java.util.Map<String, RegularFile> regularFiles(Directory dir) {
    Lock l = treeLock.readLock();
    acquire(l);
    try {
      return dir.regularFiles();
    } finally {
      l.unlock();
    }
  }

  /** Frees the device's memory. Idempotent. */
  @Override
  public void close() throws IOException {
    if (closed.compareAndSet(false, true)) {
      CoarseClock.release();
      device.close();
    }
  }
}
