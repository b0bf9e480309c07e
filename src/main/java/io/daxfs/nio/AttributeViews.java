package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import io.daxfs.fs.Errno;
import io.daxfs.fs.Inode;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/**
 * The attribute views. Each holds only its {@link InodeSource} and resolves the file at every call,
 * so views are thread-safe and a view of a missing file fails when used, not when made. Arguments
 * are checked before the file is resolved, so a bad argument is reported even for a missing file,
 * as by the default provider.
 */
final class AttributeViews {
  private AttributeViews() {}

  /** A view that {@code Files.setAttribute} can reach by name. */
  interface Dynamic {
    String name();

    /**
     * Sets the attribute called {@code attribute} in this view.
     *
     * @throws IllegalArgumentException if the view has no such settable attribute
     * @throws ClassCastException if {@code value} is not of the attribute's type
     */
    void setAttribute(String attribute, Object value) throws IOException;
  }

  /** The {@code basic} view. */
  static class Basic implements BasicFileAttributeView, Dynamic {
    final InodeSource source;

    Basic(InodeSource source) {
      this.source = requireNonNull(source, "source");
    }

    @Override
    public String name() {
      return "basic";
    }

    /** A snapshot of the file's attributes now. */
    @Override
    public AttributeSnapshot readAttributes() throws IOException {
      return AttributeSnapshot.of(source.inode());
    }

    /**
     * Sets the times that are not null; with all three null, does nothing and does not even resolve
     * the file (as the default provider). Times beyond the years 1677-2262 are clamped.
     */
    @Override
    public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime)
        throws IOException {
      if (lastModifiedTime == null && lastAccessTime == null && createTime == null) {
        return;
      }
      source
          .inode()
          .setTimes(
              AttributeSnapshot.nanos(lastModifiedTime),
              AttributeSnapshot.nanos(lastAccessTime),
              AttributeSnapshot.nanos(createTime));
    }

    @Override
    public void setAttribute(String attribute, Object value) throws IOException {
      switch (attribute) {
        case "lastModifiedTime" -> setTimes((FileTime) value, null, null);
        case "lastAccessTime" -> setTimes(null, (FileTime) value, null);
        case "creationTime" -> setTimes(null, null, (FileTime) value);
        default -> throw notRecognized(this, attribute);
      }
    }

    @Override
    public String toString() {
      return name() + " view";
    }
  }

  /** The {@code posix} view. */
  static class Posix extends Basic implements PosixFileAttributeView {
    Posix(InodeSource source) {
      super(source);
    }

    @Override
    public String name() {
      return "posix";
    }

    @Override
    public UserPrincipal getOwner() throws IOException {
      return new DaxPrincipals.User(source.inode().owner());
    }

    /**
     * @throws NullPointerException if {@code owner} is null
     * @throws java.nio.file.ProviderMismatchException if it is not from daxfs's lookup service
     * @throws IOException if it is a group, or the file cannot be resolved
     */
    @Override
    public void setOwner(UserPrincipal owner) throws IOException {
      String name = DaxPrincipals.ownerName(owner);
      source.inode().setOwner(name);
    }

    /**
     * @throws NullPointerException if {@code group} is null
     * @throws java.nio.file.ProviderMismatchException if it is not from daxfs's lookup service
     */
    @Override
    public void setGroup(GroupPrincipal group) throws IOException {
      String name = DaxPrincipals.groupName(group);
      source.inode().setGroup(name);
    }

    /**
     * Sets the nine permission bits and, as {@code chmod} with the mode they make, clears setuid,
     * setgid and sticky. The set is read once, before the file is resolved.
     *
     * @throws NullPointerException if the set or an element is null
     * @throws FileSystemException for a symbolic link itself (Linux cannot change a link's mode)
     */
    @Override
    public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
      setMode(AttributeSnapshot.bits(perms));
    }

    final void setMode(int bits) throws IOException {
      Inode inode = source.inode();
      if (inode.isSymbolicLink()) {
        // What the JDK reports on Linux, where it opens the file with O_NOFOLLOW to change it.
        throw new FileSystemException(source.path(), null, Errno.ELOOP);
      }
      inode.setPermissions(bits & 07777);
    }

    @Override
    public void setAttribute(String attribute, Object value) throws IOException {
      switch (attribute) {
        case "permissions" -> setMode(AttributeSnapshot.bits((Set<?>) value));
        case "owner" -> setOwner((UserPrincipal) value);
        case "group" -> setGroup((GroupPrincipal) value);
        default -> super.setAttribute(attribute, value);
      }
    }
  }

  /**
   * The {@code unix} view, which has no public interface: reached by name through {@code
   * Files.getAttribute} and {@code Files.setAttribute}.
   */
  static final class Unix extends Posix {
    Unix(InodeSource source) {
      super(source);
    }

    @Override
    public String name() {
      return "unix";
    }

    /**
     * Sets the owner and group by number ({@link DaxPrincipals#UNCHANGED} keeps one), as {@code
     * chown}.
     */
    void setIds(int uid, int gid) throws IOException {
      Inode inode = source.inode();
      if (uid != DaxPrincipals.UNCHANGED) {
        inode.setOwner(DaxPrincipals.userName(uid));
      }
      if (gid != DaxPrincipals.UNCHANGED) {
        inode.setGroup(DaxPrincipals.groupName(gid));
      }
    }

    /**
     * Adds {@code mode} (an {@code Integer}: its bits 07777 are kept), {@code uid} and {@code gid}.
     */
    @Override
    public void setAttribute(String attribute, Object value) throws IOException {
      switch (attribute) {
        case "mode" -> setMode((Integer) value);
        case "uid" -> setIds((Integer) value, DaxPrincipals.UNCHANGED);
        case "gid" -> setIds(DaxPrincipals.UNCHANGED, (Integer) value);
        default -> super.setAttribute(attribute, value);
      }
    }
  }

  /** The {@code owner} view. */
  static final class Owner implements FileOwnerAttributeView, Dynamic {
    private final Posix posix;

    Owner(InodeSource source) {
      this.posix = new Posix(source);
    }

    @Override
    public String name() {
      return "owner";
    }

    @Override
    public UserPrincipal getOwner() throws IOException {
      return posix.getOwner();
    }

    /** As {@link Posix#setOwner}. */
    @Override
    public void setOwner(UserPrincipal owner) throws IOException {
      posix.setOwner(owner);
    }

    @Override
    public void setAttribute(String attribute, Object value) throws IOException {
      if (!attribute.equals("owner")) {
        throw notRecognized(this, attribute);
      }
      setOwner((UserPrincipal) value);
    }

    @Override
    public String toString() {
      return name() + " view";
    }
  }

  /** The default provider's complaint about a name it cannot set, which includes the view. */
  static IllegalArgumentException notRecognized(Dynamic view, String attribute) {
    return new IllegalArgumentException("'" + view.name() + ":" + attribute + "' not recognized");
  }
}
