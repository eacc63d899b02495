package io.larder.bench;

import io.larder.example.ExampleApp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code page}: requests per second for one book page of the example site ({@code /books/1},
 * the route {@code PageCacheFilter} caches whole) at {@value #CONNECTIONS} keep-alive
 * connections, three ways, interleaved: from the page cache of a site started with
 * {@code --cache mem:}; from a second site started with {@code --no-cache}, which runs
 * without Larder at all (no page cache, no fragments, no memoize, no single flight) and
 * renders the page on every request; and as a static file holding a cached page's bytes,
 * served by the first site's own Jetty ({@code --static}, Jetty's {@code ResourceServlet}).
 * Both sites run in this process on loopback; the load comes from {@link KeepAliveClient},
 * which checks every response's status and body (all but the page's HIT/MISS badge, which
 * differs on every request), and {@code X-Cache: HIT} on the cached page. The cached page and
 * the file pass through the same two
 * filters of the example (its request log, and the page cache, which steps aside for
 * {@code /static/**}); the file is served with {@code ResourceServlet}'s defaults. Each
 * contender runs {@value #WARM_UP_MILLIS} ms before the harness's rounds.
 *
 * <p>The uncached number is mostly the example's database: each of the page's three queries
 * (the book, its reviews, its comments) sleeps 20 to 50 ms on purpose, to stand for a real
 * database server, so a rendering takes about a tenth of a second however fast the machine,
 * and the uncached rate is about {@value #CONNECTIONS} connections divided by that. The ratio
 * to it says what the cache saves a site whose queries cost that much, not how fast Larder
 * is; the ratio to the static file is the one that measures the page cache's own cost.
 */
final class PageSuite implements Suite {
  static final int CONNECTIONS = 16;
  private static final String PAGE = "/books/1";
  /**
   * How long each contender runs before the harness's rounds, quick or not: Jetty's request
   * path needs far more calls than one short warm-up round makes before the JIT has compiled
   * it, and a quick run measured the interpreter instead.
   */
  private static final long WARM_UP_MILLIS = 1_000;
  /** The times a page shows ("rendered at 12:34:56"); they differ between renderings. */
  private static final Pattern CLOCK = Pattern.compile("\\d\\d:\\d\\d(:\\d\\d)?");
  /** The example's HIT/MISS badge, which says how long this very request took. */
  private static final String BADGE_START = "<p class=\"badges\">";
  private static final Pattern BADGE = Pattern.compile(Pattern.quote(BADGE_START) + ".*?</p>");

  @Override
  public String name() {
    return "page";
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    Path root = Files.createTempDirectory("larder-bench-page");
    try {
      Path files = Files.createDirectories(root.resolve("static"));
      try (ExampleApp cached = ExampleApp.start("--cache", "mem:", "--port", "0",
              "--data", root.resolve("cached").toString(), "--static", files.toString());
           ExampleApp uncached = ExampleApp.start("--no-cache", "--port", "0",
              "--data", root.resolve("uncached").toString())) {
        HttpClient http = HttpClient.newHttpClient();
        URI cachedPage = cached.uri().resolve(PAGE);
        byte[] first = fetch(http, cachedPage, "MISS");
        byte[] page = fetch(http, cachedPage, "HIT");
        if (!withoutBadge(first).equals(withoutBadge(page))) {
          throw new IllegalStateException(PAGE + ": the cached page differs from the one stored");
        }
        Files.write(files.resolve("page.html"), page);
        URI uncachedPage = uncached.uri().resolve(PAGE);
        String rendered = withoutClock(fetch(http, uncachedPage, "none"));
        URI staticFile = cached.uri().resolve("/static/page.html");
        try (KeepAliveClient fromCache = new KeepAliveClient(cachedPage, "X-Cache: HIT",
                exceptTheBadge(page));
             KeepAliveClient rendering = new KeepAliveClient(uncachedPage, null,
                (body, length) -> withoutClock(body, length).equals(rendered));
             KeepAliveClient fromFile = new KeepAliveClient(staticFile, null,
                KeepAliveClient.Expect.exactly(page))) {
          Map<String, Harness.Work> contenders = new LinkedHashMap<>();
          contenders.put("cached", r -> {
            fromCache.get(); // throws unless the body is the expected one
            Harness.checked();
          });
          contenders.put("uncached", r -> {
            rendering.get(); // throws unless the body is the expected one
            Harness.checked();
          });
          contenders.put("static", r -> {
            fromFile.get(); // throws unless the body is the expected one
            Harness.checked();
          });
          for (Harness.Work work : contenders.values()) {
            Harness.measure(work, CONNECTIONS, WARM_UP_MILLIS);
          }
          Harness.Measurement m = Harness.throughput(settings, CONNECTIONS, contenders);
          String at = ", " + CONNECTIONS + " conn";
          return List.of(
              m.rate("cached page vs uncached" + at, "cached", "uncached",
                  "same page, --no-cache", "requests/s"),
              m.rate("cached page vs static file" + at, "cached", "static",
                  "same bytes, Jetty static", "requests/s"),
              ColdPageRoundTrips.measure(root));
        }
      }
    } finally {
      deleteTree(root);
    }
  }

  /**
   * One request outside the measurement: a 200 with the page cache's verdict {@code xCache}
   * ({@code none} for no {@code X-Cache} header).
   */
  private static byte[] fetch(HttpClient http, URI uri, String xCache)
      throws IOException, InterruptedException {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    String verdict = r.headers().firstValue("X-Cache").orElse("none");
    if (r.statusCode() != 200 || !verdict.equals(xCache)) {
      throw new IllegalStateException("GET " + uri + " answered " + r.statusCode()
          + " with X-Cache " + verdict + ", expected 200 and " + xCache);
    }
    return r.body();
  }

  /**
   * The page as text with its clock times and its badge left out, so two renderings compare
   * equal.
   */
  private static String withoutClock(byte[] body, int length) {
    String page = new String(body, 0, length, StandardCharsets.UTF_8);
    return CLOCK.matcher(BADGE.matcher(page).replaceAll("")).replaceAll("");
  }

  private static String withoutBadge(byte[] body) {
    return BADGE.matcher(new String(body, StandardCharsets.UTF_8)).replaceAll("");
  }

  /**
   * Accepts the bytes of {@code page} with any badge in its place: the same bytes before the
   * badge's paragraph and after it, compared without decoding.
   */
  private static KeepAliveClient.Expect exceptTheBadge(byte[] page) {
    String text = new String(page, StandardCharsets.ISO_8859_1); // one char per byte
    int start = text.indexOf(BADGE_START);
    int end = start < 0 ? -1 : text.indexOf("</p>", start);
    if (end < 0) {
      throw new IllegalStateException(PAGE + " has no badge: " + BADGE_START + " ... </p>");
    }
    int head = start + BADGE_START.length();
    int tail = page.length - end;
    byte[] copy = page.clone();
    return (body, length) -> length >= head + tail
        && Arrays.equals(copy, 0, head, body, 0, head)
        && Arrays.equals(copy, end, copy.length, body, length - tail, length);
  }

  private static String withoutClock(byte[] body) {
    return withoutClock(body, body.length);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
