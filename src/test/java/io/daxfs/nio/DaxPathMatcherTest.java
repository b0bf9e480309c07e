package io.daxfs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Glob and regex matchers, checked against the JDK's default provider on Linux and against Jimfs
 * (Unix); where those disagree Linux is right, see {@link #JIMFS_DEVIATES}.
 */
class DaxPathMatcherTest {
  private static final List<String> PATHS =
      List.of(
          "",
          "a",
          "b",
          "c",
          "x",
          "z",
          "-",
          "]",
          "]a",
          "^",
          "\\",
          "/",
          "/x",
          "a/b",
          "a/b/c",
          "c/x",
          "&",
          "[",
          "*",
          "?",
          "{",
          "}",
          ".",
          ",",
          "!",
          "%",
          "0",
          "+",
          "ab",
          "ax",
          "aq",
          "axb",
          "a.java",
          "b.class",
          ".hidden",
          "dir/a.java",
          "/abs/dir/b.class",
          "a+b",
          "(a)",
          "a|b",
          "a}",
          "a,b",
          "{}",
          "a\\b",
          "a b",
          "foo.txt",
          "foo/bar.txt",
          "foo/bar/baz.txt",
          "~",
          "..",
          "a/",
          "aaa",
          "a/a/a");

  private static final List<String> GLOBS =
      List.of(
          // wildcards
          "",
          "*",
          "**",
          "***",
          "?",
          "??",
          "a*",
          "*a",
          "a*b",
          "a?b",
          "a/*",
          "a/**",
          "**/b",
          "*/*",
          "**/*.java",
          "*.java",
          "*.{java,class}",
          "{**/,}x",
          "**.txt",
          "foo/*",
          "foo/**",
          "/**",
          "/*",
          "*/",
          "a*/b*",
          // classes
          "[abc]",
          "[a-c]",
          "[a-c]*",
          "[!a-c]",
          "[!!]",
          "[-a]",
          "[a-]",
          "[!-a]",
          "[!-]",
          "[-]",
          "[a-a]",
          "[a-cx-z]",
          "[%-0]",
          "[.]",
          "[*]",
          "[?]",
          "[{]",
          "[}]",
          "[,]",
          "[a^]",
          "[\\]",
          "[\\!a]",
          "[a\\-z]",
          "[\\]]",
          "[]]",
          "[a,b]",
          "{[,],x}",
          "[ ]",
          // groups
          "{a,b}",
          "{a,b}*",
          "{}",
          "{,}",
          "{a,}",
          "{a*,b/c}",
          "a}",
          "a,b",
          "}",
          "{a/b,c}",
          "{a,b}{c,d}",
          "{?,*}",
          // escapes and characters special to regexes
          "\\a",
          "\\*",
          "\\?",
          "\\{",
          "\\[",
          "\\\\",
          "\\,",
          "\\}",
          "a\\b",
          "a\\\\b",
          ".*",
          "^$",
          "a+b",
          "(a)",
          "$",
          ".",
          "..",
          "\\.",
          "~",
          "a b",
          // where Jimfs and Linux differ
          "[^a]",
          "[a&&b]",
          "[&&]",
          "[[]",
          "[a-c-e]",
          "[--z]",
          "a|b",
          "{a|b,c}",
          // malformed
          "[",
          "[a",
          "[!",
          "[]",
          "[!]",
          "[]a]",
          "[!]a]",
          "[]-a]",
          "[z-a]",
          "[a-",
          "{a,b",
          "{",
          "{a,{b}}",
          "\\",
          "a\\",
          "[a/b]",
          "[/]",
          "[--]",
          "[a-c-]");

  /**
   * Globs Jimfs (1.3.0) reads differently from Linux:
   *
   * <ul>
   *   <li>{@code [^a]}: Linux takes {@code ^} literally (only {@code !} negates); Jimfs negates.
   *   <li>{@code [a&&b]}, {@code [&&]}, {@code [[]}: Linux takes {@code &} and {@code [} in a class
   *       literally; Jimfs passes them to the regex, as intersection or nested class.
   *   <li>{@code a|b}, {@code {a|b,c}}: Linux matches {@code |} literally; Jimfs makes it an
   *       alternation.
   *   <li>{@code [a-c-e]}, {@code [a-c-]}, {@code [--z]}, {@code [--]}: Linux rejects a {@code -}
   *       that follows a range or a leading {@code -}; Jimfs accepts it.
   *   <li>{@code [a/b]}, {@code [/]}: Linux rejects {@code /} in a class; Jimfs accepts it (and
   *       never matches {@code /}).
   * </ul>
   */
  private static final Set<String> JIMFS_DEVIATES =
      Set.of(
          "[^a]", "[a&&b]", "[&&]", "[[]", "[a-c-e]", "[a-c-]", "[--z]", "[--]", "a|b", "{a|b,c}",
          "[a/b]", "[/]");

  private static FileSystem dax;
  private static FileSystem jimfs;
  private static final FileSystem jdk = FileSystems.getDefault();

  @BeforeAll
  static void open() throws IOException {
    dax = DaxFileSystems.newFileSystem();
    jimfs = Jimfs.newFileSystem(Configuration.unix());
  }

  @AfterAll
  static void close() throws IOException {
    if (dax != null) {
      dax.close();
    }
    if (jimfs != null) {
      jimfs.close();
    }
  }

  /** Which of {@code paths} match, as a string of 0s and 1s, or the type of exception thrown. */
  private static String outcome(FileSystem fs, String syntaxAndPattern, List<String> paths) {
    PathMatcher m;
    try {
      m = fs.getPathMatcher(syntaxAndPattern);
    } catch (RuntimeException e) {
      return "throws " + e.getClass().getName();
    }
    StringBuilder sb = new StringBuilder();
    for (String p : paths) {
      sb.append(m.matches(fs.getPath(p)) ? '1' : '0');
    }
    return sb.toString();
  }

  static Stream<String> globs() {
    return GLOBS.stream();
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("globs")
  void globMatchesAsLinux(String glob) {
    String actual = outcome(dax, "glob:" + glob, PATHS);
    assertThat(actual).as("vs Linux").isEqualTo(outcome(jdk, "glob:" + glob, PATHS));
    if (!JIMFS_DEVIATES.contains(glob)) {
      assertThat(actual).as("vs Jimfs").isEqualTo(outcome(jimfs, "glob:" + glob, PATHS));
    }
  }

  @Test
  void jimfsDeviationsAreReal() {
    for (String glob : JIMFS_DEVIATES) {
      assertThat(outcome(jimfs, "glob:" + glob, PATHS))
          .as(glob)
          .isNotEqualTo(outcome(jdk, "glob:" + glob, PATHS));
    }
  }

  /**
   * Random globs over the characters the glob language gives meaning to, against Linux; malformed
   * ones must fail the same way.
   */
  @Test
  void randomGlobsMatchAsLinux() {
    String alphabet = "ab/*?[]!-{},\\^&.|";
    List<String> paths =
        List.of(
            "", "a", "b", "ab", "ba", "a/b", "/a", "a/", "-", "!", "^", "&", ".", "|", "{", "}",
            ",", "[", "]", "\\", "*", "?", "aa/bb", "a,b", "a-b", "/", "b/a/b");
    Random random = new Random(20240611);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder glob = new StringBuilder();
      int length = 1 + random.nextInt(7);
      for (int i = 0; i < length; i++) {
        glob.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String g = glob.toString();
      if (linuxMistranslates(g)) {
        continue;
      }
      assertThat(outcome(dax, "glob:" + g, paths))
          .as(g)
          .isEqualTo(outcome(jdk, "glob:" + g, paths));
    }
  }

  /**
   * The JDK copies the end of a class range into the regex unescaped, so a range ending in {@code
   * \}, {@code [} or {@code &} garbles the rest of its regex. Linux has no opinion there; daxfs
   * takes the character literally.
   */
  private static boolean linuxMistranslates(String glob) {
    return glob.matches(".*\\[[^\\]]*-[\\\\\\[&].*");
  }

  @Test
  void rangeEndsAreLiteral() {
    PathMatcher m = DaxPathMatcher.of("glob:[%-\\]");
    assertThat(m.matches(dax.getPath("%"))).isTrue();
    assertThat(m.matches(dax.getPath("A"))).isTrue();
    assertThat(m.matches(dax.getPath("\\"))).isTrue();
    assertThat(m.matches(dax.getPath("]"))).isFalse();
    PathMatcher amp = DaxPathMatcher.of("glob:[%-&&]");
    assertThat(amp.matches(dax.getPath("&"))).isTrue();
    assertThat(amp.matches(dax.getPath("%"))).isTrue();
    assertThat(amp.matches(dax.getPath("a"))).isFalse();
  }

  /** A class never matches '/', even negated or as a range spanning it. */
  @Test
  void classesNeverMatchSlash() {
    for (String glob : List.of("[!a]", "[%-0]", "[!-]", "a[!b]c")) {
      PathMatcher m = DaxPathMatcher.of("glob:" + glob);
      assertThat(m.matches(dax.getPath(glob.startsWith("a") ? "a/c" : "/"))).as(glob).isFalse();
    }
    assertThat(DaxPathMatcher.of("glob:a[!b]c").matches(dax.getPath("axc"))).isTrue();
  }

  /**
   * Deliberately unlike the JDK and Jimfs, whose {@code **} is a regex {@code .*} that stops at
   * line terminators: {@code **} is "any characters", and Linux names may contain a newline.
   */
  @Test
  void doubleStarCrossesLineTerminators() {
    assertThat(DaxPathMatcher.of("glob:**").matches(dax.getPath("a\nb/c"))).isTrue();
    assertThat(DaxPathMatcher.of("glob:a/**").matches(dax.getPath("a/x\r\ny"))).isTrue();
    assertThat(DaxPathMatcher.of("glob:*").matches(dax.getPath("a\nb"))).isTrue();
    assertThat(DaxPathMatcher.of("glob:a?b").matches(dax.getPath("a\nb"))).isTrue();
  }

  @Test
  void nonAsciiGlobs() {
    List<String> paths =
        List.of(
            "\u00e9", "\u00e9t\u00e9", "\uD83D\uDE00", "a\uD83D\uDE00", "\u00fc", "\uE000", "e");
    for (String glob :
        List.of(
            "\u00e9*",
            "?",
            "a?",
            "[\u00e0-\u00fc]",
            "[!\u00e9]",
            "*\uD83D\uDE00",
            "\\\u00e9t\u00e9",
            "{\u00e9,\u00fc}")) {
      assertThat(outcome(dax, "glob:" + glob, paths))
          .as(glob)
          .isEqualTo(outcome(jimfs, "glob:" + glob, paths));
    }
    // A class member is a code point: a range can start or end outside the BMP.
    PathMatcher m = DaxPathMatcher.of("glob:[\uD83D\uDE00-\uD83D\uDE4F]");
    assertThat(m.matches(dax.getPath("\uD83D\uDE03"))).isTrue();
    assertThat(m.matches(dax.getPath("\uD83D\uDE50"))).isFalse();
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(
      strings = {
        "regex:.*",
        "regex:a|b",
        "regex:[ab]/c",
        "regex:",
        "regex:(?i)A",
        "REGEX:a.*",
        "Regex:a",
        "GLOB:a*",
        "GlOb:{a,b}",
        "glob:",
        "regex:[",
        "regex:a{",
        "regex:*",
        "glob:[",
        "glob:{"
      })
  void syntaxes(String syntaxAndPattern) {
    String actual = outcome(dax, syntaxAndPattern, PATHS);
    assertThat(actual).isEqualTo(outcome(jdk, syntaxAndPattern, PATHS));
    assertThat(actual).isEqualTo(outcome(jimfs, syntaxAndPattern, PATHS));
  }

  @Test
  void badSyntax() {
    for (String bad : List.of("", "glob", ":x", ":", "*.java")) {
      assertThatThrownBy(() -> dax.getPathMatcher(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> jdk.getPathMatcher(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> dax.getPathMatcher("foo:a"))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessage("Syntax 'foo' not recognized");
    assertThatThrownBy(() -> dax.getPathMatcher("globs:a"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> dax.getPathMatcher(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void badGlobsReportWhere() {
    assertThatThrownBy(() -> DaxPathMatcher.of("glob:ab[c"))
        .isInstanceOfSatisfying(
            PatternSyntaxException.class,
            e -> {
              assertThat(e.getPattern()).isEqualTo("ab[c");
              assertThat(e.getIndex()).isEqualTo(2);
            });
    assertThatThrownBy(() -> DaxPathMatcher.of("glob:{a,{b}}"))
        .isInstanceOfSatisfying(
            PatternSyntaxException.class, e -> assertThat(e.getIndex()).isEqualTo(3));
    assertThatThrownBy(() -> DaxPathMatcher.of("glob:a\\"))
        .isInstanceOfSatisfying(
            PatternSyntaxException.class, e -> assertThat(e.getIndex()).isEqualTo(1));
    assertThatThrownBy(() -> DaxPathMatcher.of("glob:[z-a]"))
        .isInstanceOfSatisfying(
            PatternSyntaxException.class, e -> assertThat(e.getIndex()).isEqualTo(2));
  }

  @Test
  void matchesTheWholePathString() {
    assertThat(dax.getPathMatcher("glob:/a/b").matches(dax.getPath("//a//b/"))).isTrue();
    assertThat(dax.getPathMatcher("glob:a/./b").matches(dax.getPath("a/./b"))).isTrue();
    assertThat(dax.getPathMatcher("glob:b").matches(dax.getPath("a/b"))).isFalse();
    assertThat(dax.getPathMatcher("regex:b").matches(dax.getPath("a/b"))).isFalse();
    assertThat(dax.getPathMatcher("glob:").matches(dax.getPath(""))).isTrue();
    assertThat(dax.getPathMatcher("glob:/").matches(dax.getPath("/"))).isTrue();
    // Any Path is matched by its string, as the JDK's matchers do.
    assertThat(dax.getPathMatcher("glob:*.txt").matches(jdk.getPath("x.txt"))).isTrue();
    assertThat(dax.getPathMatcher("glob:*.txt")).hasToString("glob:*.txt");
  }
}
