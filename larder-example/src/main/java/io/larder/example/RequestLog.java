package io.larder.example;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Measures each request (but {@code /stats}): its store round trips, counted on
 * its own thread so that concurrent requests do not mix; its time; and the page cache's
 * verdict. Keeps the last {@value #WINDOW} round-trip counts of page hits, of page misses and
 * of the rest for their distributions, the last {@value #KEEP} requests for the chart, and
 * the time the page cache saved, measured: each hit adds what the miss that stored that page
 * took, less what the hit itself took. Puts the HIT/MISS badge into each page (not into
 * files under {@code /static/}).
 */
final class RequestLog implements Filter {
  static final int KEEP = 40;
  static final int WINDOW = 1_000;
  /** The most pages whose render time is remembered; later pages' hits save nothing here. */
  static final int MAX_PAGES = 10_000;

  /**
   * One request.
   *
   * @param what method and path
   * @param xCache the page cache's verdict ({@code HIT}, {@code MISS}) or {@code -}
   * @param roundTrips store round trips this request made
   * @param millis how long it took
   */
  record Entry(String what, String xCache, long roundTrips, double millis) {}

  private final ThreadRoundTrips trips;
  private final ArrayDeque<Entry> last = new ArrayDeque<>();
  private final LongAdder requests = new LongAdder();
  private final Recent hits = new Recent(WINDOW);
  private final Recent misses = new Recent(WINDOW);
  private final Recent others = new Recent(WINDOW);
  private final Map<String, Long> missNanos = new ConcurrentHashMap<>();
  private final LongAdder pageSavedNanos = new LongAdder();

  /**
   * @param trips the cache's store, counting calls per thread; {@code null} when the site
   *     runs without a cache
   */
  RequestLog(ThreadRoundTrips trips) {
    this.trips = trips;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest req = (HttpServletRequest) request;
    String path = req.getRequestURI();
    if (path.equals("/stats")) {
      chain.doFilter(request, response);
      return;
    }
    HttpServletResponse res = (HttpServletResponse) response;
    // HEAD has no body to badge, and files are served as they are
    BadgedResponse badged = req.getMethod().equals("GET") && !path.startsWith("/static/")
        ? new BadgedResponse(res) : null;
    long before = roundTrips();
    long start = System.nanoTime();
    try {
      chain.doFilter(request, badged == null ? res : badged);
    } finally {
      long made = roundTrips() - before;
      long nanos = System.nanoTime() - start;
      String xCache = res.getHeader("X-Cache");
      record(req.getMethod(), path, xCache, res.getStatus(), made, nanos);
      if (badged != null) {
        badged.finish(badge(xCache, res.getHeader("Age"), made, nanos));
      }
    }
  }

  private long roundTrips() {
    return trips == null ? 0 : trips.onThisThread();
  }

  private void record(String method, String path, String xCache, int status, long made,
      long nanos) {
    requests.increment();
    if ("HIT".equals(xCache)) {
      hits.add(made);
      Long rendered = missNanos.get(path);
      if (rendered != null) {
        pageSavedNanos.add(Math.max(0, rendered - nanos));
      }
    } else if ("MISS".equals(xCache)) {
      misses.add(made);
      if (status == 200 && method.equals("GET")
          && (missNanos.size() < MAX_PAGES || missNanos.containsKey(path))) {
        missNanos.put(path, nanos);
      }
    } else {
      others.add(made);
    }
    Entry e = new Entry(method + " " + path, xCache == null ? "-" : xCache, made, nanos / 1e6);
    synchronized (last) {
      last.addLast(e);
      while (last.size() > KEEP) {
        last.removeFirst();
      }
    }
  }

  /** The badge a page shows: whether the cache served it, and what it cost. */
  static String badge(String xCache, String age, long roundTrips, long nanos) {
    String trips = roundTrips + " round trip" + (roundTrips == 1 ? "" : "s");
    String took = String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    if ("HIT".equals(xCache)) {
      return "<span class=\"badge hit\">HIT</span> <span class=\"badge-text\">served from the"
          + " cache, stored " + (age == null ? "?" : age) + " s ago · " + took + " · " + trips
          + "</span>";
    }
    if ("MISS".equals(xCache)) {
      return "<span class=\"badge miss\">MISS</span> <span class=\"badge-text\">rendered now in "
          + took + " · " + trips + "</span>";
    }
    return "<span class=\"badge off\">NOT CACHED</span> <span class=\"badge-text\">rendered"
        + " now in " + took + " · " + trips + "</span>";
  }

  List<Entry> last() {
    synchronized (last) {
      return new ArrayList<>(last);
    }
  }

  long requests() {
    return requests.sum();
  }

  /** Round trips of the last requests the page cache answered. */
  Recent.Summary hitTrips() {
    return hits.summary();
  }

  /** Round trips of the last requests that rendered a cacheable page. */
  Recent.Summary missTrips() {
    return misses.summary();
  }

  /** Round trips of the last other requests: the counter, forms, bypassing routes. */
  Recent.Summary otherTrips() {
    return others.summary();
  }

  /** The time page hits saved, each against the miss that stored its page. */
  Duration pageTimeSaved() {
    return Duration.ofNanos(pageSavedNanos.sum());
  }
}
