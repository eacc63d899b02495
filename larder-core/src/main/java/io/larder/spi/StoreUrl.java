package io.larder.spi;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

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
  // lower-case name -> the name as the reader wrote it, for "did you mean" hints
  private final Map<String, String> read = Collections.synchronizedMap(new TreeMap<>());

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
    read.putIfAbsent(lower, name);
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
   * An authority ({@code user:password@host:port,...}) split at its last {@code @}.
   *
   * @param user the user as written before {@code :} or {@code @}, decoded; "" if empty;
   *     {@code null} if there is no {@code @}
   * @param password the password after the {@code :}, decoded; {@code null} if none was given
   * @param hosts what follows the {@code @}, or the whole authority without one
   */
  public record Authority(@Nullable String user, @Nullable String password, String hosts) {}

  /**
   * Splits an authority of this URL into its user, password and hosts, decoding the user and
   * password ({@link #decode}).
   *
   * @param authority the part of the body between {@code //} and the path
   * @return the parts
   * @throws IllegalArgumentException if an escape in the user or password is malformed
   */
  public Authority authority(String authority) {
    int at = authority.lastIndexOf('@');
    if (at < 0) {
      return new Authority(null, null, authority);
    }
    String info = authority.substring(0, at);
    int colon = info.indexOf(':');
    return new Authority(decode(colon < 0 ? info : info.substring(0, colon), "user"),
        colon < 0 ? null : decode(info.substring(colon + 1), "password"),
        authority.substring(at + 1));
  }

  /**
   * Decodes the {@code %XX} escapes (UTF-8) of a part of this URL's body, such as the user or
   * password of {@code //user:password@host}; unlike form decoding, {@code +} stays a plus.
   *
   * @param text the part as written
   * @param part what the part is, for the message, for example {@code "password"}
   * @return the decoded text
   * @throws IllegalArgumentException if an escape is malformed, naming the part and the
   *     redacted URL but never the text, which may be a password
   */
  public String decode(String text, String part) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
    int i = 0;
    while (i < text.length()) {
      int percent = text.indexOf('%', i);
      int end = percent < 0 ? text.length() : percent;
      byte[] run = text.substring(i, end).getBytes(StandardCharsets.UTF_8);
      out.write(run, 0, run.length);
      if (percent < 0) {
        break;
      }
      int hi = percent + 2 < text.length() ? Character.digit(text.charAt(percent + 1), 16) : -1;
      int lo = hi < 0 ? -1 : Character.digit(text.charAt(percent + 2), 16);
      if (lo < 0) {
        throw new IllegalArgumentException("bad %-escape in the " + part + " of '" + redacted()
            + "'");
      }
      out.write(hi << 4 | lo);
      i = percent + 3;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Returns the names of options present in the URL that nobody has read.
   *
   * @return the unread option names, sorted
   */
  public Set<String> unreadOptions() {
    Set<String> unread = new TreeSet<>(options.keySet());
    synchronized (read) {
      unread.removeAll(read.keySet());
    }
    return unread;
  }

  /**
   * Describes the options nobody has read as an error message, with a "did you mean" for
   * each one that is a likely typo of an option that was read.
   *
   * @return for example {@code unknown option [tll] in 'mem:?tll=5m' (did you mean 'ttl'?)},
   *     or {@code ""} when every option was read
   */
  public String unknownOptionsMessage() {
    Set<String> unknown = unreadOptions();
    if (unknown.isEmpty()) {
      return "";
    }
    Set<String> known;
    synchronized (read) {
      known = new TreeSet<>(read.values());
    }
    StringBuilder hints = new StringBuilder();
    for (String name : unknown) {
      List<String> meant = closest(name, known);
      if (!meant.isEmpty()) {
        hints.append(hints.length() == 0 ? "" : ", ").append(quoteChoices(meant))
            .append(unknown.size() > 1 ? " for '" + name + "'" : "");
      }
    }
    return "unknown option" + (unknown.size() > 1 ? "s " : " ") + unknown + " in '" + redacted()
        + "'" + (hints.length() == 0 ? "" : " (did you mean " + hints + "?)");
  }

  /**
   * Returns the names among {@code known} that a mistyped {@code name} most likely meant, for
   * "did you mean" hints: those fewest edits away (a letter inserted, removed, replaced, or
   * two neighbours swapped; case ignored), if that is at most a third of the name's length (at
   * least one edit, at most three).
   *
   * @param name what was written, such as {@code "reddis"}
   * @param known the names that exist, such as {@code ["mem", "redis", "sqlite"]}
   * @return the likely meant names, sorted (several when equally close); empty when none is
   *     close or {@code name} is one of them
   * @throws NullPointerException if an argument is null
   */
  public static List<String> closest(String name, Collection<String> known) {
    Objects.requireNonNull(name, "name");
    String typed = name.toLowerCase(Locale.ROOT);
    int bestDistance = Math.max(1, Math.min(3, typed.length() / 3));
    List<String> best = new ArrayList<>();
    for (String candidate : new TreeSet<>(Objects.requireNonNull(known, "known"))) {
      int d = editDistance(typed, candidate.toLowerCase(Locale.ROOT));
      if (d == 0) {
        return List.of();
      }
      if (d < bestDistance) {
        best.clear();
        bestDistance = d;
      }
      if (d == bestDistance) {
        best.add(candidate);
      }
    }
    return List.copyOf(best);
  }

  /**
   * Writes {@link #closest} as a hint: {@code 'ttl'} or {@code 'tls' or 'ttl'}.
   *
   * @param names what {@link #closest} returned
   * @return the names quoted and joined with "or", {@code ""} if there are none
   * @throws NullPointerException if {@code names} is null
   */
  public static String quoteChoices(List<String> names) {
    return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(" or "));
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions, transpositions. */
  static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
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
