package io.larder.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.CacheConnectionException;
import io.larder.CacheStats;
import io.larder.Larder;
import io.larder.Stores;
import io.larder.spi.ForwardingStore;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The page cache filter in a real Jetty 12: one test per rule. */
class PageCacheFilterIT {

  private static Site site() throws Exception {
    return new Site(b -> b);
  }

  private static Site site(UnaryOperator<PageCacheFilter.Builder> configure) throws Exception {
    return new Site(configure);
  }

  private static void html(HttpServletResponse res, String text) throws IOException {
    res.setContentType("text/html;charset=utf-8");
    res.getWriter().write(text);
  }

  // ---- the basics ---------------------------------------------------------------------------

  @Test
  void aSecondGetIsAHitWithTheSamePageAndTheApplicationDoesNotRun() throws Exception {
    try (Site site = site()) {
      site.page("/books/1", (req, res) -> html(res, "<h1>Dune</h1>"));
      RawHttp.Response first = site.get("/books/1");
      RawHttp.Response second = site.get("/books/1");
      assertThat(first.xCache()).isEqualTo("MISS");
      assertThat(second.xCache()).isEqualTo("HIT");
      assertThat(second.text()).isEqualTo(first.text()).isEqualTo("<h1>Dune</h1>");
      assertThat(second.header("Content-Type")).isEqualTo(first.header("Content-Type"));
      assertThat(second.header("ETag")).isEqualTo(first.header("ETag")).isNotNull();
      assertThat(site.runs("/books/1")).isEqualTo(1);
      assertThat(site.filter.stats().hits()).isEqualTo(1);
      assertThat(site.filter.stats().stores()).isEqualTo(1);
    }
  }

  @Test
  void aHitCostsOneRoundTripEvenWithTags() throws Exception {
    try (Site site = site(b -> b.route(PageRoute.of("/books/{id}").tags("book:{id}", "books")))) {
      site.page("/books/1", (req, res) -> html(res, "<h1>Dune</h1>"));
      site.get("/books/1");
      CacheStats before = site.cache.stats();
      assertThat(site.get("/books/1").xCache()).isEqualTo("HIT");
      assertThat(site.cache.stats().minus(before).roundTrips()).isEqualTo(1);
    }
  }

  @Test
  void thePagesOwnReadsComeInOneBulkRead() throws Exception {
    try (Site site = site()) {
      Cache data = site.cache.namespace("data");
      for (int i = 0; i < 5; i++) {
        data.set("part" + i, "p" + i);
      }
      site.page("/dashboard", (req, res) -> {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
          sb.append(data.get("part" + i, String.class));
        }
        res.setHeader("Cache-Control", "no-store"); // never stored: the page renders every time
        html(res, sb.toString());
      });
      site.get("/dashboard"); // learns
      CacheStats before = site.cache.stats();
      assertThat(site.get("/dashboard").text()).isEqualTo("p0p1p2p3p4");
      CacheStats delta = site.cache.stats().minus(before);
      // one for the page lookup, one for everything the page read
      assertThat(delta.roundTrips()).isEqualTo(2);
      assertThat(delta.preloadHits()).isGreaterThanOrEqualTo(5);
    }
  }

  // ---- methods ------------------------------------------------------------------------------

  @Test
  void headIsAnsweredFromTheGetsPageWithoutABody() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> html(res, "hello"));
      site.get("/a");
      RawHttp.Response head = site.send("HEAD", "/a");
      assertThat(head.xCache()).isEqualTo("HIT");
      assertThat(head.header("Content-Length")).isEqualTo("5");
      assertThat(head.body()).isEmpty();
      assertThat(site.runs("/a")).isEqualTo(1);
    }
  }

  @Test
  void aHeadThatMissesStoresNothing() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> html(res, "hello"));
      assertThat(site.send("HEAD", "/a").xCache()).isEqualTo("MISS");
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
      assertThat(site.get("/a").text()).isEqualTo("hello");
    }
  }

  @Test
  void postIsNeverCached() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> html(res, "posted"));
      site.send("POST", "/a", "Content-Length", "0");
      RawHttp.Response second = site.send("POST", "/a", "Content-Length", "0");
      assertThat(second.header("X-Cache")).isNull();
      assertThat(site.runs("/a")).isEqualTo(2);
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
    }
  }

  // ---- statuses -----------------------------------------------------------------------------

  @Test
  void onlyStatus200IsStoredByDefault() throws Exception {
    try (Site site = site()) {
      site.page("/gone", (req, res) -> {
        res.setStatus(404);
        html(res, "not here");
      });
      site.get("/gone");
      assertThat(site.get("/gone").xCache()).isEqualTo("MISS");
      assertThat(site.runs("/gone")).isEqualTo(2);
    }
  }

  @Test
  void theStatusListIsConfigurable() throws Exception {
    try (Site site = site(b -> b.cacheableStatuses(200, 404))) {
      site.page("/gone", (req, res) -> {
        res.setStatus(404);
        html(res, "not here");
      });
      site.get("/gone");
      RawHttp.Response hit = site.get("/gone");
      assertThat(hit.status()).isEqualTo(404);
      assertThat(hit.xCache()).isEqualTo("HIT");
      assertThat(hit.text()).isEqualTo("not here");
    }
  }

  // ---- responses that are never stored -----------------------------------------------------

  // The cookie and session tests say max-age=60: Jetty adds "Expires: Thu, 01 Jan 1970" to a
  // response that sets a cookie, and that header alone would stop the store; with an explicit
  // max-age only the Set-Cookie/session rule can.

  @Test
  void aResponseAddingACookieIsNotStoredEvenWithMaxAge() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        res.setHeader("Cache-Control", "public, max-age=60");
        res.addCookie(new Cookie("seen", "1"));
        html(res, "hi");
      });
      site.get("/a");
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
      assertThat(site.runs("/a")).isEqualTo(2);
    }
  }

  @Test
  void aResponseWithASetCookieHeaderIsNotStoredEvenWithMaxAge() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        res.setHeader("Cache-Control", "public, max-age=60");
        res.setHeader("Set-Cookie", "seen=1");
        html(res, "hi");
      });
      site.get("/a");
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
      assertThat(site.runs("/a")).isEqualTo(2);
    }
  }

  @Test
  void aResponseThatStartsASessionIsNotStoredEvenWithMaxAge() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        res.setHeader("Cache-Control", "public, max-age=60");
        req.getSession(true);
        html(res, "hi");
      });
      RawHttp.Response first = site.get("/a");
      assertThat(first.header("Set-Cookie")).startsWith("JSESSIONID=");
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
      assertThat(site.runs("/a")).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"private", "no-store", "no-cache", "max-age=0"})
  void cacheControlThatForbidsStoringIsObeyed(String cacheControl) throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        res.setHeader("Cache-Control", cacheControl);
        html(res, "hi");
      });
      site.get("/a");
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
      assertThat(site.runs("/a")).isEqualTo(2);
    }
  }

  @Test
  void varyStarIsNotStored() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        res.setHeader("Vary", "*");
        html(res, "hi");
      });
      site.get("/a");
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
    }
  }

  // ---- requests with credentials ------------------------------------------------------------

  @Test
  void anAuthorizedRequestNeitherReadsNorFillsTheCache() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        res.setHeader("Cache-Control", "public, max-age=60");
        html(res, "for " + req.getHeader("Authorization"));
      });
      site.get("/a"); // stored for everybody
      RawHttp.Response authorized = site.get("/a", "Authorization", "Bearer alice");
      assertThat(authorized.text()).isEqualTo("for Bearer alice");
      assertThat(authorized.xCache()).isEqualTo("MISS");
      site.get("/b", "Authorization", "Bearer alice");
      assertThat(site.get("/a").text()).isEqualTo("for null");
    }
  }

  @Test
  void anAuthorizedResponseWithMaxAgeIsNotServedToOthers() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        res.setHeader("Cache-Control", "public, max-age=60");
        html(res, "for " + req.getHeader("Authorization"));
      });
      assertThat(site.get("/a", "Authorization", "Bearer alice").text()).isEqualTo("for Bearer alice");
      RawHttp.Response anonymous = site.get("/a");
      assertThat(anonymous.text()).isEqualTo("for null");
      assertThat(anonymous.xCache()).isEqualTo("MISS");
      assertThat(site.runs("/a")).isEqualTo(2);
    }
  }

  @Test
  void aSessionCookieBypassesTheCache() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> html(res, "page"));
      site.get("/a");
      assertThat(site.get("/a", "Cookie", "JSESSIONID=abc").xCache()).isEqualTo("MISS");
      assertThat(site.get("/a", "Cookie", "theme=dark").xCache()).isEqualTo("HIT");
    }
  }

  @Test
  void aRouteMayShareItsPagesWithAuthorizedRequests() throws Exception {
    try (Site site = site(b -> b.route(PageRoute.of("/about").shareAuthorized()))) {
      site.page("/about", (req, res) -> html(res, "about us"));
      site.get("/about", "Authorization", "Bearer alice");
      assertThat(site.get("/about", "Authorization", "Bearer bob").xCache()).isEqualTo("HIT");
      assertThat(site.get("/about").xCache()).isEqualTo("HIT");
    }
  }

  @Test
  void aBypassingRouteIsNeverCached() throws Exception {
    try (Site site = site(b -> b.route(PageRoute.of("/admin/**").bypass()))) {
      site.page("/admin/x", (req, res) -> html(res, "admin"));
      site.get("/admin/x");
      assertThat(site.get("/admin/x").xCache()).isNull(); // the filter stepped aside
      assertThat(site.runs("/admin/x")).isEqualTo(2);
    }
  }

  // ---- the key ------------------------------------------------------------------------------

  @Test
  void theQueryIsPartOfTheKeyInAnyParameterOrder() throws Exception {
    try (Site site = site()) {
      site.page("/search", (req, res) -> html(res, "q=" + req.getParameter("q")));
      site.get("/search?q=dune&page=1");
      assertThat(site.get("/search?page=1&q=dune").xCache()).isEqualTo("HIT");
      RawHttp.Response other = site.get("/search?q=emma&page=1");
      assertThat(other.xCache()).isEqualTo("MISS");
      assertThat(other.text()).isEqualTo("q=emma");
    }
  }

  @Test
  void trackingParametersShareOnePageAndStillReachTheApplication() throws Exception {
    try (Site site = site()) {
      site.page("/books/1", (req, res) -> html(res, "from " + req.getParameter("utm_source")));
      RawHttp.Response first = site.get("/books/1?utm_source=news&fbclid=abc");
      assertThat(first.xCache()).isEqualTo("MISS");
      assertThat(first.text()).isEqualTo("from news"); // the application saw the parameter
      assertThat(site.get("/books/1?fbclid=xyz&utm_source=mail").xCache()).isEqualTo("HIT");
      assertThat(site.get("/books/1").xCache()).isEqualTo("HIT");
      assertThat(site.runs("/books/1")).isEqualTo(1);
    }
  }

  @Test
  void aRouteIgnoresItsOwnParametersAndCanKeepTrackingOnes() throws Exception {
    try (Site site = site(b -> b.route(PageRoute.of("/search").ignoreParams("ref"))
        .route(PageRoute.of("/campaign").keepTrackingParams()))) {
      site.page("/search", (req, res) -> html(res, req.getParameter("q") + req.getParameter("ref")));
      site.page("/campaign", (req, res) -> html(res, "c " + req.getParameter("utm_campaign")));
      assertThat(site.get("/search?q=dune&ref=home").text()).isEqualTo("duneh" + "ome");
      assertThat(site.get("/search?ref=nav&q=d%75ne").xCache()).isEqualTo("HIT");
      assertThat(site.get("/search?q=emma&ref=home").xCache()).isEqualTo("MISS");
      site.get("/campaign?utm_campaign=spring");
      RawHttp.Response autumn = site.get("/campaign?utm_campaign=autumn");
      assertThat(autumn.xCache()).isEqualTo("MISS");
      assertThat(autumn.text()).isEqualTo("c autumn");
    }
  }

  @Test
  void aRouteWithAdmissionStoresAPageOnItsSecondMissOnly() throws Exception {
    try (Site site = site(b -> b.route(PageRoute.of("/books/{id}").admit(true)))) {
      site.page("/books/1", (req, res) -> html(res, "<h1>Dune</h1>"));
      site.page("/other", (req, res) -> html(res, "other"));
      CacheStats before = site.cache.stats();
      RawHttp.Response first = site.get("/books/1");
      assertThat(first.xCache()).isEqualTo("MISS");
      assertThat(site.cache.stats().minus(before).roundTrips())
          .as("a page seen for the first time costs one plain read: no key list, no page write")
          .isEqualTo(1);
      assertThat(first.text()).isEqualTo("<h1>Dune</h1>");
      assertThat(site.get("/books/1?utm_source=x").xCache()).isEqualTo("MISS");
      assertThat(site.get("/books/1").xCache()).isEqualTo("HIT");
      assertThat(site.runs("/books/1")).isEqualTo(2);
      site.get("/other");
      assertThat(site.get("/other").xCache()).as("no admission off the route").isEqualTo("HIT");
      assertThat(site.filter.stats().notAdmitted()).isEqualTo(1);
      assertThat(site.filter.stats().stores()).isEqualTo(2);
      assertThat(site.cache.admissionStats().rejected()).isEqualTo(1);
    }
  }

  @Test
  void theHostIsPartOfTheKey() throws Exception {
    try (Site site = site()) {
      site.page("/", (req, res) -> html(res, "site " + req.getServerName()));
      site.get("/", "Host", "one.example");
      RawHttp.Response two = site.get("/", "Host", "two.example");
      assertThat(two.xCache()).isEqualTo("MISS");
      assertThat(two.text()).isEqualTo("site two.example");
      assertThat(site.get("/", "Host", "ONE.example").text()).isEqualTo("site one.example");
    }
  }

  @Test
  void varyingHeadersSelectTheirOwnVariants() throws Exception {
    try (Site site = site()) {
      site.page("/hello", (req, res) -> {
        res.setHeader("Vary", "Accept-Language");
        html(res, "fr".equals(req.getHeader("Accept-Language")) ? "bonjour" : "hello");
      });
      assertThat(site.get("/hello", "Accept-Language", "fr").text()).isEqualTo("bonjour");
      RawHttp.Response en = site.get("/hello", "Accept-Language", "en");
      assertThat(en.xCache()).isEqualTo("MISS");
      assertThat(en.text()).isEqualTo("hello");
      RawHttp.Response fr = site.get("/hello", "Accept-Language", "fr");
      assertThat(fr.xCache()).isEqualTo("HIT");
      assertThat(fr.text()).isEqualTo("bonjour");
      assertThat(site.get("/hello").xCache()).isEqualTo("MISS"); // no header is a variant too
    }
  }

  // ---- lifetime and validation --------------------------------------------------------------

  @Test
  void maxAgeFromTheResponseSetsTheLifetime() throws Exception {
    try (Site site = site(b -> b.route(PageRoute.of("/a").ttl(Duration.ofHours(1))))) {
      site.page("/a", (req, res) -> {
        res.setHeader("Cache-Control", "public, max-age=10");
        html(res, "hi");
      });
      site.get("/a");
      site.clock.advance(Duration.ofSeconds(9));
      assertThat(site.get("/a").xCache()).isEqualTo("HIT");
      site.clock.advance(Duration.ofSeconds(2));
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
    }
  }

  @Test
  void theRoutesTtlAppliesWithoutMaxAge() throws Exception {
    try (Site site = site(b -> b.route(PageRoute.of("/a").ttl(Duration.ofSeconds(30))))) {
      site.page("/a", (req, res) -> html(res, "hi"));
      site.get("/a");
      site.clock.advance(Duration.ofSeconds(29));
      assertThat(site.get("/a").xCache()).isEqualTo("HIT");
      site.clock.advance(Duration.ofSeconds(2));
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
    }
  }

  @Test
  void aHitTellsItsAge() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> html(res, "hi"));
      site.get("/a");
      site.clock.advance(Duration.ofSeconds(5));
      assertThat(site.get("/a").header("Age")).isEqualTo("5");
    }
  }

  @Test
  void ifNoneMatchIsAnswered304FromTheCache() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> html(res, "hi"));
      String etag = site.get("/a").header("ETag");
      assertThat(etag).matches("\"[A-Za-z0-9_-]{22}\"");
      RawHttp.Response notModified = site.get("/a", "If-None-Match", etag);
      assertThat(notModified.status()).isEqualTo(304);
      assertThat(notModified.xCache()).isEqualTo("HIT");
      assertThat(notModified.header("ETag")).isEqualTo(etag);
      assertThat(site.get("/a", "If-None-Match", "\"other\"").status()).isEqualTo(200);
      assertThat(site.runs("/a")).isEqualTo(1);
    }
  }

  @Test
  void invalidatingATagRemovesThePage() throws Exception {
    AtomicInteger version = new AtomicInteger(1);
    try (Site site = site(b -> b.route(PageRoute.of("/books/{id}").tags("book:{id}")))) {
      site.page("/books/1", (req, res) -> html(res, "v" + version.get()));
      site.page("/books/2", (req, res) -> html(res, "two"));
      site.get("/books/1");
      site.get("/books/2");
      version.set(2);
      site.cache.invalidateTag("book:1");
      RawHttp.Response fresh = site.get("/books/1");
      assertThat(fresh.xCache()).isEqualTo("MISS");
      assertThat(fresh.text()).isEqualTo("v2");
      assertThat(site.get("/books/2").xCache()).isEqualTo("HIT");
    }
  }

  @Test
  void theApplicationCanTagItsPage() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        PageCacheFilter.tag(req, "author:7");
        html(res, "by seven");
      });
      site.get("/a");
      assertThat(site.get("/a").xCache()).isEqualTo("HIT");
      site.cache.invalidateTag("author:7");
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
    }
  }

  // ---- capture ------------------------------------------------------------------------------

  @Test
  void theWriterIsCapturedInItsCharset() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        res.setContentType("text/plain;charset=UTF-8");
        res.getWriter().print("Ångström ☃ 𝄞");
        res.getWriter().flush(); // a flush while capturing does not stop the page being stored
      });
      site.get("/a");
      RawHttp.Response hit = site.get("/a");
      assertThat(hit.xCache()).isEqualTo("HIT");
      assertThat(hit.text()).isEqualTo("Ångström ☃ 𝄞");
      assertThat(hit.header("Content-Type")).containsIgnoringCase("charset=utf-8");
    }
  }

  @Test
  void theOutputStreamIsCaptured() throws Exception {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 0xff};
    try (Site site = site()) {
      site.page("/a.png", (req, res) -> {
        res.setContentType("image/png");
        res.setContentLength(png.length);
        res.getOutputStream().write(png);
      });
      site.get("/a.png");
      RawHttp.Response hit = site.get("/a.png");
      assertThat(hit.xCache()).isEqualTo("HIT");
      assertThat(hit.body()).isEqualTo(png);
      assertThat(hit.header("Content-Length")).isEqualTo("8");
    }
  }

  @Test
  void aBodyOverTheLimitIsStreamedAndNotStored() throws Exception {
    byte[] big = new byte[100_000];
    java.util.Arrays.fill(big, (byte) 'x');
    try (Site site = site(b -> b.maxBodyBytes(10_000))) {
      site.page("/big", (req, res) -> {
        res.setContentType("text/plain");
        for (int i = 0; i < 10; i++) {
          res.getOutputStream().write(big, i * 10_000, 10_000);
        }
      });
      RawHttp.Response first = site.get("/big");
      assertThat(first.body()).isEqualTo(big);
      assertThat(site.get("/big").xCache()).isEqualTo("MISS");
      assertThat(site.filter.stats().stores()).isZero();
    }
  }

  @Test
  void aWrittenBodyOverTheLimitIsStreamedInItsCharsetAndNotStored() throws Exception {
    String line = "Ångström ☃ 𝄞 0123456789\n";
    try (Site site = site(b -> b.maxBodyBytes(1_000))) {
      site.page("/big", (req, res) -> {
        res.setContentType("text/plain;charset=UTF-8");
        for (int i = 0; i < 100; i++) {
          res.getWriter().print(line);
        }
      });
      RawHttp.Response first = site.get("/big");
      assertThat(first.text()).isEqualTo(line.repeat(100));
      assertThat(site.get("/big").xCache()).isEqualTo("MISS");
    }
  }

  @Test
  void aContentLengthOverTheLimitPassesThroughAtOnce() throws Exception {
    try (Site site = site(b -> b.maxBodyBytes(10))) {
      site.page("/a", (req, res) -> {
        res.setContentType("text/plain");
        res.setContentLength(20);
        res.getOutputStream().write("01234567890123456789".getBytes(StandardCharsets.US_ASCII));
      });
      RawHttp.Response first = site.get("/a");
      assertThat(first.text()).isEqualTo("01234567890123456789");
      assertThat(first.header("Content-Length")).isEqualTo("20");
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
    }
  }

  @Test
  void aResponseCommittedByFlushBufferIsSentWholeButNotStored() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        html(res, "first half, ");
        res.flushBuffer();
        res.getWriter().write("second half");
      });
      assertThat(site.get("/a").text()).isEqualTo("first half, second half");
      RawHttp.Response again = site.get("/a");
      assertThat(again.xCache()).isEqualTo("MISS");
      assertThat(again.text()).isEqualTo("first half, second half");
    }
  }

  @Test
  void sendErrorIsNotStored() throws Exception {
    try (Site site = site(b -> b.cacheableStatuses(200, 503))) {
      site.page("/a", (req, res) -> {
        res.getWriter().write("dropped");
        res.sendError(503, "down");
      });
      assertThat(site.get("/a").status()).isEqualTo(503);
      assertThat(site.get("/a").xCache()).isEqualTo("MISS");
      assertThat(site.runs("/a")).isEqualTo(2);
    }
  }

  @Test
  void sendRedirectIsNotStored() throws Exception {
    try (Site site = site(b -> b.cacheableStatuses(200, 302))) {
      site.page("/old", (req, res) -> res.sendRedirect("/new"));
      RawHttp.Response first = site.get("/old");
      assertThat(first.status()).isEqualTo(302);
      assertThat(first.header("Location")).endsWith("/new");
      assertThat(site.get("/old").xCache()).isEqualTo("MISS");
    }
  }

  @Test
  void resetBufferDropsWhatWasCaptured() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        html(res, "draft");
        res.resetBuffer();
        res.getWriter().write("final");
      });
      assertThat(site.get("/a").text()).isEqualTo("final");
      assertThat(site.get("/a").text()).isEqualTo("final");
    }
  }

  @Test
  void anAsyncResponseIsPassedThroughAndNotStored() throws Exception {
    try (Site site = site()) {
      site.page("/a", (req, res) -> {
        html(res, "started, "); // captured, then sent when async processing starts
        jakarta.servlet.AsyncContext async = req.startAsync();
        new Thread(() -> {
          try {
            async.getResponse().getWriter().write("finished elsewhere");
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          async.complete();
        }).start();
      });
      assertThat(site.get("/a").text()).isEqualTo("started, finished elsewhere");
      RawHttp.Response again = site.get("/a");
      assertThat(again.xCache()).isEqualTo("MISS");
      assertThat(again.text()).isEqualTo("started, finished elsewhere");
    }
  }

  // ---- failures -----------------------------------------------------------------------------

  @Test
  void aDeadStoreNeverBreaksThePageEvenWhenTheCacheFailsClosed() throws Exception {
    ForwardingStore dead = new ForwardingStore(Stores.memory()) {
      @Override
      public byte[] get(String key) {
        throw new CacheConnectionException("down");
      }

      @Override
      public Map<String, byte[]> getMany(Collection<String> keys) {
        throw new CacheConnectionException("down");
      }

      @Override
      public void set(String key, byte[] value, long ttlMillis) {
        throw new CacheConnectionException("down");
      }
    };
    Cache failClosed = Larder.builder().store(dead).failOpen(false).build();
    try (Site site = new Site(failClosed, b -> b)) {
      site.page("/a", (req, res) -> html(res, "still here"));
      RawHttp.Response r = site.get("/a");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo("still here");
      assertThat(site.get("/a").text()).isEqualTo("still here");
    }
  }
}
