package io.daxfs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.collect.ImmutableList;
import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Syntactic path behaviour, checked against two references: Jimfs in its Unix configuration, and
 * the JDK's default provider on Linux. Where the two disagree Linux is right; those places are
 * listed in {@link #jimfsDeviates}.
 */
class DaxPathTest {
  private static final List<String> PATHS =
      List.of(
          "",
          "/",
          ".",
          "..",
          "a",
          "b",
          "a/../b",
          "//a//b/",
          "/a/./b/..",
          "../a",
          "/..",
          "a/..",
          "./.",
          "./a",
          "a/.",
          "/.",
          "a/b",
          "a/b/c",
          "/a",
          "/a/b",
          "/a/b/c",
          "../..",
          "../../a",
          "../b",
          "/a/../..",
          "a/./b",
          "x/y/../../z",
          "a/b/../c/.",
          "/b/../a/b",
          ".a",
          "a..",
          "...",
          "a b",
          "a\\b",
          "a-b",
          "b/a",
          "a/b/");

  private static FileSystem dax;
  private static FileSystem otherDax;
  private static FileSystem jimfs;
  private static FileSystem otherJimfs;
  private static final FileSystem jdk = FileSystems.getDefault();

  @BeforeAll
  static void open() throws IOException {
    dax = DaxFileSystems.newFileSystem();
    otherDax = DaxFileSystems.newFileSystem();
    // Working directory "/" as in daxfs, so that toAbsolutePath is comparable.
    Configuration unix = Configuration.unix().toBuilder().setWorkingDirectory("/").build();
    jimfs = Jimfs.newFileSystem(unix);
    otherJimfs = Jimfs.newFileSystem(unix);
  }

  @AfterAll
  static void close() throws IOException {
    for (FileSystem fs : new FileSystem[] {dax, otherDax, jimfs, otherJimfs}) {
      if (fs != null) {
        fs.close();
      }
    }
  }

  static Stream<String> paths() {
    return PATHS.stream();
  }

  static Stream<Arguments> pairs() {
    return PATHS.stream().flatMap(p -> PATHS.stream().map(q -> Arguments.of(p, q)));
  }

  /** A value's text, or the type of what it threw: exceptions are compared by type only. */
  private static String outcome(Callable<?> call) {
    try {
      Object value = call.call();
      if (value instanceof Iterator<?> it) {
        List<String> items = new ArrayList<>();
        it.forEachRemaining(x -> items.add(String.valueOf(x)));
        return items.toString();
      }
      return value == null ? "null" : "<" + value + ">";
    } catch (Exception e) {
      return "throws " + e.getClass().getName();
    }
  }

  private static boolean hasDotNames(String path) {
    for (String name : path.split("/")) {
      if (name.equals(".") || name.equals("..")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The operations where Jimfs (1.3.0, Unix) differs from Linux, so that only the JDK's default
   * provider is the reference for daxfs:
   *
   * <ul>
   *   <li>normalize: Jimfs leaves the lone path {@code "."} as it is; Linux normalizes it, like
   *       {@code "./."}, to the empty path.
   *   <li>relativize: when either path has {@code "."} or {@code ".."} names, Linux (the JDK since
   *       9) normalizes both first, and refuses when the base still climbs with {@code ".."} past
   *       the shared part; Jimfs works on the names as written (e.g. {@code "."} to {@code "a"}
   *       gives {@code "../a"} there, {@code "a"} on Linux).
   *   <li>compareTo: Jimfs sorts absolute paths before relative ones and compares name by name;
   *       Linux compares the path strings byte by byte (so {@code ""} < {@code "/"} < {@code "a"},
   *       and {@code ".."} < {@code "./."}).
   * </ul>
   */
  private static boolean jimfsDeviates(String op, String p, String q) {
    return switch (op) {
      case "normalize" -> p.equals(".");
      case "relativize" -> hasDotNames(p) || hasDotNames(q);
      case "compareTo" -> true;
      default -> false;
    };
  }

  /** Checks {@code op} of daxfs against Linux, and against Jimfs unless Jimfs is known wrong. */
  private static void check(
      SoftAssertions softly,
      String op,
      String p,
      String q,
      Function<FileSystem, Callable<?>> call) {
    String actual = outcome(call.apply(dax));
    String linux = outcome(call.apply(jdk));
    softly.assertThat(actual).as("%s [%s] [%s] vs Linux", op, p, q).isEqualTo(linux);
    if (!jimfsDeviates(op, p, q)) {
      softly
          .assertThat(actual)
          .as("%s [%s] [%s] vs Jimfs", op, p, q)
          .isEqualTo(outcome(call.apply(jimfs)));
    }
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("paths")
  void singlePathOperations(String s) {
    SoftAssertions softly = new SoftAssertions();
    check(softly, "toString", s, "", fs -> () -> fs.getPath(s).toString());
    check(softly, "isAbsolute", s, "", fs -> () -> fs.getPath(s).isAbsolute());
    check(softly, "getRoot", s, "", fs -> () -> fs.getPath(s).getRoot());
    check(softly, "getFileName", s, "", fs -> () -> fs.getPath(s).getFileName());
    check(softly, "getParent", s, "", fs -> () -> fs.getPath(s).getParent());
    check(softly, "getNameCount", s, "", fs -> () -> fs.getPath(s).getNameCount());
    check(softly, "normalize", s, "", fs -> () -> fs.getPath(s).normalize());
    check(softly, "iterator", s, "", fs -> () -> fs.getPath(s).iterator());
    check(
        softly,
        "getParent.getFileName",
        s,
        "",
        fs ->
            () -> {
              Path parent = fs.getPath(s).getParent();
              return parent == null ? null : parent.getFileName();
            });
    int count = dax.getPath(s).getNameCount();
    for (int i = -1; i <= count + 1; i++) {
      int index = i;
      check(softly, "getName(" + i + ")", s, "", fs -> () -> fs.getPath(s).getName(index));
      for (int j = -1; j <= count + 1; j++) {
        int end = j;
        check(
            softly,
            "subpath(" + i + "," + j + ")",
            s,
            "",
            fs -> () -> fs.getPath(s).subpath(index, end));
      }
    }
    softly.assertAll();
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("paths")
  void toAbsolutePathUsesRootAsWorkingDirectory(String s) {
    Path p = dax.getPath(s).toAbsolutePath();
    assertThat(p.toString()).isEqualTo(jimfs.getPath(s).toAbsolutePath().toString());
    // The default provider's working directory is user.dir; resolving against "/" is what it does.
    assertThat(p.toString()).isEqualTo(jdk.getPath("/").resolve(jdk.getPath(s)).toString());
    assertThat(p.isAbsolute()).isTrue();
    assertThat(p.getFileSystem()).isSameAs(dax);
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("paths")
  void equalityHashAndStringAreConsistent(String s) {
    DaxPath p = (DaxPath) dax.getPath(s);
    DaxPath again =
        DaxPath.of((DaxFileSystem) dax, p.isAbsolute(), ImmutableList.copyOf(p.names()));
    assertThat(again).isEqualTo(p).hasSameHashCodeAs(p).hasToString(p.toString());
    assertThat(dax.getPath(p.toString())).isEqualTo(p);
    assertThat(p.toString()).isSameAs(p.toString());
    assertThat(p.compareTo(again)).isZero();
    assertThat(p).isNotEqualTo(otherDax.getPath(s)).isNotEqualTo(jdk.getPath(s)).isNotEqualTo(s);
    assertThat(p.getFileSystem()).isSameAs(dax);
    assertThat(p.nameCount()).isEqualTo(p.names().size());
    for (int i = 0; i < p.nameCount(); i++) {
      assertThat(p.name(i)).isEqualTo(p.names().get(i));
    }
  }

  @ParameterizedTest(name = "[{0}] [{1}]")
  @MethodSource("pairs")
  void twoPathOperations(String p, String q) {
    SoftAssertions softly = new SoftAssertions();
    check(softly, "startsWith", p, q, fs -> () -> fs.getPath(p).startsWith(fs.getPath(q)));
    check(softly, "startsWith(String)", p, q, fs -> () -> fs.getPath(p).startsWith(q));
    check(softly, "endsWith", p, q, fs -> () -> fs.getPath(p).endsWith(fs.getPath(q)));
    check(softly, "endsWith(String)", p, q, fs -> () -> fs.getPath(p).endsWith(q));
    check(softly, "resolve", p, q, fs -> () -> fs.getPath(p).resolve(fs.getPath(q)));
    check(softly, "resolve(String)", p, q, fs -> () -> fs.getPath(p).resolve(q));
    check(softly, "resolveSibling", p, q, fs -> () -> fs.getPath(p).resolveSibling(fs.getPath(q)));
    check(softly, "resolveSibling(String)", p, q, fs -> () -> fs.getPath(p).resolveSibling(q));
    check(softly, "relativize", p, q, fs -> () -> fs.getPath(p).relativize(fs.getPath(q)));
    check(
        softly,
        "compareTo",
        p,
        q,
        fs -> () -> Integer.signum(fs.getPath(p).compareTo(fs.getPath(q))));
    check(softly, "equals", p, q, fs -> () -> fs.getPath(p).equals(fs.getPath(q)));
    Path a = dax.getPath(p);
    Path b = dax.getPath(q);
    softly
        .assertThat(a.compareTo(b) == 0)
        .as("compareTo agrees with equals")
        .isEqualTo(a.equals(b));
    if (a.equals(b)) {
      softly.assertThat(a.hashCode()).isEqualTo(b.hashCode());
    }
    // Where relativize succeeds, resolving its result leads back to the same place.
    try {
      Path r = a.relativize(b);
      softly
          .assertThat(a.resolve(r).normalize())
          .as("resolve(relativize)")
          .isEqualTo(b.normalize());
    } catch (IllegalArgumentException expected) {
      // one absolute and one not, or a base climbing with ".."
    }
    softly.assertAll();
  }

  /** With a path of another daxfs filesystem, daxfs does what Jimfs does across Jimfs instances. */
  @ParameterizedTest(name = "[{0}] [{1}]")
  @MethodSource("pairs")
  void pathOfAnotherDaxFileSystem(String p, String q) {
    SoftAssertions softly = new SoftAssertions();
    List<BiFunction<Path, Path, Object>> ops =
        List.of(
            Path::resolve,
            Path::resolveSibling,
            Path::relativize,
            Path::startsWith,
            Path::endsWith,
            Object::equals);
    for (int i = 0; i < ops.size(); i++) {
      BiFunction<Path, Path, Object> op = ops.get(i);
      softly
          .assertThat(outcome(() -> op.apply(dax.getPath(p), otherDax.getPath(q))))
          .as("op %s [%s] [%s]", i, p, q)
          .isEqualTo(outcome(() -> op.apply(jimfs.getPath(p), otherJimfs.getPath(q))));
    }
    // Jimfs compares across instances too; the order is Linux's (see jimfsDeviates), except that
    // equal text on two filesystems never compares 0: the paths are not equal
    int linux = Integer.signum(jdk.getPath(p).compareTo(jdk.getPath(q)));
    int across = Integer.signum(dax.getPath(p).compareTo(otherDax.getPath(q)));
    if (linux == 0) {
      softly
          .assertThat(across)
          .isNotZero()
          .isEqualTo(-Integer.signum(otherDax.getPath(q).compareTo(dax.getPath(p))));
    } else {
      softly.assertThat(across).isEqualTo(linux);
    }
    softly.assertAll();
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("paths")
  void pathOfAnotherProvider(String s) {
    Path foreign = jdk.getPath("a");
    Path absoluteForeign = jdk.getPath("/a");
    Path p = dax.getPath(s);
    Path j = jimfs.getPath(s);
    for (Path f : List.of(foreign, absoluteForeign)) {
      assertThat(outcome(() -> p.resolve(f))).isEqualTo(outcome(() -> j.resolve(f)));
      assertThat(outcome(() -> p.resolveSibling(f))).isEqualTo(outcome(() -> j.resolveSibling(f)));
      assertThat(outcome(() -> p.relativize(f))).isEqualTo(outcome(() -> j.relativize(f)));
      assertThat(outcome(() -> p.startsWith(f))).isEqualTo(outcome(() -> j.startsWith(f)));
      assertThat(outcome(() -> p.endsWith(f))).isEqualTo(outcome(() -> j.endsWith(f)));
      assertThat(outcome(() -> p.equals(f))).isEqualTo(outcome(() -> j.equals(f)));
      // The JDK's default provider throws ClassCastException too, as Comparable allows.
      assertThat(outcome(() -> p.compareTo(f)))
          .isEqualTo(outcome(() -> j.compareTo(f)))
          .isEqualTo("throws " + ClassCastException.class.getName());
    }
    assertThatThrownBy(() -> p.resolve(foreign)).isInstanceOf(ProviderMismatchException.class);
    assertThatThrownBy(() -> p.relativize(foreign)).isInstanceOf(ProviderMismatchException.class);
    assertThatThrownBy(() -> p.resolveSibling(foreign))
        .isInstanceOf(ProviderMismatchException.class);
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("paths")
  void nullArguments(String s) {
    Path p = dax.getPath(s);
    Path j = jimfs.getPath(s);
    Path l = jdk.getPath(s);
    List<BiFunction<Path, Path, Object>> pathOps =
        List.of(
            Path::resolve,
            Path::resolveSibling,
            Path::relativize,
            Path::startsWith,
            Path::endsWith,
            Path::compareTo);
    for (BiFunction<Path, Path, Object> op : pathOps) {
      String npe = "throws " + NullPointerException.class.getName();
      assertThat(outcome(() -> op.apply(p, null)))
          .isEqualTo(npe)
          .isEqualTo(outcome(() -> op.apply(j, null)))
          .isEqualTo(outcome(() -> op.apply(l, null)));
    }
    List<BiFunction<Path, String, Object>> stringOps =
        List.of(Path::resolve, Path::resolveSibling, Path::startsWith, Path::endsWith);
    for (BiFunction<Path, String, Object> op : stringOps) {
      assertThatThrownBy(() -> op.apply(p, null)).isInstanceOf(NullPointerException.class);
    }
    assertThat(p.equals(null)).isFalse();
  }

  static Stream<Arguments> parseInputs() {
    return Stream.of(
        Arguments.of("", new String[] {}),
        Arguments.of("", new String[] {""}),
        Arguments.of("", new String[] {"a"}),
        Arguments.of("", new String[] {"", "a/", "/b/"}),
        Arguments.of("/", new String[] {""}),
        Arguments.of("/", new String[] {"a"}),
        Arguments.of("a", new String[] {"/b"}),
        Arguments.of("a/", new String[] {"/", "//", "c//"}),
        Arguments.of("//", new String[] {}),
        Arguments.of("///a///", new String[] {}),
        Arguments.of("", new String[] {"/a"}),
        Arguments.of(".", new String[] {"..", "."}),
        Arguments.of("a\0b", new String[] {}),
        Arguments.of("a", new String[] {"b\0"}),
        Arguments.of("\0", new String[] {}));
  }

  @ParameterizedTest(name = "[{0}] {1}")
  @MethodSource("parseInputs")
  void parse(String first, String[] more) {
    String actual = outcome(() -> dax.getPath(first, more));
    assertThat(actual).isEqualTo(outcome(() -> jdk.getPath(first, more)));
    assertThat(actual).isEqualTo(outcome(() -> jimfs.getPath(first, more)));
  }

  @Test
  void nulIsInvalid() {
    assertThatThrownBy(() -> dax.getPath("a", "b\0c"))
        .isInstanceOf(InvalidPathException.class)
        .hasMessageContaining("Nul character not allowed")
        .satisfies(e -> assertThat(((InvalidPathException) e).getInput()).isEqualTo("a/b\0c"));
    assertThatThrownBy(() -> dax.getPath("a").resolve("\0"))
        .isInstanceOf(InvalidPathException.class);
    assertThatThrownBy(() -> dax.getPath("a").startsWith("\0"))
        .isInstanceOf(InvalidPathException.class);
  }

  @Test
  void parseRejectsNulls() {
    assertThatThrownBy(() -> dax.getPath(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> dax.getPath("a", (String[]) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> dax.getPath("a", "b", null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> dax.getPath("", (String) null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void emptyPathHasOneEmptyNameButNamesNothingForTheVolume() {
    DaxPath empty = (DaxPath) dax.getPath("");
    assertThat(empty.getNameCount()).isEqualTo(1);
    assertThat(empty.getName(0)).isEqualTo(empty);
    assertThat(empty.getFileName()).isEqualTo(empty);
    assertThat(empty.nameCount()).isZero();
    assertThat(empty.names()).isEmpty();
    assertThat(empty).isEqualTo(((DaxFileSystem) dax).emptyPath());
    assertThat(dax.getPath("/")).isEqualTo(((DaxFileSystem) dax).rootPath());
    assertThat(dax.getPath("/").getNameCount()).isZero();
  }

  @Test
  void ofValidatesNames() {
    DaxFileSystem fs = (DaxFileSystem) dax;
    assertThat(DaxPath.of(fs, true, ImmutableList.of("a", "b"))).hasToString("/a/b");
    assertThat(DaxPath.of(fs, false, ImmutableList.of())).hasToString("");
    assertThat(DaxPath.of(fs, false, ImmutableList.of("..", "."))).hasToString("../.");
    for (String bad : List.of("", "a/b", "/", "a\0")) {
      assertThatThrownBy(() -> DaxPath.of(fs, false, ImmutableList.of("x", bad)))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> DaxPath.of(fs, false, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> DaxPath.of(null, false, ImmutableList.of()))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void cast() {
    Path p = dax.getPath("/a");
    assertThat(DaxPath.cast(p)).isSameAs(p);
    assertThat(DaxPath.cast(otherDax.getPath("a"))).isEqualTo(otherDax.getPath("a"));
    assertThatThrownBy(() -> DaxPath.cast(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> DaxPath.cast(jdk.getPath("/a")))
        .isInstanceOf(ProviderMismatchException.class);
    assertThatThrownBy(() -> DaxPath.cast(jimfs.getPath("/a")))
        .isInstanceOf(ProviderMismatchException.class);
  }

  @Test
  void resultsBelongToTheSameFileSystem() {
    Path p = dax.getPath("/a/b/../c");
    for (Path q :
        List.of(
            p.getRoot(),
            p.getFileName(),
            p.getParent(),
            p.getName(0),
            p.subpath(1, 3),
            p.normalize(),
            p.resolve("d"),
            p.resolveSibling("d"),
            p.relativize(dax.getPath("/x")),
            p.toAbsolutePath(),
            p.iterator().next())) {
      assertThat(q.getFileSystem()).isSameAs(dax);
      assertThat(q).isInstanceOf(DaxPath.class);
    }
  }

  @Test
  void iteratorEndsAndIsReadOnly() {
    Iterator<Path> it = dax.getPath("a/b").iterator();
    assertThat(it.next()).isEqualTo(dax.getPath("a"));
    assertThat(it.next()).isEqualTo(dax.getPath("b"));
    assertThat(it.hasNext()).isFalse();
    assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(it::remove).isInstanceOf(UnsupportedOperationException.class);
    assertThat(dax.getPath("/").iterator().hasNext()).isFalse();
  }

  @Test
  void compareToUsesCodePointOrder() {
    // U+E000 is below U+1F600 as a code point (and in UTF-8 bytes, as Linux orders names), though
    // its UTF-16 unit sorts after the surrogates of U+1F600.
    String privateUse = "\uE000";
    String emoji = "\uD83D\uDE00";
    assertThat(dax.getPath(privateUse).compareTo(dax.getPath(emoji))).isNegative();
    assertThat(dax.getPath(emoji).compareTo(dax.getPath(privateUse))).isPositive();
    assertThat(dax.getPath("a" + emoji).compareTo(dax.getPath("a" + emoji + "b"))).isNegative();
    assertThat(dax.getPath("\uD83D\uDE01").compareTo(dax.getPath(emoji))).isPositive();
    assertThat(dax.getPath("\u00e9").compareTo(dax.getPath("z"))).isPositive();
    assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")), "JDK paths need UTF-8");
    for (String[] pair : new String[][] {{privateUse, emoji}, {"\u00e9", "z"}, {"a", emoji}}) {
      assertThat(Integer.signum(dax.getPath(pair[0]).compareTo(dax.getPath(pair[1]))))
          .isEqualTo(Integer.signum(jdk.getPath(pair[0]).compareTo(jdk.getPath(pair[1]))));
    }
  }

  @Test
  void nonAsciiNamesBehaveAsOtherNames() {
    Path p = dax.getPath("/\u00e9t\u00e9//\uD83D\uDE00/x");
    assertThat(p).hasToString("/\u00e9t\u00e9/\uD83D\uDE00/x");
    assertThat(p.getNameCount()).isEqualTo(3);
    assertThat(p.getName(1)).hasToString("\uD83D\uDE00");
    assertThat(p.getParent().relativize(p)).hasToString("x");
  }

  @Test
  void toFileIsUnsupported() {
    assertThatThrownBy(() -> dax.getPath("/a").toFile())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void toUriIsAbsoluteWithTheFileSystemName() {
    String name = ((DaxFileSystem) dax).name();
    assertThat(dax.getPath("/a/b").toUri()).isEqualTo(URI.create("dax://" + name + "/a/b"));
    assertThat(dax.getPath("a/b").toUri()).isEqualTo(URI.create("dax://" + name + "/a/b"));
    assertThat(dax.getPath("/").toUri()).isEqualTo(URI.create("dax://" + name + "/"));
    assertThat(dax.getPath("").toUri()).isEqualTo(URI.create("dax://" + name + "/"));
  }

  @Test
  void toRealPathResolvesAgainstTheFileSystem() throws IOException {
    assertThat(dax.getPath("/").toRealPath()).isEqualTo(dax.getPath("/"));
    assertThat(dax.getPath("").toRealPath()).isEqualTo(dax.getPath("/"));
    Files.createDirectories(dax.getPath("/real/dir"));
    assertThat(dax.getPath("real/./dir/../dir/..").toRealPath()).isEqualTo(dax.getPath("/real"));
    assertThatThrownBy(() -> dax.getPath("/real/missing").toRealPath())
        .isInstanceOf(NoSuchFileException.class);
    // As on Linux, ".." does not cancel a name that does not exist.
    assertThatThrownBy(() -> dax.getPath("/real/missing/../dir").toRealPath())
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void registerDelegatesToTheFileSystem() throws IOException {
    Path p = dax.getPath("/");
    WatchEvent.Kind<?>[] kinds = {StandardWatchEventKinds.ENTRY_CREATE};
    assertThatThrownBy(() -> p.register(null, kinds)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.register(null, kinds, new WatchEvent.Modifier[0]))
        .isInstanceOf(NullPointerException.class);
    try (WatchService foreign = jdk.newWatchService()) {
      assertThatThrownBy(() -> p.register(foreign, kinds))
          .isInstanceOf(ProviderMismatchException.class);
      assertThatThrownBy(() -> p.register(foreign, kinds, new WatchEvent.Modifier[0]))
          .isInstanceOf(ProviderMismatchException.class);
    }
  }
}
