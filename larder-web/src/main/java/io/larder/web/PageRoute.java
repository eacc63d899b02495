package io.larder.web;

import io.larder.spi.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the page cache treats the paths one pattern matches: how long their pages live, which
 * tags they carry, which query parameters their keys ignore, whether requests with
 * credentials may share them, how their preload scope is named. Routes are immutable; each
 * option may be set once.
 *
 * <pre>{@code
 * PageRoute books = PageRoute.of("/books/{id}").ttl(Duration.ofMinutes(10)).tags("book:{id}");
 * PageRoute about = PageRoute.of("/about").shareAuthorized();   // the same page for everybody
 * PageRoute admin = PageRoute.of("/admin/**").bypass();         // never cached
 * }</pre>
 *
 * <p>Patterns are matched against the path within the servlet context, segment by segment:
 * a literal segment matches itself, {@code {name}} or {@code *} matches any one non-empty
 * segment (a named one can be used in tags), and a final {@code **} matches any rest,
 * including none.
 */
public final class PageRoute {
  /**
   * The tracking parameters every route leaves out of its keys unless told
   * {@link #keepTrackingParams()}: names and prefixes ({@code utm_*}) that analytics and ad
   * platforms append to shared links ({@code fbclid}, {@code gclid}, {@code msclkid},
   * {@code mc_cid}, {@code _ga}, ...).
   */
  public static final List<String> TRACKING_PARAMS = QueryRule.TRACKING;

  private static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private final String pattern;
  private final String[] segments;
  private final Duration ttl;
  private final List<String> tags;
  private final boolean shareAuthorized;
  private final boolean bypass;
  private final boolean preloadByRoute;
  private final QueryRule query;
  private final Boolean admit;
  private final Set<String> set;

  private PageRoute(String pattern, String[] segments, Duration ttl, List<String> tags,
      boolean shareAuthorized, boolean bypass, boolean preloadByRoute, QueryRule query,
      Boolean admit, Set<String> set) {
    this.pattern = pattern;
    this.segments = segments;
    this.ttl = ttl;
    this.tags = tags;
    this.shareAuthorized = shareAuthorized;
    this.bypass = bypass;
    this.preloadByRoute = preloadByRoute;
    this.query = query;
    this.admit = admit;
    this.set = set;
  }

  /**
   * Returns a route for a path pattern, with no options set.
   *
   * @param pattern for example {@code "/books/{id}"}, {@code "/static/**"}, {@code "/"}
   * @return the route
   * @throws NullPointerException if {@code pattern} is null
   * @throws IllegalArgumentException if the pattern does not start with {@code /}, names a
   *     variable twice, or has {@code **} anywhere but at the end
   */
  public static PageRoute of(String pattern) {
    Objects.requireNonNull(pattern, "pattern");
    if (!pattern.startsWith("/")) {
      throw new IllegalArgumentException("a route pattern starts with '/', was '" + pattern + "'");
    }
    String[] segments = pattern.substring(1).split("/", -1);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      if (s.equals("**") && i != segments.length - 1) {
        throw new IllegalArgumentException("'**' may only end a route pattern, in '" + pattern + "'");
      }
      Matcher m = VARIABLE.matcher(s);
      if (s.startsWith("{")) {
        if (!m.matches()) {
          throw new IllegalArgumentException("bad variable segment '" + s + "' in '" + pattern + "'");
        }
        if (names.contains(m.group(1))) {
          throw new IllegalArgumentException("variable {" + m.group(1) + "} appears twice in '"
              + pattern + "'");
        }
        names.add(m.group(1));
      }
    }
    return new PageRoute(pattern, segments, null, List.of(), false, false, false,
        QueryRule.DEFAULT, null, Set.of());
  }

  /**
   * Sets how long pages of this route live when the response gives no {@code s-maxage},
   * {@code max-age} or {@code Expires}; otherwise the filter's default TTL applies.
   *
   * @param ttl a positive duration
   * @return a copy of this route with the TTL
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   * @throws IllegalStateException if a TTL was already set
   */
  public PageRoute ttl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (this.ttl != null) {
      throw new IllegalStateException("ttl was already set on route " + pattern);
    }
    Durations.requirePositive(ttl, "ttl");
    return new PageRoute(pattern, segments, ttl, tags, shareAuthorized, bypass, preloadByRoute,
        query, admit, set);
  }

  /**
   * Tags every page of this route, so that {@link io.larder.Cache#invalidateTag} removes it.
   * A tag may use the pattern's variables: {@code "book:{id}"} on {@code /books/{id}} tags
   * {@code /books/312} with {@code book:312} (the segment as sent in the URL).
   *
   * @param tags tag templates
   * @return a copy of this route with the tags
   * @throws IllegalArgumentException if a tag is empty or uses a variable the pattern lacks
   * @throws IllegalStateException if tags were already set
   */
  public PageRoute tags(String... tags) {
    Objects.requireNonNull(tags, "tags");
    if (!this.tags.isEmpty()) {
      throw new IllegalStateException("tags were already set on route " + pattern);
    }
    for (String tag : tags) {
      Objects.requireNonNull(tag, "tag");
      if (tag.isEmpty()) {
        throw new IllegalArgumentException("a tag must not be empty");
      }
      Matcher m = VARIABLE.matcher(tag);
      while (m.find()) {
        if (!Arrays.asList(segments).contains("{" + m.group(1) + "}")) {
          throw new IllegalArgumentException("tag '" + tag + "' uses {" + m.group(1)
              + "}, which route " + pattern + " does not have");
        }
      }
    }
    return new PageRoute(pattern, segments, ttl, List.of(tags), shareAuthorized, bypass,
        preloadByRoute, query, admit, set);
  }

  /**
   * Lets requests with an {@code Authorization} header or a session use the shared page
   * cache: read pages from it and store theirs in it. Only for pages that are the same for
   * every user, whoever is logged in.
   *
   * @return a copy of this route that shares pages with authorized requests
   * @throws IllegalStateException if already set
   */
  public PageRoute shareAuthorized() {
    if (shareAuthorized) {
      throw new IllegalStateException("shareAuthorized was already set on route " + pattern);
    }
    return new PageRoute(pattern, segments, ttl, tags, true, bypass, preloadByRoute, query,
        admit, set);
  }

  /**
   * Makes the filter step aside for this route: its pages are never cached, get no
   * {@code X-Cache} header and no preload scope (add a {@link PreloadFilter} for that).
   * For forms, counters, admin pages.
   *
   * @return a copy of this route that bypasses the page cache
   * @throws IllegalStateException if already set
   */
  public PageRoute bypass() {
    if (bypass) {
      throw new IllegalStateException("bypass was already set on route " + pattern);
    }
    return new PageRoute(pattern, segments, ttl, tags, shareAuthorized, true, preloadByRoute,
        query, admit, set);
  }

  /**
   * Names the learned preload scope of this route's pages after the pattern rather than the
   * path, so that all its pages share one list of keys: right when they read the same keys
   * (a dashboard with shared parts), wrong when each reads its own ({@code /books/{id}}).
   *
   * @return a copy of this route that names its scope by pattern
   * @throws IllegalStateException if already set
   */
  public PageRoute preloadByRoute() {
    if (preloadByRoute) {
      throw new IllegalStateException("preloadByRoute was already set on route " + pattern);
    }
    return new PageRoute(pattern, segments, ttl, tags, shareAuthorized, bypass, true, query,
        admit, set);
  }

  /**
   * Leaves query parameters out of the key of this route's pages, so that requests differing
   * only in them share one page. A pattern is a name ({@code "sessionRef"}) or a prefix ending
   * in {@code *} ({@code "utm_*"}). The parameters still reach the application; only the key
   * ignores them, so use this for parameters that do not change the page. The
   * {@link #TRACKING_PARAMS tracking parameters} are ignored already, unless
   * {@link #keepTrackingParams()} says otherwise.
   *
   * @param patterns parameter names or prefixes
   * @return a copy of this route that ignores the parameters
   * @throws IllegalArgumentException if a pattern is empty or has a {@code *} anywhere but
   *     at its end
   * @throws IllegalStateException if already set, or {@link #onlyParams} was set
   */
  public PageRoute ignoreParams(String... patterns) {
    Objects.requireNonNull(patterns, "patterns");
    return withQuery("ignoreParams", query.ignoring(List.of(patterns)));
  }

  /**
   * Keys this route's pages by the listed query parameters only; every other parameter is
   * ignored by the key (and still passed to the application). With no pattern, the query
   * is not part of the key at all.
   *
   * @param patterns parameter names or prefixes ending in {@code *}
   * @return a copy of this route that keys only the listed parameters
   * @throws IllegalArgumentException if a pattern is empty or has a {@code *} anywhere but
   *     at its end
   * @throws IllegalStateException if already set, or {@link #ignoreParams} was set
   */
  public PageRoute onlyParams(String... patterns) {
    Objects.requireNonNull(patterns, "patterns");
    return withQuery("onlyParams", query.only(List.of(patterns)));
  }

  /**
   * Puts the {@link #TRACKING_PARAMS tracking parameters} back into the key of this route's
   * pages: for a page that really shows something different for {@code utm_campaign}.
   *
   * @return a copy of this route that keys tracking parameters like any other
   * @throws IllegalStateException if already set
   */
  public PageRoute keepTrackingParams() {
    return withQuery("keepTrackingParams", query.ignoringTracking(false));
  }

  /**
   * Chooses whether this route's pages go through the cache's {@link io.larder.Admission}
   * sketch: {@code true} stores a page only when its key was missed often enough recently
   * (the sketch's settings are the cache's, or the defaults if its admission is off), so
   * one-off URLs cost no write; {@code false} stores every cacheable page. Without this,
   * the cache's {@code admit=} decides.
   *
   * @param admit whether pages must be admitted to be stored
   * @return a copy of this route with the choice
   * @throws IllegalStateException if already set
   */
  public PageRoute admit(boolean admit) {
    return with("admit", query, admit);
  }

  private PageRoute withQuery(String option, QueryRule rule) {
    return with(option, rule, admit);
  }

  private PageRoute with(String option, QueryRule rule, Boolean admits) {
    if (set.contains(option)) {
      throw new IllegalStateException(option + " was already set on route " + pattern);
    }
    Set<String> now = new HashSet<>(set);
    now.add(option);
    return new PageRoute(pattern, segments, ttl, tags, shareAuthorized, bypass, preloadByRoute,
        rule, admits, Set.copyOf(now));
  }

  /**
   * Returns the pattern.
   *
   * @return the pattern, as given
   */
  public String pattern() {
    return pattern;
  }

  /**
   * Returns the route's TTL, if set.
   *
   * @return the TTL
   */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /**
   * Returns the tag templates.
   *
   * @return the templates, unmodifiable
   */
  public List<String> tags() {
    return tags;
  }

  /**
   * Tells whether requests with credentials share this route's pages.
   *
   * @return whether {@link #shareAuthorized()} was set
   */
  public boolean sharesAuthorized() {
    return shareAuthorized;
  }

  /**
   * Tells whether this route is never cached.
   *
   * @return whether {@link #bypass()} was set
   */
  public boolean bypasses() {
    return bypass;
  }

  /**
   * Tells whether the preload scope is named by the pattern.
   *
   * @return whether {@link #preloadByRoute()} was set
   */
  public boolean preloadsByRoute() {
    return preloadByRoute;
  }

  /**
   * Tells whether this route's pages go through admission, if the route says.
   *
   * @return the choice of {@link #admit(boolean)}, or empty to follow the cache
   */
  public Optional<Boolean> admits() {
    return Optional.ofNullable(admit);
  }

  /** Returns which query parameters key this route's pages. */
  QueryRule query() {
    return query;
  }

  /** Matches a path within the context; returns the variables, or {@code null} if no match. */
  Map<String, String> match(String path) {
    if (!path.startsWith("/")) {
      return null;
    }
    String[] parts = path.substring(1).split("/", -1);
    Map<String, String> vars = new LinkedHashMap<>();
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      if (s.equals("**")) {
        return vars;
      }
      if (i >= parts.length) {
        return null;
      }
      if (s.equals("*") || s.startsWith("{")) {
        if (parts[i].isEmpty()) {
          return null;
        }
        if (s.startsWith("{")) {
          vars.put(s.substring(1, s.length() - 1), parts[i]);
        }
      } else if (!s.equals(parts[i])) {
        return null;
      }
    }
    return parts.length == segments.length ? vars : null;
  }

  /** Returns the tags of a matched path. */
  List<String> tagsFor(Map<String, String> vars) {
    List<String> out = new ArrayList<>(tags.size());
    for (String t : tags) {
      Matcher m = VARIABLE.matcher(t);
      out.add(m.replaceAll(r -> Matcher.quoteReplacement(vars.get(r.group(1)))));
    }
    return out;
  }

  @Override
  public String toString() {
    return "PageRoute[" + pattern + (ttl != null ? ", ttl=" + ttl : "")
        + (tags.isEmpty() ? "" : ", tags=" + tags) + (shareAuthorized ? ", shareAuthorized" : "")
        + (bypass ? ", bypass" : "") + (preloadByRoute ? ", preloadByRoute" : "")
        + (query == QueryRule.DEFAULT ? "" : ", query " + query)
        + (admit == null ? "" : ", admit=" + admit) + "]";
  }
}
