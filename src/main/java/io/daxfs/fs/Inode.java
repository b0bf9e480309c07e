package io.daxfs.fs;

import java.io.IOException;

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

  /**
   * The names that lead here, as Linux's dentries: where a change to this inode is announced.
   * Replaced whole under the tree lock, so announcements read it without one.
   */
  private volatile Dentry[] dentries = NO_DENTRIES;

  /** One name of an inode: the directory that holds it and the name there. */
  record Dentry(Directory parent, String name) {}

  private static final Dentry[] NO_DENTRIES = new Dentry[0];

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

  /**
   * Sets the permission bits.
   *
   * @throws IOException if the change cannot be recorded (an image whose host failed); nothing
   *     changed
   */
  public final void setPermissions(int bits) throws IOException {
    volume.checkWritable();
    int before = permissions;
    int set = bits & 07777;
    permissions = set;
    keepSetAttributes(
        () -> {
          if (permissions == set) { // unless another thread has set them since
            permissions = before;
          }
        });
  }

  /**
   * Records the attributes a setter just set, with the change time, which moves now. When the
   * journal cannot keep them, {@code putBack} undoes the setting, the change time goes back, and
   * the cause is thrown: the setter failed with nothing changed.
   */
  private void keepSetAttributes(Runnable putBack) throws IOException {
    long changeBefore = changeTime;
    touchChange();
    long changed = changeTime;
    try {
      volume.attributesChanged(this);
    } catch (IOException e) {
      putBack.run();
      if (changeTime == changed) { // unless another change moved it since (one in the same tick
        changeTime = changeBefore; // cannot be told apart, as with the setters' own fields)
      }
      throw e;
    }
    announceModified();
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

  /** Sets the owner; throws as {@link #setPermissions}. */
  public final void setOwner(String name) throws IOException {
    volume.checkWritable();
    String before = owner;
    owner = name;
    keepSetAttributes(
        () -> {
          if (owner == name) { // unless another thread has set it since
            owner = before;
          }
        });
  }

  public final String group() {
    return group;
  }

  /** Sets the group; throws as {@link #setPermissions}. */
  public final void setGroup(String name) throws IOException {
    volume.checkWritable();
    String before = group;
    group = name;
    keepSetAttributes(
        () -> {
          if (group == name) { // unless another thread has set it since
            group = before;
          }
        });
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
   * and {@code BasicFileAttributeView.setTimes} do; the change time becomes now. Throws as {@link
   * #setPermissions}.
   */
  public final void setTimes(Long modified, Long access, Long creation) throws IOException {
    volume.checkWritable();
    long modifiedBefore = lastModifiedTime;
    long accessBefore = lastAccessTime;
    long creationBefore = creationTime;
    if (modified != null) {
      lastModifiedTime = modified;
    }
    if (access != null) {
      lastAccessTime = access;
    }
    if (creation != null) {
      creationTime = creation;
    }
    keepSetAttributes(
        () -> {
          // each time back unless another thread (a write, a read) has moved it since
          if (modified != null && lastModifiedTime == modified) {
            lastModifiedTime = modifiedBefore;
          }
          if (access != null && lastAccessTime == access) {
            lastAccessTime = accessBefore;
          }
          if (creation != null && creationTime == creation) {
            creationTime = creationBefore;
          }
        });
  }

  /** The attributes now, as a journal records them. */
  final MetadataChange.AttributesSet attributes() {
    return new MetadataChange.AttributesSet(
        id, permissions, owner, group, lastModifiedTime, lastAccessTime, creationTime, changeTime);
  }

  /** Sets every attribute as a mount found it; before the inode is reachable. */
  final void restoreAttributes(
      int permissions,
      String owner,
      String group,
      long lastModifiedTime,
      long lastAccessTime,
      long creationTime,
      long changeTime) {
    this.permissions = permissions & 07777;
    this.owner = owner;
    this.group = group;
    this.lastModifiedTime = lastModifiedTime;
    this.lastAccessTime = lastAccessTime;
    this.creationTime = creationTime;
    this.changeTime = changeTime;
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
    if (lastAccessTime <= lastModifiedTime && !volume.isReadOnly()) { // ro: as Linux, none
      long now = volume.now();
      if (now != lastAccessTime) { // within one tick, concurrent readers must not all store
        lastAccessTime = now;
      }
    }
  }

  /**
   * Tells the volume's change listener, if there is one, that this inode's content or attributes
   * changed: once under each of its names (each hard link), as no name is known to be the one the
   * change was made through. Costs one volatile read while nobody listens.
   */
  public final void announceModified() {
    ChangeListener listener = volume.changeListener();
    if (listener != null) {
      for (Dentry d : dentries) {
        listener.entryChanged(d.parent(), d.name(), ChangeListener.Change.MODIFIED);
      }
    }
  }

  /** The names of this inode now. */
  final Dentry[] dentries() {
    return dentries;
  }

  /** Records a new name; caller holds the tree lock. */
  final void addDentry(Directory parent, String name) {
    Dentry[] old = dentries;
    Dentry[] now = java.util.Arrays.copyOf(old, old.length + 1);
    now[old.length] = new Dentry(parent, name);
    dentries = now;
  }

  /** Forgets a name; caller holds the tree lock. */
  final void removeDentry(Directory parent, String name) {
    Dentry[] old = dentries;
    for (int i = 0; i < old.length; i++) {
      if (old[i].parent() == parent && old[i].name().equals(name)) {
        Dentry[] now = new Dentry[old.length - 1];
        System.arraycopy(old, 0, now, 0, i);
        System.arraycopy(old, i + 1, now, i, now.length - i);
        dentries = now;
        return;
      }
    }
  }

  /**
   * Hard links to this inode (a directory counts its own {@code "."} and its subdirectories' {@code
   * ".."}).
   */
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
