package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.ProviderMismatchException;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Users and groups. An emulated filesystem has no user database, so a user or group is just a name,
 * and the numeric ids of the {@code unix} view are derived from names:
 *
 * <ul>
 *   <li>{@code "root"} is 0;
 *   <li>a name that is an unsigned decimal number below 2<sup>32</sup>-1 with no leading zeros is
 *       that number (as the default provider accepts ids for which no name exists);
 *   <li>any other name gets a number in [2<sup>30</sup>, 2<sup>31</sup>) computed from {@link
 *       String#hashCode()}, so it is the same in every run; two names may share a number.
 * </ul>
 *
 * <p>Setting an id chooses the name: the first name seen in this JVM with that id (by a lookup or a
 * read of {@code unix:uid}/{@code unix:gid}), else the number in decimal. So copying an id read
 * from one file to another copies the owner's name.
 */
final class DaxPrincipals {
  /** The id that leaves an owner or group unchanged, as {@code chown(2)}'s -1. */
  static final int UNCHANGED = -1;

  private static final int HASHED_BASE = 1 << 30;
  private static final long MAX_NUMERIC_ID = 0xFFFF_FFFEL;

  private static final ConcurrentMap<Integer, String> USER_NAMES = new ConcurrentHashMap<>();
  private static final ConcurrentMap<Integer, String> GROUP_NAMES = new ConcurrentHashMap<>();

  static {
    USER_NAMES.put(0, "root");
    GROUP_NAMES.put(0, "root");
  }

  static final UserPrincipalLookupService LOOKUP_SERVICE = new Lookup();

  private DaxPrincipals() {}

  /** A user: equal to another user of the same name, never to a group. */
  record User(String name) implements UserPrincipal {
    User {
      requireNonNull(name, "name");
    }

    @Override
    public String getName() {
      return name;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** A group: equal to another group of the same name, never to a user. */
  record Group(String name) implements GroupPrincipal {
    Group {
      requireNonNull(name, "name");
    }

    @Override
    public String getName() {
      return name;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * Accepts any non-empty name, for users and for groups alike: there is no user database to
   * consult.
   */
  private static final class Lookup extends UserPrincipalLookupService {
    /**
     * @throws UserPrincipalNotFoundException for the empty name
     * @throws NullPointerException for {@code null}
     */
    @Override
    public UserPrincipal lookupPrincipalByName(String name) throws IOException {
      return new User(checkName(name));
    }

    /**
     * @throws UserPrincipalNotFoundException for the empty name
     * @throws NullPointerException for {@code null}
     */
    @Override
    public GroupPrincipal lookupPrincipalByGroupName(String group) throws IOException {
      return new Group(checkName(group));
    }

    private static String checkName(String name) throws UserPrincipalNotFoundException {
      if (requireNonNull(name, "name").isEmpty()) {
        throw new UserPrincipalNotFoundException(name); // no file can be owned by nobody-at-all
      }
      return name;
    }

    @Override
    public String toString() {
      return "daxfs principals (any name)";
    }
  }

  /**
   * The owner's name to store for {@code owner}.
   *
   * @throws NullPointerException if {@code owner} is null
   * @throws IOException if it is a group (as the default provider refuses)
   * @throws ProviderMismatchException if it is not a daxfs principal
   */
  static String ownerName(UserPrincipal owner) throws IOException {
    if (owner == null) {
      throw new NullPointerException("'owner' is null");
    }
    if (owner instanceof Group) {
      throw new IOException("'owner' parameter can't be a group");
    }
    if (!(owner instanceof User u)) {
      throw new ProviderMismatchException("not a daxfs principal: " + owner);
    }
    return u.name();
  }

  /**
   * The group's name to store for {@code group}.
   *
   * @throws NullPointerException if {@code group} is null
   * @throws ProviderMismatchException if it is not a daxfs principal
   */
  static String groupName(GroupPrincipal group) {
    if (group == null) {
      throw new NullPointerException("'group' is null");
    }
    if (!(group instanceof Group g)) {
      throw new ProviderMismatchException("not a daxfs principal: " + group);
    }
    return g.name();
  }

  static int uid(String user) {
    return id(user, USER_NAMES);
  }

  static int gid(String group) {
    return id(group, GROUP_NAMES);
  }

  static String userName(int uid) {
    return name(uid, USER_NAMES);
  }

  static String groupName(int gid) {
    return name(gid, GROUP_NAMES);
  }

  private static int id(String name, ConcurrentMap<Integer, String> names) {
    if (name.equals("root")) {
      return 0;
    }
    long numeric = numeric(name);
    if (numeric >= 0) {
      return (int) numeric;
    }
    int id = HASHED_BASE | (name.hashCode() & (HASHED_BASE - 1));
    names.putIfAbsent(id, name);
    return id;
  }

  private static String name(int id, ConcurrentMap<Integer, String> names) {
    String name = names.get(id);
    return name != null ? name : Integer.toUnsignedString(id);
  }

  /** The id a decimal name stands for, or -1 when the name is not the canonical form of one. */
  private static long numeric(String name) {
    int n = name.length();
    if (n == 0 || n > 10 || (n > 1 && name.charAt(0) == '0')) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v <= MAX_NUMERIC_ID ? v : -1;
  }
}
