package io.larder.example;

import io.larder.Cache;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Remembers the last requests with the store round trips each made, for {@code /stats}.
 * Round trips are read from the cache's counters before and after the request, so with
 * several requests at once they mix; one reader clicking around sees exact numbers.
 */
final class RequestLog implements Filter {
  static final int KEEP = 40;

  /**
   * One request.
   *
   * @param what method and path
   * @param xCache the page cache's verdict ({@code HIT}, {@code MISS}) or {@code -}
   * @param roundTrips store round trips made while it ran
   * @param millis how long it took
   */
  record Entry(String what, String xCache, long roundTrips, double millis) {}

  private final Cache cache;
  private final ArrayDeque<Entry> last = new ArrayDeque<>();
  private final LongAdder requests = new LongAdder();
  private final LongAdder roundTrips = new LongAdder();

  RequestLog(Cache cache) {
    this.cache = cache;
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
    long trips = cache.stats().roundTrips();
    long start = System.nanoTime();
    try {
      chain.doFilter(request, response);
    } finally {
      long made = cache.stats().roundTrips() - trips;
      String xCache = ((HttpServletResponse) response).getHeader("X-Cache");
      Entry e = new Entry(req.getMethod() + " " + path, xCache == null ? "-" : xCache, made,
          (System.nanoTime() - start) / 1e6);
      requests.increment();
      roundTrips.add(made);
      synchronized (last) {
        last.addLast(e);
        while (last.size() > KEEP) {
          last.removeFirst();
        }
      }
    }
  }

  List<Entry> last() {
    synchronized (last) {
      return new ArrayList<>(last);
    }
  }

  long requests() {
    return requests.sum();
  }

  long roundTrips() {
    return roundTrips.sum();
  }
}
