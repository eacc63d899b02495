package io.larder.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.CacheStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example site, started as {@code ./larder example} starts it, on its default SQLite cache. */
class ExampleAppIT {
  @TempDir
  Path data;

  private ExampleApp app;
  private URI uri;

  @BeforeEach
  void start() throws Exception {
    app = ExampleApp.start(Options.parse("--port", "0", "--data", data.toString()));
    uri = app.uri();
  }

  @AfterEach
  void stop() {
    app.close();
  }

  @Test
  void createsItsDataFolderWithTheBookDatabaseAndTheCacheFile() {
    assertThat(data.resolve("larder-example-books.db")).exists();
    assertThat(data.resolve("larder-example-cache.db")).exists();
    assertThat(app.storeDescription()).isEqualTo("sqlite:" + data.resolve("larder-example-cache.db"));
  }

  @Test
  void theHomePageListsTheBooks() throws Exception {
    HttpResponse<String> home = Http.get(uri, "/");
    assertThat(home.statusCode()).isEqualTo(200);
    assertThat(home.body()).contains("<a href=\"/books/1\">Frankenstein</a>")
        .contains("Pride and Prejudice");
  }

  @Test
  void aBookPageShowsDetailsRenderedReviewsCommentsAndTheCounter() throws Exception {
    HttpResponse<String> page = Http.get(uri, "/books/1");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("<h1>Frankenstein</h1>")
        .contains("A <strong>masterpiece</strong> of dread.")   // review markdown, rendered
        .contains("<em>The Modern Prometheus</em>")              // description markdown
        .contains("Read it for class, loved it anyway.")         // the comments fragment
        .contains("<img src=\"/books/1/views.svg\"");            // the hit counter
  }

  @Test
  void theSecondViewOfAPageIsAHitAndMakesExactlyOneStoreRoundTrip() throws Exception {
    HttpResponse<String> first = Http.get(uri, "/books/1");
    assertThat(Http.xCache(first)).isEqualTo("MISS");
    CacheStats before = app.cache().stats();
    long queries = app.library().library().queries();
    HttpResponse<String> second = Http.get(uri, "/books/1");
    CacheStats delta = app.cache().stats().minus(before);
    assertThat(Http.xCache(second)).isEqualTo("HIT");
    assertThat(Http.withoutBadge(second.body())).isEqualTo(Http.withoutBadge(first.body()));
    assertThat(delta.roundTrips()).isEqualTo(1);
    assertThat(app.library().library().queries()).isEqualTo(queries);
    // the request counted its own round trips, and the page says so
    List<RequestLog.Entry> last = app.requestLog().last();
    assertThat(last.get(last.size() - 1).roundTrips()).isEqualTo(1);
    assertThat(Http.badge(first.body())).isEqualTo("MISS");
    assertThat(Http.badge(second.body())).isEqualTo("HIT");
    assertThat(second.body()).containsPattern("served from the cache, stored \\d+ s ago")
        .contains("· 1 round trip</span>");
    assertThat(first.body()).containsPattern("rendered now in [0-9.]+ ms · \\d+ round trips");
  }

  @Test
  void concurrentRequestsEachCountOnlyTheirOwnRoundTrips() throws Exception {
    Http.get(uri, "/books/7"); // stored: from now on every view is a hit of one round trip
    int threads = 8;
    int each = 10;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<String>>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          List<String> badges = new ArrayList<>();
          for (int i = 0; i < each; i++) {
            badges.add(Http.xCache(Http.get(uri, "/books/7")));
          }
          return badges;
        }));
      }
      for (Future<List<String>> f : done) {
        assertThat(f.get(60, TimeUnit.SECONDS)).containsOnly("HIT");
      }
    } finally {
      pool.shutdownNow();
    }
    Recent.Summary hits = app.requestLog().hitTrips();
    assertThat(hits.count()).isEqualTo(threads * each);
    // a shared counter read before and after each request would mix the others' trips in
    assertThat(hits.p50()).isEqualTo(1);
    assertThat(hits.max()).isEqualTo(1);
    assertThat(app.requestLog().missTrips().count()).isEqualTo(1);
    assertThat(app.requestLog().missTrips().max()).isGreaterThan(1);
  }

  @Test
  void aPageRenderedAgainReadsEverythingItNeedsInOneBulkRead() throws Exception {
    Http.get(uri, "/books/2");                 // renders, learns what the page reads
    app.cache().invalidateTag("book:2");      // the page and the book's data go
    Http.get(uri, "/books/2");                 // renders again: the rest is preloaded
    Http.get(uri, "/books/2");
    app.cache().invalidateTag("book:2");
    CacheStats before = app.cache().stats();
    HttpResponse<String> again = Http.get(uri, "/books/2");
    CacheStats delta = app.cache().stats().minus(before);
    assertThat(Http.xCache(again)).isEqualTo("MISS");
    // every read of the page (the page entry, the book, its reviews, their markdown, the
    // comments block) was answered by a preload scope: the round trips left are writes
    assertThat(delta.hits() + delta.misses()).isPositive();
    assertThat(delta.preloadHits()).isGreaterThanOrEqualTo(delta.hits() + delta.misses());
  }

  @Test
  void theHitCounterCountsEveryViewWithIncr() throws Exception {
    assertThat(Http.get(uri, "/books/3/views.svg").body()).contains("1 view<");
    HttpResponse<String> second = Http.get(uri, "/books/3/views.svg");
    assertThat(second.body()).contains("2 views");
    assertThat(second.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(second.headers().firstValue("Content-Type").orElse("")).startsWith("image/svg+xml");
    assertThat(app.counters().get(ExampleApp.viewsKey(3), Long.class)).isEqualTo(2L);
  }

  @Test
  void editingABookInvalidatesItsTagSoEveryPageShowsTheChange() throws Exception {
    Http.get(uri, "/books/4");
    Http.get(uri, "/");
    assertThat(Http.xCache(Http.get(uri, "/books/4"))).isEqualTo("HIT");
    HttpResponse<String> form = Http.get(uri, "/books/4/edit");
    assertThat(form.body()).contains("value=\"The Time Machine\"");
    HttpResponse<String> saved = Http.post(uri, "/books/4/edit", "title="
        + URLEncoder.encode("The Time Machine (1895)", StandardCharsets.UTF_8)
        + "&description=" + URLEncoder.encode("Now *revised*.", StandardCharsets.UTF_8));
    assertThat(saved.statusCode()).isEqualTo(303);
    assertThat(saved.headers().firstValue("Location")).hasValue("/books/4");
    HttpResponse<String> page = Http.get(uri, "/books/4");
    assertThat(Http.xCache(page)).isEqualTo("MISS");
    assertThat(page.body()).contains("<h1>The Time Machine (1895)</h1>")
        .contains("Now <em>revised</em>.");
    assertThat(Http.get(uri, "/").body()).contains("The Time Machine (1895)");
  }

  @Test
  void aNewCommentShowsAtOnce() throws Exception {
    Http.get(uri, "/books/5");
    HttpResponse<String> posted = Http.post(uri, "/books/5/comments",
        "author=zoe&body=" + URLEncoder.encode("<b>Great</b> & scary", StandardCharsets.UTF_8));
    assertThat(posted.statusCode()).isEqualTo(303);
    assertThat(Http.get(uri, "/books/5").body()).contains("&lt;b&gt;Great&lt;/b&gt; &amp; scary");
  }

  @Test
  void aBadEditIsRefusedAndChangesNothing() throws Exception {
    HttpResponse<String> refused = Http.post(uri, "/books/6/edit", "title=&description=x");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("A title");
    assertThat(Http.get(uri, "/books/6").body()).contains("The Adventures of Sherlock Holmes");
  }

  @Test
  void statsShowHitRatioRoundTripsPerRequestAndTimeSaved() throws Exception {
    Http.get(uri, "/books/1");
    Http.get(uri, "/books/1");
    HttpResponse<String> stats = Http.get(uri, "/stats");
    assertThat(stats.statusCode()).isEqualTo(200);
    assertThat(stats.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(stats.body()).contains("Store: <code>sqlite:")
        .contains("whole pages").contains("Markdown.html").contains("comments block")
        .contains("Round trips per request").contains("p95").contains("time saved")
        .contains("<td>page from the cache (HIT)</td><td class=\"n\">1</td>"
            + "<td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">1</td>"
            + "<td class=\"n\">1</td>")
        .contains("<svg").contains("GET /books/1: HIT, 1 round trip")
        .containsPattern("It holds <strong>\\d+</strong> entries in <strong>[0-9.,]+ (B|kB|MB)"
            + "</strong>: the keys of this cache");
    // SQLite counts per prefix: one page stored, with its size
    assertThat(stats.body()).containsPattern("<td>whole pages</td>(<td[^>]*>[^<]*</td>){6}"
        + "<td class=\"n\">1</td><td class=\"n\">[0-9.,]+ (B|kB)</td>");
    assertThat(app.pages().stats().hitRatio()).isEqualTo(0.5);
  }

  @Test
  void anUnknownBookIsNotFound() throws Exception {
    assertThat(Http.get(uri, "/books/999").statusCode()).isEqualTo(404);
    assertThat(Http.get(uri, "/nothing").statusCode()).isEqualTo(404);
  }

  @Test
  void runPrintsTheUrlAndServesUntilInterrupted() throws Exception {
    Path other = Files.createDirectories(data.resolve("run"));
    CountDownLatch running = new CountDownLatch(1);
    ByteArrayOutputStream out = new ByteArrayOutputStream() {
      @Override
      public synchronized void write(byte[] b, int off, int len) {
        super.write(b, off, len);
        if (toString(StandardCharsets.UTF_8).contains("running at")) {
          running.countDown();
        }
      }
    };
    PrintStream printed = new PrintStream(out, true, StandardCharsets.UTF_8);
    AtomicInteger status = new AtomicInteger(-1);
    Thread main = new Thread(() -> status.set(ExampleApp.run(
        new String[] {"--port", "0", "--data", other.toString(), "--cache", "mem:"}, printed,
        printed)));
    main.start();
    assertThat(running.await(30, TimeUnit.SECONDS)).as("the app said it runs").isTrue();
    String line = out.toString(StandardCharsets.UTF_8);
    assertThat(line).startsWith("Larder example running at http://127.0.0.1:");
    String url = line.lines().findFirst().orElseThrow().replace("Larder example running at ", "");
    assertThat(Http.get(URI.create(url), "/books/1").statusCode()).isEqualTo(200);
    main.interrupt();
    main.join(30_000);
    assertThat(main.isAlive()).isFalse();
    assertThat(status.get()).isZero();
  }

  @Test
  void withAdmissionStatsShowTheWritesItSaved() throws Exception {
    app.close();
    app = ExampleApp.start(Options.parse("--port", "0", "--data", data.toString(),
        "--cache", "mem:?admit=on"));
    Http.get(app.uri(), "/books/2"); // first sight: rendered, not stored
    Http.get(app.uri(), "/books/2"); // second: stored
    assertThat(Http.get(app.uri(), "/books/2").headers().firstValue("X-Cache")).hasValue("HIT");
    String stats = Http.get(app.uri(), "/stats").body();
    assertThat(stats).contains("<h2>Admission</h2>").contains("<strong>1</strong> were not stored");
    assertThat(app.pages().stats().notAdmitted()).isEqualTo(1);
  }
}
