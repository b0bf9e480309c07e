package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.daxfs.fs.Inode;
import java.io.IOException;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The provider's attribute service: views, snapshots, the {@code "view:name,..."} strings of {@code
 * Files.readAttributes}/{@code Files.setAttribute}, initial attributes and copying. Types of
 * values, exceptions and their messages follow the JDK's default provider on Linux.
 */
final class AttributeService {
  /**
   * The views daxfs supports: those of Jimfs's Unix configuration, all of which Linux's JDK has,
   * and {@code dax}, read-only, whose one attribute {@code isDax} answers as {@code statx(2)}'s
   * {@code STATX_ATTR_DAX} does on a filesystem mounted with {@code dax=always}.
   */
  static final Set<String> SUPPORTED_VIEWS =
      ImmutableSet.of("basic", "owner", "posix", "unix", "dax");

  private static final String IS_DAX = "isDax";

  /**
   * Users and groups by name. There is no user database in an emulated filesystem, so every
   * non-empty name is accepted; see {@link DaxPrincipals} for the numbers of the {@code unix} view.
   */
  static final UserPrincipalLookupService LOOKUP_SERVICE = DaxPrincipals.LOOKUP_SERVICE;

  private static final ImmutableSet<String> BASIC_NAMES =
      ImmutableSet.of(
          "lastModifiedTime",
          "lastAccessTime",
          "creationTime",
          "size",
          "isRegularFile",
          "isDirectory",
          "isSymbolicLink",
          "isOther",
          "fileKey");
  private static final ImmutableSet<String> POSIX_NAMES =
      ImmutableSet.<String>builder()
          .addAll(BASIC_NAMES)
          .add("permissions", "owner", "group")
          .build();
  private static final ImmutableSet<String> UNIX_NAMES =
      ImmutableSet.<String>builder()
          .addAll(POSIX_NAMES)
          .add("mode", "ino", "dev", "rdev", "nlink", "uid", "gid", "ctime")
          .build();

  /** What each view can read, in the order {@code "view:*"} lists it ("owner" is read apart). */
  private static final ImmutableMap<String, ImmutableSet<String>> READABLE =
      ImmutableMap.of("basic", BASIC_NAMES, "posix", POSIX_NAMES, "unix", UNIX_NAMES);

  private AttributeService() {}

  /**
   * A view of the file {@code src} finds, bound lazily: nothing is resolved until it is used.
   *
   * @return the view, or null if {@code type} is not {@link BasicFileAttributeView}, {@link
   *     PosixFileAttributeView} or {@link FileOwnerAttributeView}
   * @throws NullPointerException if an argument is null
   */
  static <V extends FileAttributeView> V view(InodeSource src, Class<V> type) {
    requireNonNull(src, "src");
    requireNonNull(type, "type");
    FileAttributeView view;
    if (type == BasicFileAttributeView.class) {
      view = new AttributeViews.Basic(src);
    } else if (type == PosixFileAttributeView.class) {
      view = new AttributeViews.Posix(src);
    } else if (type == FileOwnerAttributeView.class) {
      view = new AttributeViews.Owner(src);
    } else {
      return null;
    }
    return type.cast(view);
  }

  /**
   * An immutable snapshot of the file's attributes (it implements {@link PosixFileAttributes}
   * whichever type is asked for).
   *
   * @throws UnsupportedOperationException if {@code type} is not {@link BasicFileAttributes} or
   *     {@link PosixFileAttributes}; checked before the file is resolved
   * @throws java.nio.file.NoSuchFileException if the file does not exist
   */
  static <A extends BasicFileAttributes> A read(InodeSource src, Class<A> type) throws IOException {
    requireNonNull(src, "src");
    requireNonNull(type, "type");
    if (type != BasicFileAttributes.class && type != PosixFileAttributes.class) {
      throw new UnsupportedOperationException(type.getName() + " not supported");
    }
    return type.cast(AttributeSnapshot.of(src.inode()));
  }

  /**
   * Reads attributes as {@code Files.readAttributes(path, attributes)}: {@code "[view:]names"},
   * where the view defaults to {@code basic} and names is a comma-separated list in which {@code
   * "*"} means all. All values come from one snapshot. Names are checked before the file is
   * resolved.
   *
   * @return an unmodifiable map from name to value
   * @throws IllegalArgumentException if the view is empty ({@code ":size"}), or a name is not an
   *     attribute of the view (message {@code "'name' not recognized"}; for the {@code owner} view,
   *     {@code "'owner:name' not recognized"})
   * @throws UnsupportedOperationException if the view is not supported ({@code "View 'x' not
   *     available"})
   * @throws java.nio.file.NoSuchFileException if the file does not exist
   */
  static Map<String, Object> read(InodeSource src, String attributes) throws IOException {
    requireNonNull(src, "src");
    String[] viewAndNames = split(attributes);
    String view = viewAndNames[0];
    String[] names = viewAndNames[1].split(",");
    if (view.equals("owner")) {
      return readOwner(src, names);
    }
    if (view.equals("dax")) {
      return readDax(src, names);
    }
    ImmutableSet<String> readable = READABLE.get(view);
    boolean all = false;
    Set<String> wanted = new HashSet<>();
    for (String name : names) {
      if (name.equals("*")) {
        all = true;
      } else if (readable.contains(name)) {
        wanted.add(name);
      } else {
        throw new IllegalArgumentException("'" + name + "' not recognized");
      }
    }
    AttributeSnapshot snapshot = AttributeSnapshot.of(src.inode());
    Map<String, Object> result = new LinkedHashMap<>();
    for (String name : readable) {
      if (all || wanted.contains(name)) {
        result.put(name, snapshot.get(name));
      }
    }
    return Collections.unmodifiableMap(result);
  }

  /**
   * The owner view checks names one by one, reading the file at the first good one, so a bad name
   * after a good one on a missing file gives NoSuchFileException, as with the default provider.
   */
  private static Map<String, Object> readOwner(InodeSource src, String[] names) throws IOException {
    AttributeViews.Owner view = new AttributeViews.Owner(src);
    Map<String, Object> result = new LinkedHashMap<>();
    for (String name : names) {
      if (!name.equals("*") && !name.equals("owner")) {
        throw AttributeViews.notRecognized(view, name);
      }
      if (result.isEmpty()) {
        result.put("owner", view.getOwner());
      }
    }
    return Collections.unmodifiableMap(result);
  }

  /**
   * The {@code dax} view: whether the file's data is accessed directly in device memory. Every
   * regular file of daxfs is; directories and symbolic links are not, as with ext4 and XFS.
   */
  private static Map<String, Object> readDax(InodeSource src, String[] names) throws IOException {
    for (String name : names) {
      if (!name.equals("*") && !name.equals(IS_DAX)) {
        throw new IllegalArgumentException("'" + name + "' not recognized");
      }
    }
    return Map.of(IS_DAX, AttributeSnapshot.of(src.inode()).isRegularFile());
  }

  /**
   * Sets one attribute as {@code Files.setAttribute(path, attribute, value)}. Settable: {@code
   * basic:lastModifiedTime, lastAccessTime, creationTime} ({@code FileTime}; null does nothing),
   * {@code posix:permissions} (a {@code Set<PosixFilePermission>}), {@code posix:owner} ({@code
   * UserPrincipal}), {@code posix:group} ({@code GroupPrincipal}), {@code owner:owner}, and {@code
   * unix:mode} (its bits 07777), {@code unix:uid}, {@code unix:gid} ({@code Integer}s; -1 leaves
   * the id as it is), plus in each view those of the views it extends.
   *
   * @throws IllegalArgumentException if the view is empty, or the name is read-only (all of the
   *     {@code dax} view) or unknown (message {@code "'view:name' not recognized"}); checked before
   *     the file is resolved
   * @throws UnsupportedOperationException if the view is not supported
   * @throws ClassCastException if {@code value} has the wrong type
   * @throws NullPointerException if a permission set, principal or number is null
   * @throws java.nio.file.ProviderMismatchException for a principal not from {@link
   *     #LOOKUP_SERVICE}
   * @throws IOException if the file cannot be resolved, or a group is given as owner
   */
  static void set(InodeSource src, String attribute, Object value) throws IOException {
    requireNonNull(src, "src");
    String[] viewAndName = split(attribute);
    AttributeViews.Dynamic view =
        switch (viewAndName[0]) {
          case "basic" -> new AttributeViews.Basic(src);
          case "posix" -> new AttributeViews.Posix(src);
          case "unix" -> new AttributeViews.Unix(src);
          case "owner" -> new AttributeViews.Owner(src);
          case "dax" ->
              throw new IllegalArgumentException("'dax:" + viewAndName[1] + "' not recognized");
          default -> throw new AssertionError(viewAndName[0]);
        };
    view.setAttribute(viewAndName[1], value);
  }

  /**
   * {@code [view, rest]} of {@code "view:rest"}, or {@code ["basic", attribute]} without a colon.
   */
  private static String[] split(String attribute) {
    int colon = attribute.indexOf(':');
    if (colon < 0) {
      return new String[] {"basic", attribute};
    }
    String view = attribute.substring(0, colon);
    if (view.isEmpty()) {
      throw new IllegalArgumentException(attribute);
    }
    if (!SUPPORTED_VIEWS.contains(view)) {
      throw new UnsupportedOperationException("View '" + view + "' not available");
    }
    return new String[] {view, attribute.substring(colon + 1)};
  }

  /**
   * The permission bits for a new file: those of the last {@code "posix:permissions"} or {@code
   * "unix:permissions"} attribute, else {@code defaultBits}. The caller applies the umask, as
   * {@code open(2)} does.
   *
   * @throws UnsupportedOperationException for any other attribute ({@code "'name' not supported as
   *     initial attribute"})
   * @throws NullPointerException if the array, an element, its value or a permission is null
   * @throws ClassCastException if a value is not a set of {@code PosixFilePermission}
   */
  static int initialPermissions(int defaultBits, FileAttribute<?>... attrs) {
    int bits = defaultBits;
    for (FileAttribute<?> attr : attrs) {
      String name = attr.name();
      if (!"posix:permissions".equals(name) && !"unix:permissions".equals(name)) {
        throw new UnsupportedOperationException(
            "'" + name + "' not supported as initial attribute");
      }
      bits = AttributeSnapshot.bits((Set<?>) attr.value());
    }
    return bits;
  }

  /**
   * Copies what {@code Files.copy(..., COPY_ATTRIBUTES)} copies on Linux: owner, group, permissions
   * (all 07777 bits; not onto a symbolic link, whose mode Linux cannot change), and the
   * last-modified and last-access times. The creation time stays that of the copy.
   */
  static void copyAttributes(Inode from, Inode to) throws IOException {
    requireNonNull(from, "from");
    requireNonNull(to, "to");
    // Read everything first so that copying a file onto itself (or a link of it) changes nothing.
    String owner = from.owner();
    String group = from.group();
    int permissions = from.permissions();
    long modified = from.lastModifiedTime();
    long accessed = from.lastAccessTime();
    to.setOwner(owner);
    to.setGroup(group);
    if (!to.isSymbolicLink()) {
      to.setPermissions(permissions);
    }
    to.setTimes(modified, accessed, null);
  }

  /**
   * The key {@link BasicFileAttributes#fileKey()} gives: equal for the same file reached through
   * any path or hard link of the same volume, different across volumes; prints as {@code
   * "(dev=hex,ino=n)"}.
   */
  static Object fileKey(Inode inode) {
    return AttributeSnapshot.fileKey(inode);
  }
}
