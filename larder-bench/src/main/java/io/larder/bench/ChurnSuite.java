package io.larder.bench;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.MemcachedServer;
import io.larder.testkit.MemcachedTap;
import io.larder.web.PageCacheFilter;
import io.larder.web.PageCacheStats;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * {@code churn}: a long-tail page workload against a memcached too small for it. Each request
 * is, with probability 0.7, one of {@value #HOT_PAGES} hot pages drawn by Zipf(0.9); with 0.2,
 * a page nobody asks for again ({@code /once/N}); with 0.1, a hot page behind a shared link
 * that carries a unique {@code utm_source} and {@code fbclid}. Pages are {@value #PAGE_BYTES}
 * bytes, rendered by a servlet behind {@code PageCacheFilter} in an embedded Jetty, and read
 * over {@value #CONNECTIONS} keep-alive connections ({@link KeepAliveClient}, which checks
 * that each body is the page asked for). Every contender has its own Jetty and its own
 * memcached started with {@code -m 16}, so that it must evict (the hot set alone is about
 * 160 MB); all run interleaved in the harness's rounds after {@value #WARM_UP_REQUESTS}
 * requests each to fill their server (none in a quick run, whose numbers mean nothing).
 *
 * <p>Contenders: {@code admit}, the cache opened with {@value #ADMIT}; {@code plain}, the same
 * without admission; {@code stripped}, like {@code plain} but the stream's tracking parameters
 * left off the URLs; {@code keyed}, like {@code plain} but with
 * {@code keepTrackingParams()}, so that every shared link is a key of its own. Hit ratio and
 * store writes (memcached's own {@code cmd_set}) are counted over the measured rounds.
 */
final class ChurnSuite implements Suite {
  static final int HOT_PAGES = 10_000;
  static final int PAGE_BYTES = 16_384;
  static final int CONNECTIONS = 8;
  /**
   * Requests each contender serves before the rounds: enough to fill its memcached many
   * times over (about 900 pages fit in 16 MB) and to teach the admission sketch the hot set.
   */
  private static final long WARM_UP_REQUESTS = 40_000;
  private static final double ZIPF_S = 0.9;
  /**
   * Admission sized as docs/freshness.md says: a window of about ten times the entries the
   * server holds (about 1,000 pages of 16 kB in 16 MB), counters for a few times the keys
   * seen in one window, and a page stored on its third recent request.
   */
  static final String ADMIT = "admit=3&admitKeys=8k&admitWindow=10k";

  /** Cumulative Zipf weights of the hot pages, rank 1 first, the last one 1.0. */
  private static final double[] ZIPF = zipf(HOT_PAGES, ZIPF_S);
  private static final AtomicLong UNIQUE = new AtomicLong();
  /** What the next response of this thread must start with: the page asked for. */
  private static final ThreadLocal<byte[]> EXPECTED = new ThreadLocal<>();

  @Override
  public String name() {
    return "churn";
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    long warmUp = settings.quick() ? 0 : WARM_UP_REQUESTS;
    Map<String, Site> sites = new LinkedHashMap<>();
    try {
      sites.put("admit", new Site("?" + ADMIT, false, true));
      sites.put("plain", new Site("", false, true));
      sites.put("stripped", new Site("", false, false));
      sites.put("keyed", new Site("", true, true));
      Map<String, Harness.Work> contenders = new LinkedHashMap<>();
      sites.forEach((name, site) -> contenders.put(name, site::request));
      for (Map.Entry<String, Site> e : sites.entrySet()) {
        while (e.getValue().counts().requests() < warmUp) {
          Harness.measure(contenders.get(e.getKey()), CONNECTIONS, 500);
        }
      }
      Map<String, Counts> before = new LinkedHashMap<>();
      sites.forEach((name, site) -> before.put(name, site.counts()));
      Harness.Measurement rate = Harness.throughput(settings, CONNECTIONS, contenders);
      Map<String, Counts> delta = new LinkedHashMap<>();
      sites.forEach((name, site) -> delta.put(name, site.counts().minus(before.get(name))));
      Counts admit = delta.get("admit");
      Counts plain = delta.get("plain");
      String at = ", " + CONNECTIONS + " conn";
      List<Result> results = new ArrayList<>();
      results.add(Result.rate("hit ratio, admission vs none", admit.hitRatio(),
          plain.hitRatio(), "same stream, no admit=", "hits/request"));
      results.add(Result.cost("store writes/request, admission vs none", admit.writesPerRequest(),
          plain.writesPerRequest(), "same stream, no admit=", "sets/request"));
      results.add(rate.rate("pages/s, admission vs none" + at, "admit",
          "plain", "same stream, no admit=", "requests/s"));
      results.add(Result.rate("hit ratio, tracking links normalised", plain.hitRatio(),
          delta.get("stripped").hitRatio(), "stream without the params", "hits/request"));
      results.add(Result.rate("hit ratio, normalised vs params in key", plain.hitRatio(),
          delta.get("keyed").hitRatio(), "keepTrackingParams()", "hits/request"));
      return results;
    } finally {
      for (Site s : sites.values()) {
        s.close();
      }
    }
  }

  /** Counters of one contender: the page filter's and its memcached's. */
  private record Counts(long hits, long misses, long sets) {
    Counts minus(Counts o) {
      return new Counts(hits - o.hits, misses - o.misses, sets - o.sets);
    }

    long requests() {
      return hits + misses;
    }

    double hitRatio() {
      return hits + misses == 0 ? 0 : (double) hits / (hits + misses);
    }

    double writesPerRequest() {
      return hits + misses == 0 ? 0 : (double) sets / (hits + misses);
    }
  }

  /** A contender: memcached -m 16, a cache over it, and a Jetty serving the pages through it. */
  private static final class Site implements AutoCloseable {
    private MemcachedServer memcached;
    private MemcachedTap stats; // only for the server's counters; traffic goes direct
    private Cache cache;
    private PageCacheFilter filter;
    private Server server;
    private KeepAliveClient client;
    private final boolean tracking;

    /** Starts the contender; stops what it started so far if a part cannot start. */
    Site(String options, boolean keepTracking, boolean tracking) throws Exception {
      this.tracking = tracking;
      try {
        memcached = MemcachedServer.builder().args("-m", "16").start();
        stats = MemcachedTap.start(memcached);
        cache = Larder.open(memcached.url() + (options.isEmpty() ? "?" : options + "&")
            + "failOpen=false&timeout=5s&connectTimeout=10s");
        PageCacheFilter.Builder b = PageCacheFilter.builder(cache.namespace("pages"));
        filter = (keepTracking ? b.keepTrackingParams() : b).build();
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        // the client's idle connections wait while the other contenders run
        connector.setIdleTimeout(Duration.ofMinutes(30).toMillis());
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new PageServlet()), "/*");
        server.setHandler(context);
        server.start();
        client = new KeepAliveClient(
            URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/"), null,
            (body, length) -> {
              byte[] head = EXPECTED.get();
              return length == PAGE_BYTES
                  && Arrays.equals(head, 0, head.length, body, 0, head.length);
            });
      } catch (Exception | Error e) {
        close();
        throw e;
      }
    }

    /** One request of the stream; throws unless the answer is the page asked for. */
    void request(ThreadLocalRandom random) throws IOException {
      double dice = random.nextDouble();
      String path;
      String query = "";
      if (dice < 0.2) {
        path = "/once/" + UNIQUE.incrementAndGet();
      } else {
        path = "/p/" + hotPage(random);
        if (dice < 0.3 && tracking) {
          long n = UNIQUE.incrementAndGet();
          query = "?utm_source=newsletter&utm_medium=email&fbclid=IwAR" + n;
        }
      }
      EXPECTED.set(head(path));
      client.get(path + query);
      Harness.checked();
    }

    Counts counts() {
      PageCacheStats s = filter.stats();
      return new Counts(s.hits(), s.misses(), stats.serverStats().get("cmd_set"));
    }

    @Override
    public void close() throws Exception {
      if (client != null) {
        client.close();
      }
      if (server != null) {
        server.stop();
      }
      if (cache != null) {
        cache.close();
      }
      if (stats != null) {
        stats.close();
      }
      if (memcached != null) {
        memcached.close();
      }
    }
  }

  /** Renders any page: its path as a heading, padded to {@value #PAGE_BYTES} bytes. */
  private static final class PageServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
      byte[] page = Arrays.copyOf(head(req.getRequestURI()), PAGE_BYTES);
      Arrays.fill(page, head(req.getRequestURI()).length, PAGE_BYTES, (byte) 'x');
      res.setContentType("text/html;charset=utf-8");
      res.setContentLength(PAGE_BYTES);
      res.getOutputStream().write(page);
    }
  }

  private static byte[] head(String path) {
    return ("<!doctype html><h1>" + path + "</h1>").getBytes(StandardCharsets.UTF_8);
  }

  /** A hot page's rank, from 1, drawn by Zipf. */
  private static int hotPage(ThreadLocalRandom random) {
    int i = Arrays.binarySearch(ZIPF, random.nextDouble());
    return (i >= 0 ? i : -i - 1) + 1;
  }

  private static double[] zipf(int n, double s) {
    double[] cumulative = new double[n];
    double sum = 0;
    for (int r = 1; r <= n; r++) {
      sum += 1 / Math.pow(r, s);
      cumulative[r - 1] = sum;
    }
    for (int i = 0; i < n; i++) {
      cumulative[i] /= sum;
    }
    cumulative[n - 1] = 1.0;
    return cumulative;
  }
}
