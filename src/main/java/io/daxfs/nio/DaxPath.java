package io.daxfs.nio;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import io.daxfs.fs.PathNames;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A Unix-style path of a {@link DaxFileSystem}: optionally rooted at {@code /}, followed by names
 * that never contain {@code '/'} or NUL and are never empty. The empty path (relative, no names)
 * stands for the working directory, which is {@code /}.
 *
 * <p>Syntactic operations behave as the JDK's default provider on Linux does. Immutable and
 * thread-safe.
 */
final class DaxPath implements Path, PathNames {
  private static final String DOT = ".";
  private static final String DOT_DOT = "..";

  private final DaxFileSystem fs;
  private final boolean absolute;
  private final ImmutableList<String> names;

  // Both caches may be computed by several threads at once; every thread computes the same value.
  private String string;
  private int hash;

  private DaxPath(DaxFileSystem fs, boolean absolute, ImmutableList<String> names, String string) {
    this.fs = fs;
    this.absolute = absolute;
    this.names = names;
    this.string = string;
  }

  private DaxPath(DaxFileSystem fs, boolean absolute, ImmutableList<String> names) {
    this(fs, absolute, names, null);
  }

  /**
   * Parses {@code first} and {@code more}, joined by {@code "/"} with empty parts skipped. Repeated
   * slashes count as one and a trailing slash is dropped; an all-empty input is the empty path.
   *
   * @throws NullPointerException if any argument or element of {@code more} is null
   * @throws InvalidPathException if the text contains a NUL character
   */
  static DaxPath parse(DaxFileSystem fs, String first, String... more) {
    requireNonNull(fs, "fs");
    String text = join(requireNonNull(first, "first"), requireNonNull(more, "more"));
    int length = text.length();
    if (text.indexOf('\0') >= 0) {
      throw new InvalidPathException(text, "Nul character not allowed");
    }
    boolean abs = length > 0 && text.charAt(0) == '/';
    ImmutableList.Builder<String> names = ImmutableList.builder();
    // Text without doubled or trailing slashes is already the canonical string; keep it.
    boolean canonical = true;
    int start = 0;
    for (int i = 0; i <= length; i++) {
      if (i == length || text.charAt(i) == '/') {
        if (i > start) {
          names.add(text.substring(start, i));
        } else if (i > 0) {
          canonical = false;
        }
        start = i + 1;
      }
    }
    if (length == 1 && abs) {
      canonical = true;
    }
    return new DaxPath(fs, abs, names.build(), canonical ? text : null);
  }

  private static String join(String first, String[] more) {
    if (more.length == 0) {
      return first;
    }
    StringBuilder sb = new StringBuilder(first);
    for (String part : more) {
      requireNonNull(part, "more element");
      if (!part.isEmpty()) {
        if (sb.length() > 0) {
          sb.append('/');
        }
        sb.append(part);
      }
    }
    return sb.toString();
  }

  /**
   * The path with the given names, rooted at {@code /} if {@code absolute}.
   *
   * @throws NullPointerException if an argument or a name is null
   * @throws IllegalArgumentException if a name is empty or contains {@code '/'} or NUL
   */
  static DaxPath of(DaxFileSystem fs, boolean absolute, ImmutableList<String> names) {
    requireNonNull(fs, "fs");
    for (String name : requireNonNull(names, "names")) {
      checkArgument(
          !name.isEmpty() && name.indexOf('/') < 0 && name.indexOf('\0') < 0,
          "invalid path name: \"%s\"",
          name);
    }
    return new DaxPath(fs, absolute, names);
  }

  /**
   * {@code path} as a daxfs path.
   *
   * @throws NullPointerException if {@code path} is null
   * @throws ProviderMismatchException if it belongs to another provider
   */
  static DaxPath cast(Path path) {
    if (requireNonNull(path, "path") instanceof DaxPath p) {
      return p;
    }
    throw new ProviderMismatchException("not a daxfs path: " + path);
  }

  /** The names, without the root; empty for the root and for the empty path. */
  ImmutableList<String> names() {
    return names;
  }

  // ---- PathNames -------------------------------------------------------------------------------

  @Override
  public boolean isAbsolute() {
    return absolute;
  }

  /** Unlike {@link #getNameCount()}, 0 for the empty path, which names the working directory. */
  @Override
  public int nameCount() {
    return names.size();
  }

  @Override
  public String name(int index) {
    return names.get(index);
  }

  // ---- Path ------------------------------------------------------------------------------------

  @Override
  public DaxFileSystem getFileSystem() {
    return fs;
  }

  private boolean isEmptyPath() {
    return !absolute && names.isEmpty();
  }

  private DaxPath root() {
    return new DaxPath(fs, true, ImmutableList.of(), "/");
  }

  private DaxPath empty() {
    return new DaxPath(fs, false, ImmutableList.of(), "");
  }

  @Override
  public DaxPath getRoot() {
    return absolute ? root() : null;
  }

  @Override
  public DaxPath getFileName() {
    if (names.isEmpty()) {
      return absolute ? null : this;
    }
    if (!absolute && names.size() == 1) {
      return this;
    }
    return new DaxPath(fs, false, ImmutableList.of(names.get(names.size() - 1)));
  }

  @Override
  public DaxPath getParent() {
    int n = names.size();
    if (n == 0) {
      return null;
    }
    if (n == 1) {
      return absolute ? root() : null;
    }
    return new DaxPath(fs, absolute, ImmutableList.copyOf(names.subList(0, n - 1)));
  }

  /** The empty path counts as one (empty) name, as in the JDK; the root has none. */
  @Override
  public int getNameCount() {
    return isEmptyPath() ? 1 : names.size();
  }

  /**
   * @throws IllegalArgumentException if {@code index} is not in [0, {@link #getNameCount()})
   */
  @Override
  public DaxPath getName(int index) {
    if (index < 0 || index >= getNameCount()) {
      throw new IllegalArgumentException(
          "name index "
              + index
              + " out of range for \""
              + this
              + "\" ("
              + getNameCount()
              + " names)");
    }
    if (isEmptyPath() || (!absolute && names.size() == 1)) {
      return this;
    }
    return new DaxPath(fs, false, ImmutableList.of(names.get(index)));
  }

  /**
   * @throws IllegalArgumentException unless {@code 0 <= begin < end <= getNameCount()}
   */
  @Override
  public DaxPath subpath(int beginIndex, int endIndex) {
    int count = getNameCount();
    if (beginIndex < 0 || beginIndex >= count || endIndex > count || endIndex <= beginIndex) {
      throw new IllegalArgumentException(
          "subpath ["
              + beginIndex
              + ", "
              + endIndex
              + ") out of range for \""
              + this
              + "\" ("
              + count
              + " names)");
    }
    if (!absolute && beginIndex == 0 && endIndex == count) {
      return this;
    }
    return new DaxPath(fs, false, ImmutableList.copyOf(names.subList(beginIndex, endIndex)));
  }

  /** Same-filesystem daxfs paths only; anything else yields null (a null argument throws NPE). */
  private DaxPath sameFileSystem(Path other) {
    if (requireNonNull(other, "other") instanceof DaxPath p && p.fs == fs) {
      return p;
    }
    return null;
  }

  private DaxPath checkSameFileSystem(Path other) {
    DaxPath p = sameFileSystem(other);
    if (p == null) {
      throw new ProviderMismatchException("not a path of " + fs + ": " + other);
    }
    return p;
  }

  /** False for paths of other filesystems, as a path never starts with a foreign one. */
  @Override
  public boolean startsWith(Path other) {
    DaxPath p = sameFileSystem(other);
    if (p == null || p.absolute != absolute) {
      return false;
    }
    if (p.isEmptyPath()) {
      return isEmptyPath();
    }
    int n = p.names.size();
    return n <= names.size() && names.subList(0, n).equals(p.names);
  }

  /**
   * @throws InvalidPathException if {@code other} does not parse
   */
  @Override
  public boolean startsWith(String other) {
    return startsWith(parse(fs, other));
  }

  /** False for paths of other filesystems. */
  @Override
  public boolean endsWith(Path other) {
    DaxPath p = sameFileSystem(other);
    if (p == null) {
      return false;
    }
    if (p.absolute) {
      return absolute && names.equals(p.names);
    }
    if (p.isEmptyPath()) {
      return isEmptyPath();
    }
    int n = names.size();
    int m = p.names.size();
    return m <= n && names.subList(n - m, n).equals(p.names);
  }

  /**
   * @throws InvalidPathException if {@code other} does not parse
   */
  @Override
  public boolean endsWith(String other) {
    return endsWith(parse(fs, other));
  }

  private boolean hasDotNames() {
    for (String name : names) {
      if (name.equals(DOT) || name.equals(DOT_DOT)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Drops {@code "."} names and each {@code ".."} with the name before it. A {@code ".."} right
   * after the root is dropped (the root is its own parent); leading ones of a relative path stay.
   */
  @Override
  public DaxPath normalize() {
    if (!hasDotNames()) {
      return this;
    }
    String[] out = new String[names.size()];
    int size = 0;
    for (String name : names) {
      if (name.equals(DOT)) {
        continue;
      }
      if (name.equals(DOT_DOT)) {
        if (size > 0 && !out[size - 1].equals(DOT_DOT)) {
          size--;
          continue;
        }
        if (absolute) {
          continue;
        }
      }
      out[size++] = name;
    }
    return new DaxPath(fs, absolute, ImmutableList.copyOf(Arrays.asList(out).subList(0, size)));
  }

  /**
   * @throws ProviderMismatchException if {@code other} is not a path of this filesystem
   */
  @Override
  public DaxPath resolve(Path other) {
    DaxPath p = checkSameFileSystem(other);
    if (p.absolute) {
      return p;
    }
    if (p.names.isEmpty()) {
      return this;
    }
    if (isEmptyPath()) {
      return p;
    }
    return new DaxPath(
        fs,
        absolute,
        ImmutableList.<String>builderWithExpectedSize(names.size() + p.names.size())
            .addAll(names)
            .addAll(p.names)
            .build());
  }

  /**
   * @throws InvalidPathException if {@code other} does not parse
   */
  @Override
  public DaxPath resolve(String other) {
    return resolve(parse(fs, other));
  }

  /**
   * @throws ProviderMismatchException if {@code other} is not a path of this filesystem
   */
  @Override
  public DaxPath resolveSibling(Path other) {
    DaxPath p = checkSameFileSystem(other);
    DaxPath parent = getParent();
    return parent == null ? p : parent.resolve(p);
  }

  /**
   * @throws InvalidPathException if {@code other} does not parse
   */
  @Override
  public DaxPath resolveSibling(String other) {
    return resolveSibling(parse(fs, other));
  }

  /**
   * The relative path from this one to {@code other}. When either contains {@code "."} or {@code
   * ".."}, both are normalized first, so that the result resolves against this path to the same
   * place as {@code other} (the JDK does the same).
   *
   * @throws ProviderMismatchException if {@code other} is not a path of this filesystem
   * @throws IllegalArgumentException if one path is absolute and the other not, or if this path
   *     still has {@code ".."} names past the part it shares with {@code other} (the names they
   *     climb out of are unknown)
   */
  @Override
  public DaxPath relativize(Path other) {
    DaxPath target = checkSameFileSystem(other);
    if (equals(target)) {
      return empty();
    }
    if (absolute != target.absolute) {
      throw new IllegalArgumentException(
          "cannot relativize \""
              + other
              + "\" against \""
              + this
              + "\": only one of them is absolute");
    }
    if (isEmptyPath()) {
      return target;
    }
    DaxPath base = this;
    if (base.hasDotNames() || target.hasDotNames()) {
      base = base.normalize();
      target = target.normalize();
    }
    ImmutableList<String> from = base.names;
    ImmutableList<String> to = target.names;
    int common = 0;
    int shorter = Math.min(from.size(), to.size());
    while (common < shorter && from.get(common).equals(to.get(common))) {
      common++;
    }
    // After normalization ".." can only lead the names, so checking the first remaining one
    // suffices.
    if (common < from.size() && from.get(common).equals(DOT_DOT)) {
      throw new IllegalArgumentException(
          "cannot relativize \""
              + other
              + "\" against \""
              + this
              + "\": the base climbs above the part they share");
    }
    int ups = from.size() - common;
    ImmutableList.Builder<String> result =
        ImmutableList.builderWithExpectedSize(ups + to.size() - common);
    for (int i = 0; i < ups; i++) {
      result.add(DOT_DOT);
    }
    result.addAll(to.subList(common, to.size()));
    return new DaxPath(fs, false, result.build());
  }

  /**
   * {@code dax://name/path}, made absolute; with a trailing slash if it is an existing directory.
   */
  @Override
  public URI toUri() {
    return fs.toUri(this);
  }

  /** Resolved against the working directory, {@code /}. */
  @Override
  public DaxPath toAbsolutePath() {
    return absolute ? this : new DaxPath(fs, true, names);
  }

  /**
   * The absolute path of the existing file, with symbolic links (unless {@code NOFOLLOW_LINKS}),
   * {@code "."} and {@code ".."} resolved.
   *
   * @throws IOException if the file does not exist or cannot be reached
   */
  @Override
  public DaxPath toRealPath(LinkOption... options) throws IOException {
    return fs.toRealPath(this, options);
  }

  /**
   * @throws UnsupportedOperationException always: a daxfs file is not a {@link File}
   */
  @Override
  public File toFile() {
    throw new UnsupportedOperationException("a daxfs path has no java.io.File: " + this);
  }

  @Override
  public WatchKey register(
      WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
      throws IOException {
    return fs.register(this, watcher, events, modifiers);
  }

  @Override
  public WatchKey register(WatchService watcher, WatchEvent.Kind<?>... events) throws IOException {
    return fs.register(this, watcher, events);
  }

  /** The names as paths; one empty path for the empty path, none for the root. */
  @Override
  public Iterator<Path> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < getNameCount();
      }

      @Override
      public Path next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return getName(next++);
      }
    };
  }

  /**
   * Orders by the path strings compared by Unicode code point, which is the byte order of their
   * UTF-8 encoding, as Linux paths are ordered. Paths of other daxfs filesystems compare too: equal
   * text on two filesystems is ordered by filesystem name, then by which was made first, so that
   * {@code compareTo} is 0 exactly when {@link #equals} is true.
   *
   * @throws NullPointerException if {@code other} is null
   * @throws ClassCastException if {@code other} belongs to another provider
   */
  @Override
  public int compareTo(Path other) {
    DaxPath p = (DaxPath) requireNonNull(other, "other");
    String a = toString();
    String b = p.toString();
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        return codePointOrder(x) - codePointOrder(y);
      }
    }
    if (a.length() != b.length() || p.fs == fs) {
      return a.length() - b.length();
    }
    // Equal text on two filesystems: unequal paths, so never 0 (consistent with equals)
    int byName = fs.name().compareTo(p.fs.name());
    return byName != 0 ? byName : Long.compare(fs.serial(), p.fs.serial());
  }

  /**
   * Maps a UTF-16 unit so that comparing mapped units orders strings by code point: surrogates
   * (parts of code points above U+FFFF) must sort after U+E000..U+FFFF, not before.
   */
  private static int codePointOrder(char c) {
    if (c >= 0xE000) {
      return c - 0x800;
    }
    if (c >= 0xD800) {
      return c + 0x2000;
    }
    return c;
  }

  /** Equal when of the same filesystem instance and with the same string. */
  @Override
  public boolean equals(Object obj) {
    if (this == obj) {
      return true;
    }
    return obj instanceof DaxPath p
        && p.fs == fs
        && p.absolute == absolute
        && p.names.equals(names);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = toString().hashCode();
      hash = h;
    }
    return h;
  }

  /** {@code "/"} for the root, {@code ""} for the empty path, else names joined by {@code '/'}. */
  @Override
  public String toString() {
    String s = string;
    if (s == null) {
      s = absolute ? "/" + String.join("/", names) : String.join("/", names);
      string = s;
    }
    return s;
  }
}
