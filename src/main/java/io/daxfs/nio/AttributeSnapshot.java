package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import io.daxfs.fs.Inode;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A file's attributes as {@code stat} would give them at one moment: those of the {@code basic},
 * {@code posix} and {@code unix} views. Immutable: later changes to the file do not show here.
 */
final class AttributeSnapshot implements PosixFileAttributes {
  private static final PosixFilePermission[] PERMISSIONS = PosixFilePermission.values();

  private final Inode.Kind kind;
  private final long size;
  private final int mode;
  private final String owner;
  private final String group;
  private final int links;
  private final DaxFileKey key;
  private final FileTime creationTime;
  private final FileTime lastModifiedTime;
  private final FileTime lastAccessTime;
  private final FileTime changeTime;

  private AttributeSnapshot(Inode inode) {
    this.kind = inode.kind();
    this.size = inode.size();
    this.mode = inode.mode();
    this.owner = inode.owner();
    this.group = inode.group();
    this.links = inode.linkCount();
    this.key = fileKey(inode);
    this.creationTime = time(inode.creationTime());
    this.lastModifiedTime = time(inode.lastModifiedTime());
    this.lastAccessTime = time(inode.lastAccessTime());
    this.changeTime = time(inode.changeTime());
  }

  /** Takes a snapshot of {@code inode}'s attributes now. */
  static AttributeSnapshot of(Inode inode) {
    return new AttributeSnapshot(inode);
  }

  static DaxFileKey fileKey(Inode inode) {
    return new DaxFileKey(DaxFileKey.deviceOf(inode.volume()), inode.id());
  }

  static FileTime time(long nanos) {
    return FileTime.from(nanos, TimeUnit.NANOSECONDS);
  }

  /** Nanoseconds since the epoch, saturating for times outside about 1677-2262; null for null. */
  static Long nanos(FileTime time) {
    return time == null ? null : time.to(TimeUnit.NANOSECONDS);
  }

  /**
   * The permission bits (within 0777) of a set of permissions; reads the set once, so later changes
   * to it have no effect.
   *
   * @throws NullPointerException if the set or an element is null
   * @throws ClassCastException if an element is not a {@link PosixFilePermission}
   */
  static int bits(Set<?> permissions) {
    int bits = 0;
    for (Object o : requireNonNull(permissions, "permissions")) {
      if (o == null) {
        throw new NullPointerException("null permission");
      }
      // The enum lists the nine bits from the most significant (OWNER_READ, 0400) down.
      bits |= 0400 >>> ((PosixFilePermission) o).ordinal();
    }
    return bits;
  }

  /** A new, modifiable set holding the permissions among {@code bits}. */
  static Set<PosixFilePermission> permissions(int bits) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    for (PosixFilePermission p : PERMISSIONS) {
      if ((bits & (0400 >>> p.ordinal())) != 0) {
        set.add(p);
      }
    }
    return set;
  }

  /**
   * The attribute called {@code name} in the {@code basic}, {@code posix} or {@code unix} view.
   *
   * @throws IllegalArgumentException if there is none
   */
  Object get(String name) {
    return switch (name) {
      case "lastModifiedTime" -> lastModifiedTime;
      case "lastAccessTime" -> lastAccessTime;
      case "creationTime" -> creationTime;
      case "size" -> size;
      case "isRegularFile" -> isRegularFile();
      case "isDirectory" -> isDirectory();
      case "isSymbolicLink" -> isSymbolicLink();
      case "isOther" -> isOther();
      case "fileKey" -> key;
      case "permissions" -> permissions();
      case "owner" -> owner();
      case "group" -> group();
      case "mode" -> mode;
      case "ino" -> key.ino();
      case "dev" -> key.dev();
      case "rdev" -> rdev();
      case "nlink" -> links;
      case "uid" -> uid();
      case "gid" -> gid();
      case "ctime" -> changeTime;
      default -> throw new IllegalArgumentException("'" + name + "' not recognized");
    };
  }

  @Override
  public FileTime lastModifiedTime() {
    return lastModifiedTime;
  }

  @Override
  public FileTime lastAccessTime() {
    return lastAccessTime;
  }

  @Override
  public FileTime creationTime() {
    return creationTime;
  }

  @Override
  public boolean isRegularFile() {
    return kind == Inode.Kind.REGULAR_FILE;
  }

  @Override
  public boolean isDirectory() {
    return kind == Inode.Kind.DIRECTORY;
  }

  @Override
  public boolean isSymbolicLink() {
    return kind == Inode.Kind.SYMBOLIC_LINK;
  }

  /** Always false: daxfs has no devices, pipes or sockets. */
  @Override
  public boolean isOther() {
    return false;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public DaxFileKey fileKey() {
    return key;
  }

  @Override
  public DaxPrincipals.User owner() {
    return new DaxPrincipals.User(owner);
  }

  @Override
  public DaxPrincipals.Group group() {
    return new DaxPrincipals.Group(group);
  }

  /** A new, modifiable set each call (as the default provider gives). */
  @Override
  public Set<PosixFilePermission> permissions() {
    return permissions(mode);
  }

  /**
   * {@code st_mode}: the file type bits and the permission bits including setuid, setgid, sticky.
   */
  int mode() {
    return mode;
  }

  long ino() {
    return key.ino();
  }

  long dev() {
    return key.dev();
  }

  /** Always 0: daxfs has no device files. */
  long rdev() {
    return 0L;
  }

  int nlink() {
    return links;
  }

  /** The owner's number, as {@link DaxPrincipals} derives it from the name. */
  int uid() {
    return DaxPrincipals.uid(owner);
  }

  /** The group's number, as {@link DaxPrincipals} derives it from the name. */
  int gid() {
    return DaxPrincipals.gid(group);
  }

  /** Time of the last change of data or attributes. */
  FileTime ctime() {
    return changeTime;
  }

  @Override
  public String toString() {
    return String.format(
        "%s %06o %s:%s nlink=%d size=%d mtime=%s key=%s",
        kind, mode, owner, group, links, size, lastModifiedTime, key);
  }
}
