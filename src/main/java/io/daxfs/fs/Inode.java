package io.daxfs.fs;

/**
 * A file of any kind: identity, link count, permissions, owner and times. Attribute fields are
 * volatile so that readers need no lock; the link count changes only under the volume's tree lock.
 */
public abstract class Inode {
  /** File kinds, as the mode's type bits tell them. */
  public enum Kind {
    REGULAR_FILE,
    DIRECTORY,
    SYMBOLIC_LINK
  }

  private final Volume volume;
  private final long id;
  private volatile int permissions;
  private volatile String owner;
  private volatile String group;
  private volatile long creationTime;
  private volatile long lastModifiedTime;
  private volatile long lastAccessTime;
  private volatile long changeTime;
  private volatile int links;

  Inode(Volume volume, long id, int permissions) {
    this.volume = volume;
    this.id = id;
    this.permissions = permissions;
    this.owner = volume.defaultOwner();
    this.group = volume.defaultGroup();
    long now = volume.now();
    this.creationTime = now;
    this.lastModifiedTime = now;
    this.lastAccessTime = now;
    this.changeTime = now;
  }

  public abstract Kind kind();

  /** Size in bytes as {@code stat} reports it. */
  public abstract long size();

  public final Volume volume() {
    return volume;
  }

  /** The inode number, unique within its volume for the volume's lifetime. */
  public final long id() {
    return id;
  }

  public final boolean isDirectory() {
    return kind() == Kind.DIRECTORY;
  }

  public final boolean isRegularFile() {
    return kind() == Kind.REGULAR_FILE;
  }

  public final boolean isSymbolicLink() {
    return kind() == Kind.SYMBOLIC_LINK;
  }

  /** Permission bits (octal 07777: rwx for user, group, others, and setuid/setgid/sticky). */
  public final int permissions() {
    return permissions;
  }

  public final void setPermissions(int bits) {
    this.permissions = bits & 07777;
    touchChange();
  }

  /** The mode as {@code stat} gives it: type bits and permission bits. */
  public final int mode() {
    int type =
        switch (kind()) {
          case REGULAR_FILE -> 0100000;
          case DIRECTORY -> 0040000;
          case SYMBOLIC_LINK -> 0120000;
        };
    return type | permissions;
  }

  public final String owner() {
    return owner;
  }

  public final void setOwner(String name) {
    this.owner = name;
    touchChange();
  }

  public final String group() {
    return group;
  }

  public final void setGroup(String name) {
    this.group = name;
    touchChange();
  }

  /** Times are nanoseconds since the epoch. */
  public final long creationTime() {
    return creationTime;
  }

  public final long lastModifiedTime() {
    return lastModifiedTime;
  }

  public final long lastAccessTime() {
    return lastAccessTime;
  }

  /** Time of the last change of data or attributes ({@code ctime}). */
  public final long changeTime() {
    return changeTime;
  }

  /**
   * Sets the times that are not {@code null} (nanoseconds since the epoch), as {@code utimensat}
   * and {@code BasicFileAttributeView.setTimes} do; the change time becomes now.
   */
  public final void setTimes(Long modified, Long access, Long creation) {
    if (modified != null) {
      lastModifiedTime = modified;
    }
    if (access != null) {
      lastAccessTime = access;
    }
    if (creation != null) {
      creationTime = creation;
    }
    touchChange();
  }

  final void touchModified() {
    long now = volume.now();
    if (lastModifiedTime != now || changeTime != now) { // most writes land within the same tick
      lastModifiedTime = now;
      changeTime = now;
    }
  }

  final void touchChange() {
    changeTime = volume.now();
  }

  /**
   * Marks an access under {@code relatime} rules: only when the access time is not already later
   * than the last modification, so that reads do not write metadata each time.
   */
  final void touchAccess() {
    if (lastAccessTime <= lastModifiedTime) {
      long now = volume.now();
      if (now != lastAccessTime) { // within one tick, concurrent readers must not all store
        lastAccessTime = now;
      }
    }
  }

  /** Hard links to this inode (a directory counts its own {@code "."} and its subdirectories' {@code ".."}). */
  public final int linkCount() {
    return links;
  }

  final void setLinkCount(int n) {
    links = n;
  }

  @Override
  public String toString() {
    return kind() + "#" + id;
  }
}
