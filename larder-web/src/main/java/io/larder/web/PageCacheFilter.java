package io.larder.web;

import io.larder.Cache;
import io.larder.CacheException;
import io.larder.Preload;
import io.larder.spi.Durations;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;

/**
 * A servlet filter that caches whole pages in a {@link Cache}, and gives every page it
 * renders a learned preload scope, so that the page's own cache reads (fragments, memoized
 * functions) cost one round trip.
 *
 * <pre>{@code
 * PageCacheFilter pages = PageCacheFilter.builder(cache.namespace("pages"))
 *     .route(PageRoute.of("/books/{id}").ttl(Duration.ofMinutes(10)).tags("book:{id}"))
 *     .route(PageRoute.of("/account/**").bypass())
 *     .build();
 * context.addFilter(new FilterHolder(pages), "/*", EnumSet.of(DispatcherType.REQUEST));
 * // later, when book 312 changes:
 * cache.invalidateTag("book:312");
 * }</pre>
 *
 * <h2>What is cached</h2>
 * <ul>
 *   <li>Only GET and HEAD requests (a HEAD is answered from the page a GET stored; a HEAD
 *       that misses is passed to the application and stores nothing), and only responses
 *       whose status is in {@link Builder#cacheableStatuses} (200 by default).</li>
 *   <li>Never a response with {@code Set-Cookie} (or that started a session), with
 *       {@code Cache-Control: private}, {@code no-store} or {@code no-cache}, or with
 *       {@code Vary: *}; never a response the application committed early
 *       ({@code flushBuffer}, {@code sendError}, {@code sendRedirect}), nor one whose body
 *       passed {@link Builder#maxBodyBytes} (it is streamed to the client, not buffered).</li>
 *   <li>A request with an {@code Authorization} header or a session (cookie or URL) neither
 *       reads nor fills the shared cache, unless its route {@link PageRoute#shareAuthorized()
 *       says so}.</li>
 *   <li>The key covers GET/HEAD, scheme, host, port, path, the query parameters sorted by
 *       name and percent-decoded, and the request's values of every header the response
 *       listed in {@code Vary}; every part is length-prefixed, so different requests never
 *       share a key. The key leaves out {@link PageRoute#TRACKING_PARAMS tracking
 *       parameters} ({@code utm_*}, {@code fbclid}, ...) and those a route
 *       {@link PageRoute#ignoreParams ignores}; the application still sees them all.</li>
 *   <li>With admission on (the cache's {@code admit=}, or {@link PageRoute#admit(boolean)}),
 *       each request of a page counts in the cache's admission sketch (no round trip), and a
 *       page is stored only when its key was asked for often enough recently: a one-off URL
 *       is looked up with a plain read, rendered without learned scopes, sent and not
 *       stored, so it costs no write at all.</li>
 *   <li>A page lives for the response's {@code s-maxage}, else {@code max-age}, else until
 *       {@code Expires}, else its route's TTL, else {@link Builder#defaultTtl} (60 s).</li>
 * </ul>
 *
 * <h2>What clients see</h2>
 * {@code X-Cache: HIT} or {@code MISS} on every GET and HEAD (but on routes that
 * {@link PageRoute#bypass() bypass} the filter); on a hit, {@code Age} and the
 * stored headers; on every stored page a strong {@code ETag} (a hash of the body) unless the
 * application set its own; {@code If-None-Match} answered {@code 304} from the cache.
 *
 * <h2>Round trips</h2>
 * A hit costs one bulk read: the lookup runs in a learned preload scope, which fetches the
 * page with its variant and its tags' generations together. To teach that scope, the
 * filter reads a page back once right after storing it. A miss runs the application inside
 * a second learned scope named after the path (or the route, see
 * {@link PageRoute#preloadByRoute()}), so the page's own reads come in one bulk read too.
 *
 * <p>The filter never turns a cache failure into an error page: a failing store reads as a
 * miss and the page is rendered. Instances are thread-safe.
 */
public final class PageCacheFilter implements Filter {
  private static final System.Logger LOG = System.getLogger(PageCacheFilter.class.getName());
  private static final String TAGS = PageCacheFilter.class.getName() + ".tags";

  private final Cache cache;
  private final List<PageRoute> routes;
  private final PagePolicy policy;
  private final long maxBodyBytes;
  private final Set<String> sessionCookies;
  private volatile String contextSessionCookie;
  private final InstantSource clock;
  private final boolean keepTracking;

  private final LongAdder hits = new LongAdder();
  private final LongAdder notModified = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder stores = new LongAdder();
  private final LongAdder bypasses = new LongAdder();
  private final LongAdder missNanos = new LongAdder();
  private final LongAdder hitNanos = new LongAdder();
  private final LongAdder notAdmitted = new LongAdder();

  private PageCacheFilter(Builder b) {
    this.cache = b.cache;
    this.routes = List.copyOf(b.routes);
    this.policy = new PagePolicy(b.statuses, b.defaultTtl);
    this.maxBodyBytes = b.maxBodyBytes;
    this.sessionCookies = Set.copyOf(b.sessionCookies);
    this.clock = b.clock;
    this.keepTracking = b.keepTracking;
  }

  /**
   * Returns a builder for a filter storing pages in {@code cache} (usually a namespace of
   * their own, such as {@code cache.namespace("pages")}).
   *
   * @param cache the cache
   * @return the builder
   * @throws NullPointerException if {@code cache} is null
   */
  public static Builder builder(Cache cache) {
    return new Builder(Objects.requireNonNull(cache, "cache"));
  }

  /**
   * Tags the page being rendered for this request, in addition to its route's tags, so that
   * {@link Cache#invalidateTag} removes it. Call it from the servlet or template code that
   * renders the page; it does nothing if the page is not stored.
   *
   * <pre>{@code
   * PageCacheFilter.tag(request, "author:" + book.authorId());
   * }</pre>
   *
   * @param request the request
   * @param tags non-empty tag names
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a tag is empty
   */
  public static void tag(ServletRequest request, String... tags) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(tags, "tags");
    @SuppressWarnings("unchecked")
    Set<String> set = (Set<String>) request.getAttribute(TAGS);
    if (set == null) {
      set = new LinkedHashSet<>();
      request.setAttribute(TAGS, set);
    }
    for (String tag : tags) {
      Objects.requireNonNull(tag, "tag");
      if (tag.isEmpty()) {
        throw new IllegalArgumentException("a tag must not be empty");
      }
      set.add(tag);
    }
  }

  /**
   * Returns a snapshot of this filter's counters.
   *
   * @return the stats
   */
  public PageCacheStats stats() {
    return new PageCacheStats(hits.sum(), notModified.sum(), misses.sum(), stores.sum(),
        bypasses.sum(), missNanos.sum(), hitNanos.sum(), notAdmitted.sum());
  }

  /**
   * Learns the servlet context's session cookie name, if it has one of its own.
   *
   * @param config the filter's configuration
   */
  @Override
  public void init(FilterConfig config) {
    // a context without session support may have no cookie config at all
    if (config != null && config.getServletContext() != null
        && config.getServletContext().getSessionCookieConfig() != null) {
      contextSessionCookie = config.getServletContext().getSessionCookieConfig().getName();
    }
  }

  /**
   * Answers the request from the cache, or lets the application answer it and stores the
   * response when the rules allow.
   *
   * @param request the request
   * @param response the response
   * @param chain the rest of the chain
   * @throws IOException if writing the response fails
   * @throws ServletException if the application throws it
   */
  @Override
  @SuppressWarnings("try") // scopes are opened for their effect on the cache reads inside
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse res)
        || req.getDispatcherType() != DispatcherType.REQUEST) {
      chain.doFilter(request, response);
      return;
    }
    String path = pathInContext(req);
    PageRoute route = null;
    Map<String, String> vars = Map.of();
    for (PageRoute r : routes) {
      Map<String, String> m = r.match(path);
      if (m != null) {
        route = r;
        vars = m;
        break;
      }
    }
    if (route != null && route.bypasses()) {
      bypasses.increment();
      chain.doFilter(req, res);
      return;
    }
    PageRequest pr = pageRequest(req);
    boolean readOnly = pr.method().equals("GET") || pr.isHead();
    String bypass = policy.bypassReason(pr, route);
    if (bypass != null) {
      bypasses.increment();
      if (!readOnly) {
        chain.doFilter(req, res);
        return;
      }
      res.setHeader("X-Cache", "MISS");
      try (Preload scope = renderScope(path, route, bypass)) {
        chain.doFilter(req, res);
      }
      return;
    }

    long start = System.nanoTime();
    QueryRule rule = route != null ? route.query() : QueryRule.DEFAULT;
    String base = PageKeys.base(pr, keepTracking ? rule.ignoringTracking(false) : rule);
    // With admission, a page seen too rarely yet is looked up and rendered without learned
    // scopes: it is most likely not stored, will not be, and should not teach key lists.
    boolean warm = !admits(route) || cache.admit(base);
    String lookupName = warm ? "larder.page " + base : null;
    StoredPage.Page page = lookup(lookupName, base, pr);
    if (page != null) {
      PagePolicy.Answer answer = policy.serve(pr, page, clock.instant());
      // counted before the answer goes out, so a client that has it sees it counted
      hits.increment();
      if (answer.status() == 304) {
        notModified.increment();
      }
      hitNanos.add(System.nanoTime() - start);
      write(answer, res);
      return;
    }

    misses.increment();
    res.setHeader("X-Cache", "MISS");
    if (pr.isHead()) {
      try (Preload scope = warm ? renderScope(path, route, null) : null) {
        chain.doFilter(req, res);
      }
      missNanos.add(System.nanoTime() - start);
      return;
    }
    CapturingResponse capture = new CapturingResponse(res, maxBodyBytes);
    PagePolicy.Decision decision = null;
    // one request scope: what rendering and storing write goes out in one bulk write
    try (Preload gathering = QuietScope.gathering(cache)) {
      boolean stored = false;
      try (Preload scope = warm ? renderScope(path, route, null) : null) {
        chain.doFilter(new CapturingRequest(req, capture), capture);
        if (req.isAsyncStarted()) {
          capture.passThrough("async");
        }
        if (capture.passedReason() == null) {
          PageResponse captured = new PageResponse(capture.getStatus(), capture.fields(),
              capture.body(), null, capture.addedCookie() || startedSession(req));
          decision = policy.decide(pr, captured, route, clock.instant());
          // still in the render scope, whose tag generations the page is written under; a
          // page admission turned away is sent but not stored
          stored = decision.store() && warm
              && store(decision, base, pr, tags(req, route, vars));
        }
      }
      if (stored) {
        stores.increment();
        // read it back once in the lookup's scope, so the next request is one round trip
        lookup(lookupName, base, pr);
      }
    }
    if (decision == null) {
      missNanos.add(System.nanoTime() - start);
      return;
    }
    if (decision.store()) {
      if (!warm) {
        notAdmitted.increment();
      }
      missNanos.add(System.nanoTime() - start);
      capture.sendCaptured(decision.page().etag());
    } else {
      PagePolicy.Decision d = decision;
      LOG.log(Level.TRACE, () -> "not storing " + req.getRequestURI() + ": " + d.reason());
      missNanos.add(System.nanoTime() - start);
      capture.sendCaptured(null);
    }
  }

  /** Reads a stored page, in the learned scope {@code scopeName}, or in none if it is null. */
  @SuppressWarnings("try")
  private StoredPage.Page lookup(String scopeName, String base, PageRequest pr) {
    try (Preload scope = scopeName == null ? null : cache.learnedPreload(scopeName)) {
      StoredPage entry = cache.get(base, StoredPageCodec.INSTANCE);
      if (entry instanceof StoredPage.Variants v) {
        entry = cache.get(PageKeys.variant(base, v.headerNames(), pr), StoredPageCodec.INSTANCE);
      }
      return entry instanceof StoredPage.Page p ? p : null;
    } catch (CacheException e) {
      LOG.log(Level.WARNING, "page cache lookup failed; rendering the page", e);
      return null;
    }
  }

  /** Tells whether the route's pages, or else the cache's computed values, go through admission. */
  private boolean admits(PageRoute route) {
    return route != null && route.admits().isPresent() ? route.admits().get()
        : cache.admission().isOn();
  }

  private boolean store(PagePolicy.Decision d, String base, PageRequest pr, List<String> tags) {
    try {
      Cache target = tags.isEmpty() ? cache : cache.tagged(tags.toArray(String[]::new));
      if (d.vary().isEmpty()) {
        target.set(base, d.page(), StoredPageCodec.INSTANCE, d.ttl());
      } else {
        cache.set(base, new StoredPage.Variants(d.vary()), StoredPageCodec.INSTANCE, d.ttl());
        target.set(PageKeys.variant(base, d.vary(), pr), d.page(), StoredPageCodec.INSTANCE,
            d.ttl());
      }
      return true;
    } catch (CacheException e) {
      LOG.log(Level.WARNING, "storing a page failed; it is sent uncached", e);
      return false;
    }
  }

  /**
   * Opens the learned scope the application renders in; {@code null} (nothing to close) if
   * the store fails.
   */
  private Preload renderScope(String path, PageRoute route, String bypass) {
    String name = "GET " + (route != null && route.preloadsByRoute() ? route.pattern() : path);
    if ("Authorization".equals(bypass) || "session".equals(bypass)) {
      name += " (private)"; // a logged-in page reads other keys: keep its list apart
    }
    return QuietScope.open(cache, name);
  }

  private static void write(PagePolicy.Answer answer, HttpServletResponse res) throws IOException {
    res.setStatus(answer.status());
    Set<String> seen = new HashSet<>();
    for (Field f : answer.fields()) {
      String lower = f.name().toLowerCase(Locale.ROOT);
      if (lower.equals("content-length")) {
        res.setContentLengthLong(Long.parseLong(f.value()));
      } else if (seen.add(lower)) {
        res.setHeader(f.name(), f.value());
      } else {
        res.addHeader(f.name(), f.value());
      }
    }
    if (answer.body() != null) {
      res.getOutputStream().write(answer.body());
    }
  }

  private List<String> tags(HttpServletRequest req, PageRoute route, Map<String, String> vars) {
    Set<String> all = new TreeSet<>();
    if (route != null) {
      all.addAll(route.tagsFor(vars));
    }
    Object added = req.getAttribute(TAGS);
    if (added instanceof Set<?> set) {
      for (Object t : set) {
        all.add((String) t);
      }
    }
    return new ArrayList<>(all);
  }

  private static boolean startedSession(HttpServletRequest req) {
    HttpSession session = req.getSession(false);
    return session != null && session.isNew();
  }

  private static String pathInContext(HttpServletRequest req) {
    String uri = req.getRequestURI();
    String context = req.getContextPath();
    String path = context != null && uri.startsWith(context) ? uri.substring(context.length()) : uri;
    return path.isEmpty() ? "/" : path;
  }

  private PageRequest pageRequest(HttpServletRequest req) {
    Map<String, List<String>> headers = new HashMap<>();
    for (Enumeration<String> names = req.getHeaderNames(); names.hasMoreElements(); ) {
      String name = names.nextElement();
      headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .addAll(Collections.list(req.getHeaders(name)));
    }
    boolean session = req.getRequestedSessionId() != null;
    Cookie[] cookies = req.getCookies();
    if (!session && cookies != null) {
      String contextName = contextSessionCookie;
      for (Cookie c : cookies) {
        if (sessionCookies.contains(c.getName()) || c.getName().equals(contextName)) {
          session = true;
          break;
        }
      }
    }
    return new PageRequest(req.getMethod().toUpperCase(Locale.ROOT), req.getScheme(),
        req.getServerName(), req.getServerPort(), req.getRequestURI(), req.getQueryString(),
        headers, session);
  }

  @Override
  public String toString() {
    return "PageCacheFilter" + routes;
  }

  /**
   * Configures a {@link PageCacheFilter}. Each option may be set once, except
   * {@link #route}, which adds a route each time.
   */
  public static final class Builder {
    private final Cache cache;
    private final Set<String> set = new HashSet<>();
    private final List<PageRoute> routes = new ArrayList<>();
    private Duration defaultTtl = Duration.ofSeconds(60);
    private Set<Integer> statuses = Set.of(200);
    private long maxBodyBytes = 1 << 20;
    private Set<String> sessionCookies = Set.of("JSESSIONID");
    private InstantSource clock = InstantSource.system();
    private boolean keepTracking;

    private Builder(Cache cache) {
      this.cache = cache;
    }

    private void once(String option) {
      if (!set.add(option)) {
        throw new IllegalStateException(option + " was already set");
      }
    }

    /**
     * Adds a route. Routes are tried in the order added; the first whose pattern matches
     * the path applies. A path no route matches is cached with the defaults.
     *
     * @param route the route
     * @return this builder
     * @throws NullPointerException if {@code route} is null
     * @throws IllegalArgumentException if a route with the same pattern was added
     */
    public Builder route(PageRoute route) {
      Objects.requireNonNull(route, "route");
      for (PageRoute r : routes) {
        if (r.pattern().equals(route.pattern())) {
          throw new IllegalArgumentException("route " + route.pattern() + " was already added");
        }
      }
      routes.add(route);
      return this;
    }

    /**
     * Sets how long pages live when neither the response nor the route says; 60 seconds by
     * default.
     *
     * @param ttl a positive duration
     * @return this builder
     * @throws IllegalArgumentException if {@code ttl} is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder defaultTtl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      once("defaultTtl");
      this.defaultTtl = Durations.requirePositive(ttl, "defaultTtl");
      return this;
    }

    /**
     * Sets the statuses whose responses may be stored; only 200 by default. Redirects and
     * errors sent with {@code sendRedirect} or {@code sendError} are never stored, whatever
     * this list says; those set with {@code setStatus} are.
     *
     * @param statuses status codes from 200 to 599
     * @return this builder
     * @throws IllegalArgumentException if none is given or one is out of range
     * @throws IllegalStateException if already set
     */
    public Builder cacheableStatuses(int... statuses) {
      Objects.requireNonNull(statuses, "statuses");
      once("cacheableStatuses");
      if (statuses.length == 0) {
        throw new IllegalArgumentException("cacheableStatuses needs at least one status");
      }
      Set<Integer> s = new HashSet<>();
      for (int status : statuses) {
        if (status < 200 || status > 599) {
          throw new IllegalArgumentException("a cacheable status is from 200 to 599, was " + status);
        }
        s.add(status);
      }
      this.statuses = s;
      return this;
    }

    /**
     * Sets the largest body the filter buffers to store; a larger one (or one whose
     * {@code Content-Length} says it will be larger) is streamed to the client and not
     * stored. 1 MiB by default.
     *
     * @param bytes the limit, at least 0
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is negative
     * @throws IllegalStateException if already set
     */
    public Builder maxBodyBytes(long bytes) {
      once("maxBodyBytes");
      if (bytes < 0) {
        throw new IllegalArgumentException("maxBodyBytes must not be negative, was " + bytes);
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * Sets the names of the cookies that mean "this request has a session";
     * {@code JSESSIONID} by default. The servlet context's own session cookie name, and a
     * session id in the URL, always count.
     *
     * @param names cookie names
     * @return this builder
     * @throws IllegalArgumentException if a name is empty
     * @throws IllegalStateException if already set
     */
    public Builder sessionCookies(String... names) {
      Objects.requireNonNull(names, "names");
      once("sessionCookies");
      Set<String> s = new HashSet<>();
      for (String n : names) {
        Objects.requireNonNull(n, "name");
        if (n.isEmpty()) {
          throw new IllegalArgumentException("a session cookie name must not be empty");
        }
        s.add(n);
      }
      this.sessionCookies = s;
      return this;
    }

    /**
     * Sets the clock for {@code Age}, {@code Expires} and the stored time; the system
     * clock by default.
     *
     * @param clock the clock
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder clock(InstantSource clock) {
      Objects.requireNonNull(clock, "clock");
      once("clock");
      this.clock = clock;
      return this;
    }

    /**
     * Puts the {@link PageRoute#TRACKING_PARAMS tracking parameters} back into every page's
     * key, on every route: for a site whose pages change with {@code utm_*} parameters.
     * By default they are left out, so a shared link's clicks share one page.
     *
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder keepTrackingParams() {
      once("keepTrackingParams");
      this.keepTracking = true;
      return this;
    }

    /**
     * Builds the filter.
     *
     * @return the filter
     */
    public PageCacheFilter build() {
      return new PageCacheFilter(this);
    }
  }
}
