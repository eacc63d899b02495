package io.larder.web;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * The page cache's decisions, as pure functions of the request, the stored page, the
 * response and the time (in the manner of OkHttp's {@code CacheStrategy}): no I/O, the clock
 * passed in, so every rule is tested without a server.
 *
 * <ul>
 *   <li>{@link #bypassReason}: may this request use the shared cache at all?</li>
 *   <li>{@link #serve}: the answer to a request from a stored page: the page, or
 *       {@code 304 Not Modified}.</li>
 *   <li>{@link #decide}: may this response be stored, for how long, under which variant?</li>
 * </ul>
 */
final class PagePolicy {
  /** Header fields made anew for every response, or meaningful only on one connection. */
  private static final Set<String> NOT_STORED = Set.of("content-length", "date", "age",
      "x-cache", "etag", "set-cookie", "set-cookie2", "connection", "keep-alive",
      "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection", "proxy-authenticate");

  /** The fields a 304 carries (RFC 9110, section 15.4.5). */
  private static final Set<String> NOT_MODIFIED_FIELDS = Set.of("cache-control",
      "content-location", "expires", "vary");

  private final Set<Integer> statuses;
  private final Duration defaultTtl;

  PagePolicy(Set<Integer> statuses, Duration defaultTtl) {
    this.statuses = Set.copyOf(statuses);
    this.defaultTtl = Objects.requireNonNull(defaultTtl, "defaultTtl");
  }

  /**
   * Returns why a request may neither read nor fill the shared page cache, or {@code null}
   * if it may.
   *
   * @param route the route matching the request's path, or {@code null} for none
   */
  String bypassReason(PageRequest r, PageRoute route) {
    if (!r.method().equals("GET") && !r.method().equals("HEAD")) {
      return "method " + r.method();
    }
    if (route != null && route.bypasses()) {
      return "route " + route.pattern() + " bypasses the cache";
    }
    boolean shared = route != null && route.sharesAuthorized();
    if (!shared && r.header("Authorization") != null) {
      return "Authorization";
    }
    if (!shared && r.hasSession()) {
      return "session";
    }
    return null;
  }

  /** An answer from the cache: status, header fields, and the body or {@code null} for none. */
  record Answer(int status, List<Field> fields, byte[] body) {}

  /**
   * Answers a request from a stored page: {@code 304} when the request's
   * {@code If-None-Match} matches the page (for a 2xx page), else the page (without the body
   * for HEAD). Adds {@code ETag}, {@code Age} and {@code X-Cache: HIT}.
   */
  Answer serve(PageRequest r, StoredPage.Page page, Instant now) {
    long age = Math.max(0, (now.toEpochMilli() - page.storedAtMillis()) / 1000);
    List<Field> fields = new ArrayList<>();
    boolean notModified = page.status() / 100 == 2
        && matchesAny(r.headers("If-None-Match"), page.etag());
    if (notModified) {
      for (Field f : page.fields()) {
        if (NOT_MODIFIED_FIELDS.contains(f.name().toLowerCase(Locale.ROOT))) {
          fields.add(f);
        }
      }
    } else {
      fields.addAll(page.fields());
      fields.add(new Field("Content-Length", Integer.toString(page.body().length)));
    }
    fields.add(new Field("ETag", page.etag()));
    fields.add(new Field("Age", Long.toString(age)));
    fields.add(new Field("X-Cache", "HIT"));
    if (notModified) {
      return new Answer(304, fields, null);
    }
    return new Answer(page.status(), fields, r.isHead() ? null : page.body());
  }

  /**
   * What to do with a response: store it (a page, its TTL, the request headers it varies
   * on) or not (and why).
   *
   * @param page the page to store, or {@code null} when not storing
   * @param ttl how long to keep it
   * @param vary the request headers its variants depend on, lower case and sorted
   * @param reason why it is not stored, or {@code null} when storing
   */
  record Decision(StoredPage.Page page, Duration ttl, List<String> vary, String reason) {
    static Decision no(String reason) {
      return new Decision(null, null, List.of(), reason);
    }

    boolean store() {
      return page != null;
    }
  }

  /**
   * Decides whether a response may be stored. Never: a response that went out before it
   * ended, a status not in the list, {@code Set-Cookie}, {@code Cache-Control} private,
   * no-store or no-cache, {@code Vary: *}, or a lifetime of zero. The lifetime is
   * {@code s-maxage}, else {@code max-age}, else {@code Expires} minus now, else the route's
   * TTL, else the default.
   *
   * @param route the route matching the request's path, or {@code null} for none
   */
  Decision decide(PageRequest r, PageResponse resp, PageRoute route, Instant now) {
    if (resp.passedReason() != null) {
      return Decision.no("passed through: " + resp.passedReason());
    }
    if (!statuses.contains(resp.status())) {
      return Decision.no("status " + resp.status());
    }
    if (resp.setsCookie() || !resp.values("Set-Cookie").isEmpty()
        || !resp.values("Set-Cookie2").isEmpty()) {
      return Decision.no("Set-Cookie");
    }
    CacheControl cc = CacheControl.parse(resp.values("Cache-Control"));
    for (String directive : List.of("private", "no-store", "no-cache")) {
      if (cc.has(directive)) {
        return Decision.no("Cache-Control: " + directive);
      }
    }
    TreeSet<String> vary = new TreeSet<>();
    for (String value : resp.values("Vary")) {
      for (String name : value.split(",")) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("*")) {
          return Decision.no("Vary: *");
        }
        if (!n.isEmpty()) {
          vary.add(n);
        }
      }
    }
    Duration ttl = lifetime(cc, resp, route, now);
    if (ttl.isZero() || ttl.isNegative()) {
      return Decision.no("no lifetime left");
    }
    List<Field> fields = new ArrayList<>();
    for (Field f : resp.fields()) {
      if (!NOT_STORED.contains(f.name().toLowerCase(Locale.ROOT))) {
        fields.add(f);
      }
    }
    List<String> etags = resp.values("ETag");
    String etag = etags.isEmpty() ? strongEtag(resp.body()) : etags.get(0);
    StoredPage.Page page = new StoredPage.Page(resp.status(), fields, resp.body(), etag,
        now.toEpochMilli());
    return new Decision(page, ttl, List.copyOf(vary), null);
  }

  private Duration lifetime(CacheControl cc, PageResponse resp, PageRoute route, Instant now) {
    OptionalLong shared = cc.seconds("s-maxage");
    if (shared.isPresent()) {
      return Duration.ofSeconds(shared.getAsLong());
    }
    OptionalLong maxAge = cc.seconds("max-age");
    if (maxAge.isPresent()) {
      return Duration.ofSeconds(maxAge.getAsLong());
    }
    List<String> expires = resp.values("Expires");
    if (!expires.isEmpty()) {
      try {
        Instant at = ZonedDateTime.parse(expires.get(0).trim(),
            DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return Duration.between(now, at);
      } catch (DateTimeParseException e) {
        return Duration.ZERO; // an invalid Expires means "already expired" (RFC 9111, 5.3)
      }
    }
    if (route != null && route.ttl().isPresent()) {
      return route.ttl().get();
    }
    return defaultTtl;
  }

  /** A strong entity tag from the body: the first 128 bits of its SHA-256, base64url. */
  static String strongEtag(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return '"' + Base64.getUrlEncoder().withoutPadding()
          .encodeToString(java.util.Arrays.copyOf(digest, 16)) + '"';
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * Tells whether {@code If-None-Match} values match an entity tag, by weak comparison
   * (RFC 9110, section 13.1.2): {@code *} matches any, {@code W/} prefixes are ignored.
   */
  static boolean matchesAny(List<String> ifNoneMatch, String etag) {
    String opaque = opaque(etag);
    for (String value : ifNoneMatch) {
      int i = 0;
      int n = value.length();
      while (i < n) {
        char c = value.charAt(i);
        if (c == ' ' || c == '\t' || c == ',') {
          i++;
        } else if (c == '*') {
          return true;
        } else {
          int start = i;
          if (value.startsWith("W/", i)) {
            i += 2;
          }
          if (i < n && value.charAt(i) == '"') {
            int close = value.indexOf('"', i + 1);
            if (close < 0) {
              break;
            }
            if (opaque(value.substring(start, close + 1)).equals(opaque)) {
              return true;
            }
            i = close + 1;
          } else {
            // not an entity tag: skip to the next comma
            while (i < n && value.charAt(i) != ',') {
              i++;
            }
          }
        }
      }
    }
    return false;
  }

  private static String opaque(String etag) {
    return etag.startsWith("W/") ? etag.substring(2) : etag;
  }
}
