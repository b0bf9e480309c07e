package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The matchers of {@link FileSystem#getPathMatcher}: {@code glob:} and {@code regex:} patterns,
 * matched against the whole of {@link Path#toString()}.
 */
final class DaxPathMatcher implements PathMatcher {
  private final String syntaxAndPattern;
  private final Pattern regex;

  private DaxPathMatcher(String syntaxAndPattern, Pattern regex) {
    this.syntaxAndPattern = syntaxAndPattern;
    this.regex = regex;
  }

  /**
   * A matcher for {@code syntax:pattern}; the syntax ({@code glob} or {@code regex}) is
   * case-insensitive.
   *
   * @throws NullPointerException if the argument is null
   * @throws IllegalArgumentException if it has no syntax before a colon
   * @throws UnsupportedOperationException if the syntax is neither glob nor regex
   * @throws PatternSyntaxException if the pattern is invalid
   */
  static PathMatcher of(String syntaxAndPattern) {
    int colon = requireNonNull(syntaxAndPattern, "syntaxAndPattern").indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "expected \"syntax:pattern\" with syntax glob or regex, got \""
              + syntaxAndPattern
              + "\"");
    }
    String syntax = syntaxAndPattern.substring(0, colon);
    String pattern = syntaxAndPattern.substring(colon + 1);
    Pattern regex;
    if (syntax.equalsIgnoreCase("glob")) {
      // DOTALL: "**" is "any characters", and Linux names may contain line terminators.
      regex = Pattern.compile(globToRegex(pattern), Pattern.DOTALL);
    } else if (syntax.equalsIgnoreCase("regex")) {
      regex = Pattern.compile(pattern);
    } else {
      throw new UnsupportedOperationException("Syntax '" + syntax + "' not recognized");
    }
    return new DaxPathMatcher(syntaxAndPattern, regex);
  }

  @Override
  public boolean matches(Path path) {
    return regex.matcher(path.toString()).matches();
  }

  @Override
  public String toString() {
    return syntaxAndPattern;
  }

  /**
   * Translates a glob into a regex for {@link java.util.regex.Matcher#matches()}. The language is
   * that of {@link FileSystem#getPathMatcher} on Unix: {@code *} and {@code ?} stay within a name,
   * {@code **} does not; {@code [...]} classes never match {@code '/'}, negate with a leading
   * {@code !}, and take {@code \}, {@code [}, {@code ^} and {@code &} literally; {@code {a,b}}
   * groups do not nest; {@code \} escapes the next character elsewhere.
   *
   * @throws PatternSyntaxException if the glob is malformed
   */
  static String globToRegex(String glob) {
    StringBuilder regex = new StringBuilder(glob.length() + 16);
    int groupStart = -1;
    int i = 0;
    while (i < glob.length()) {
      int start = i;
      int c = glob.codePointAt(i);
      i += Character.charCount(c);
      switch (c) {
        case '\\' -> {
          if (i >= glob.length()) {
            throw new PatternSyntaxException("Nothing to escape after '\\'", glob, start);
          }
          int escaped = glob.codePointAt(i);
          i += Character.charCount(escaped);
          appendLiteral(regex, escaped);
        }
        case '*' -> {
          if (i < glob.length() && glob.charAt(i) == '*') {
            i++;
            regex.append(".*");
          } else {
            regex.append("[^/]*");
          }
        }
        case '?' -> regex.append("[^/]");
        case '[' -> i = appendClass(glob, i, regex);
        case '{' -> {
          if (groupStart >= 0) {
            throw new PatternSyntaxException("Groups cannot be nested", glob, start);
          }
          groupStart = start;
          regex.append("(?:");
        }
        case '}' -> {
          if (groupStart >= 0) {
            groupStart = -1;
            regex.append(')');
          } else {
            appendLiteral(regex, c);
          }
        }
        case ',' -> {
          if (groupStart >= 0) {
            regex.append('|');
          } else {
            appendLiteral(regex, c);
          }
        }
        default -> appendLiteral(regex, c);
      }
    }
    if (groupStart >= 0) {
      throw new PatternSyntaxException("Unclosed group", glob, groupStart);
    }
    return regex.toString();
  }

  /**
   * Translates the class whose contents start at {@code from} (just after the {@code '['}) and
   * returns the index just after its {@code ']'}.
   */
  private static int appendClass(String glob, int from, StringBuilder regex) {
    int open = from - 1;
    int i = from;
    boolean negate = i < glob.length() && glob.charAt(i) == '!';
    if (negate) {
      i++;
    }
    if (i < glob.length() && glob.charAt(i) == ']') {
      // Regex and POSIX would read a leading ']' as a member; the JDK rejects it, so do we.
      throw new PatternSyntaxException("Empty character class", glob, open);
    }
    StringBuilder members = new StringBuilder();
    int first = i;
    // The last single member, which a following '-' turns into a range start; -1 when there is
    // none (start of class, or just after a range), where the JDK rejects a non-leading '-'.
    int rangeStart = -1;
    while (true) {
      if (i >= glob.length()) {
        throw new PatternSyntaxException("Unclosed character class", glob, open);
      }
      int at = i;
      int c = glob.codePointAt(i);
      i += Character.charCount(c);
      if (c == ']') {
        break;
      }
      if (c == '/') {
        throw new PatternSyntaxException("'/' cannot be in a character class", glob, at);
      }
      if (c == '-' && at != first) {
        if (rangeStart < 0) {
          throw new PatternSyntaxException("Invalid range", glob, at);
        }
        if (i < glob.length() && glob.charAt(i) == ']') {
          appendLiteral(members, c); // a trailing '-' is a member
          continue;
        }
        if (i >= glob.length()) {
          throw new PatternSyntaxException("Unclosed character class", glob, open);
        }
        int end = glob.codePointAt(i);
        i += Character.charCount(end);
        if (end < rangeStart) {
          throw new PatternSyntaxException("Invalid range", glob, at);
        }
        members.append('-');
        appendLiteral(members, end);
        rangeStart = -1;
      } else {
        appendLiteral(members, c);
        rangeStart = c == '-' ? -1 : c;
      }
    }
    // The look-ahead keeps '/' out even of negated classes and of ranges spanning it.
    regex.append("(?!/)[").append(negate ? "^" : "").append(members).append(']');
    return i;
  }

  /** Appends {@code c} so that it matches itself, inside or outside a regex class. */
  private static void appendLiteral(StringBuilder regex, int c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      regex.append((char) c);
    } else {
      regex.append("\\x{").append(Integer.toHexString(c)).append('}');
    }
  }
}
