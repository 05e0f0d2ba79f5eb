package dev.sluice.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which requests a rule applies to: path patterns and, optionally, methods.
 *
 * <p>A pattern is a path of segments in which {@code **} matches any number of segments (none
 * included), {@code *} any characters within one segment, {@code ?} one character, and a whole
 * segment {@code {name}} any one segment: {@code /api/**}, {@code /users/{id}/orders}, {@code
 * /files/*.txt}. Empty segments are ignored on both sides, so that {@code //api/x/} is matched as
 * {@code /api/x}: a rule cannot be slipped past by writing a path another way. Matching is case
 * sensitive, on the decoded path within the application (without its context path). Immutable and
 * thread-safe.
 */
public final class RequestMatcher {

  private final List<String> patterns;
  private final List<String[]> compiled;
  private final Set<String> methods;

  private RequestMatcher(List<String> patterns, Set<String> methods) {
    this.patterns = List.copyOf(patterns);
    this.compiled = new ArrayList<>();
    for (String pattern : patterns) {
      List<String> segments = new ArrayList<>();
      for (String segment : segments(pattern)) {
        // "**/**" matches what "**" does; one wildcard keeps the backtracking linear.
        if (!(segment.equals("**")
            && !segments.isEmpty()
            && segments.get(segments.size() - 1).equals("**"))) {
          segments.add(segment);
        }
      }
      compiled.add(segments.toArray(new String[0]));
    }
    this.methods = Collections.unmodifiableSortedSet(new TreeSet<>(methods));
  }

  /**
   * A matcher of paths and methods.
   *
   * @param param the name of the setting, for messages, such as {@code rules[0]}
   * @param patterns one or more path patterns, each starting with {@code /}
   * @param methods the methods to match, in any case; empty for every method
   * @return the matcher
   * @throws IllegalArgumentException naming {@code param.path} or {@code param.methods} if a
   *     pattern or method is invalid
   */
  public static RequestMatcher of(String param, List<String> patterns, List<String> methods) {
    if (patterns == null || patterns.isEmpty()) {
      throw new IllegalArgumentException(
          param + ".path must be set: one or more path patterns such as /api/**");
    }
    for (String pattern : patterns) {
      if (pattern == null || !pattern.startsWith("/") || pattern.chars().anyMatch(c -> c <= ' ')) {
        throw new IllegalArgumentException(
            param
                + ".path must start with / and have no spaces, such as /api/**: '"
                + pattern
                + "'");
      }
    }
    Set<String> upper = new TreeSet<>();
    for (String method : methods == null ? List.<String>of() : methods) {
      if (method == null || !method.matches("[A-Za-z]{1,20}")) {
        throw new IllegalArgumentException(
            param + ".methods must be HTTP methods such as GET or POST: '" + method + "'");
      }
      upper.add(method.toUpperCase(Locale.ROOT));
    }
    return new RequestMatcher(patterns, upper);
  }

  /**
   * Whether a request matches.
   *
   * @param method the request's method
   * @param path the decoded path within the application
   * @return true if the method is one of the methods (or none are set) and a pattern matches
   */
  public boolean matches(String method, String path) {
    if (!methods.isEmpty() && !methods.contains(method.toUpperCase(Locale.ROOT))) {
      return false;
    }
    String[] segments = segments(path);
    for (String[] pattern : compiled) {
      if (matches(pattern, 0, segments, 0)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The patterns.
   *
   * @return the patterns as given
   */
  public List<String> patterns() {
    return patterns;
  }

  /**
   * The methods.
   *
   * @return the methods in upper case, sorted; empty for every method
   */
  public Set<String> methods() {
    return methods;
  }

  @Override
  public String toString() {
    return (methods.isEmpty() ? "" : String.join(",", methods) + " ") + String.join(" ", patterns);
  }

  private static String[] segments(String path) {
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (!segment.isEmpty()) {
        segments.add(segment);
      }
    }
    return segments.toArray(new String[0]);
  }

  private static boolean matches(String[] pattern, int p, String[] path, int s) {
    while (p < pattern.length) {
      if (pattern[p].equals("**")) {
        for (int skip = s; skip <= path.length; skip++) {
          if (matches(pattern, p + 1, path, skip)) {
            return true;
          }
        }
        return false;
      }
      if (s == path.length || !segment(pattern[p], path[s])) {
        return false;
      }
      p++;
      s++;
    }
    return s == path.length;
  }

  /** One segment against one pattern segment, with {@code *}, {@code ?} and {@code {name}}. */
  private static boolean segment(String pattern, String text) {
    if (pattern.length() > 2 && pattern.startsWith("{") && pattern.endsWith("}")) {
      return true;
    }
    return glob(pattern, 0, text, 0);
  }

  private static boolean glob(String pattern, int p, String text, int t) {
    while (p < pattern.length()) {
      char c = pattern.charAt(p);
      if (c == '*') {
        for (int skip = t; skip <= text.length(); skip++) {
          if (glob(pattern, p + 1, text, skip)) {
            return true;
          }
        }
        return false;
      }
      if (t == text.length() || (c != '?' && c != text.charAt(t))) {
        return false;
      }
      p++;
      t++;
    }
    return t == text.length();
  }
}
