package io.larder.spi;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A cache URL split into scheme, body and options: {@code scheme:body?name=value&...}.
 *
 * <p>The body is what lies between the scheme's colon and the {@code ?}: a path for
 * {@code sqlite:data/cache.db}, {@code //host:port/db} for {@code redis://host:port/db}.
 * Option names match without regard to case. Each option read is remembered, so that
 * options nobody read can be reported as unknown.
 */
public final class StoreUrl {
  private final String url;
  private final String scheme;
  private final String body;
  private final Map<String, String> options; // lower-case name -> value
  private final Set<String> read = Collections.synchronizedSet(new TreeSet<>());

  private StoreUrl(String url, String scheme, String body, Map<String, String> options) {
    this.url = url;
    this.scheme = scheme;
    this.body = body;
    this.options = options;
  }

  /**
   * Parses a cache URL.
   *
   * @param url for example {@code sqlite:data/cache.db?ttl=60s}
   * @return the parsed URL
   * @throws NullPointerException if {@code url} is null
   * @throws IllegalArgumentException if there is no scheme, or an option is repeated or has
   *     no name
   */
  public static StoreUrl parse(String url) {
    Objects.requireNonNull(url, "url");
    int colon = url.indexOf(':');
    if (colon <= 0 || !url.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
      throw new IllegalArgumentException(
          "cache URL has no scheme: '" + redact(url) + "' (expected e.g. mem:, sqlite:file.db)");
    }
    String scheme = url.substring(0, colon).toLowerCase(Locale.ROOT);
    String rest = url.substring(colon + 1);
    int question = rest.indexOf('?');
    String body = question < 0 ? rest : rest.substring(0, question);
    Map<String, String> options = new LinkedHashMap<>();
    if (question >= 0) {
      for (String pair : rest.substring(question + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (name.isEmpty()) {
          throw new IllegalArgumentException("option without a name in '" + redact(url) + "'");
        }
        if (options.putIfAbsent(name.toLowerCase(Locale.ROOT), value) != null) {
          throw new IllegalArgumentException(
              "option '" + name + "' given twice in '" + redact(url) + "'");
        }
      }
    }
    return new StoreUrl(url, scheme, body, options);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /**
   * Returns the scheme in lower case, without the colon.
   *
   * @return for example {@code "sqlite"}
   */
  public String scheme() {
    return scheme;
  }

  /**
   * Returns what lies between the scheme's colon and the query.
   *
   * @return for example {@code "data/cache.db"} or {@code "//localhost:6379/0"}
   */
  public String body() {
    return body;
  }

  /**
   * Reads an option and marks it as known.
   *
   * @param name the option name, matched without regard to case
   * @return its value ({@code ""} for {@code ?flag}), or empty if absent
   */
  public Optional<String> option(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    read.add(lower);
    return Optional.ofNullable(options.get(lower));
  }

  /**
   * Reads a duration option such as {@code 250ms}, {@code 60s}, {@code 5m}, {@code 2h} or
   * {@code 1d}; a bare number is seconds.
   *
   * @param name the option name
   * @return the duration, or empty if absent
   * @throws IllegalArgumentException if the value is not a duration, naming the option
   */
  public Optional<Duration> durationOption(String name) {
    return option(name).map(v -> parseDuration(name, v));
  }

  /**
   * Reads a size option such as {@code 512}, {@code 64k}, {@code 64m} or {@code 1g}
   * (binary multiples).
   *
   * @param name the option name
   * @return the size in bytes, or empty if absent
   * @throws IllegalArgumentException if the value is not a non-negative size, naming the
   *     option
   */
  public Optional<Long> sizeOption(String name) {
    return option(name).map(v -> parseSize(name, v));
  }

  /**
   * Reads a boolean option: {@code true}/{@code false}, {@code yes}/{@code no},
   * {@code 1}/{@code 0}, or the bare name for {@code true}.
   *
   * @param name the option name
   * @return the flag, or empty if absent
   * @throws IllegalArgumentException if the value is not a boolean, naming the option
   */
  public Optional<Boolean> booleanOption(String name) {
    return option(name).map(v -> {
      switch (v.toLowerCase(Locale.ROOT)) {
        case "": case "true": case "yes": case "1": return true;
        case "false": case "no": case "0": return false;
        default:
          throw new IllegalArgumentException(
              "option '" + name + "' must be true or false, was '" + v + "'");
      }
    });
  }

  /**
   * Returns the names of options present in the URL that nobody has read.
   *
   * @return the unread option names, sorted
   */
  public Set<String> unreadOptions() {
    Set<String> unread = new TreeSet<>(options.keySet());
    unread.removeAll(read);
    return unread;
  }

  /**
   * Returns the URL with any password replaced by {@code ***}, for messages and logs.
   *
   * @return the redacted URL
   */
  public String redacted() {
    return redact(url);
  }

  @Override
  public String toString() {
    return redacted();
  }

  static String redact(String url) {
    // user:password@ in an authority, and password=... in the query
    return url.replaceAll("(//[^/@?]*?:)[^/@?]*@", "$1***@")
        .replaceAll("(?i)([?&]password=)[^&]*", "$1***");
  }

  /**
   * Parses a duration as written in URLs and configuration: {@code 250ms}, {@code 60s},
   * {@code 5m}, {@code 2h}, {@code 1d}, or a bare number of seconds.
   *
   * @param name the option being parsed, for the error message
   * @param text the text
   * @return the duration
   * @throws IllegalArgumentException if the text is not a duration
   */
  public static Duration parseDuration(String name, String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < t.length() && Character.isDigit(t.charAt(i))) {
      i++;
    }
    if (i == 0 || i > 18) {
      throw new IllegalArgumentException("option '" + name + "' must be a duration like "
          + "250ms, 60s, 5m, 2h or 1d, was '" + text + "'");
    }
    long n = Long.parseLong(t.substring(0, i));
    try {
      switch (t.substring(i)) {
        case "ms": return Duration.ofMillis(n);
        case "": case "s": return Duration.ofSeconds(n);
        case "m": return Duration.ofMinutes(n);
        case "h": return Duration.ofHours(n);
        case "d": return Duration.ofDays(n);
        default:
          throw new IllegalArgumentException("option '" + name + "' has an unknown unit in '"
              + text + "' (use ms, s, m, h or d)");
      }
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("option '" + name + "' is too large: '" + text + "'", e);
    }
  }

  private static long parseSize(String name, String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    long multiplier = 1;
    if (t.endsWith("k") || t.endsWith("m") || t.endsWith("g")) {
      multiplier = t.endsWith("k") ? 1L << 10 : t.endsWith("m") ? 1L << 20 : 1L << 30;
      t = t.substring(0, t.length() - 1);
    }
    if (t.isEmpty() || t.length() > 12 || !t.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException(
          "option '" + name + "' must be a size like 4096, 64k, 64m or 1g, was '" + text + "'");
    }
    try {
      return Math.multiplyExact(Long.parseLong(t), multiplier);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("option '" + name + "' is too large: '" + text + "'", e);
    }
  }
}
