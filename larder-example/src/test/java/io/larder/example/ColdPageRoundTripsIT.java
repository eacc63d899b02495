package io.larder.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.RedisServer;
import io.larder.testkit.RequestCounts;
import io.larder.testkit.ServerRequests;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The book page on Redis after an edit invalidated it, its learned key lists in place: the
 * round trips it costs with write gathering (the default) and without, counted by the cache
 * and checked at the server.
 */
class ColdPageRoundTripsIT {
  private static RedisServer redis;

  @TempDir
  Path data;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  /** What one cold page cost: the cache's count and the server's writes. */
  private record Cost(long roundTrips, RequestCounts atServer) {}

  private Cost coldPage(String options, String dir) throws Exception {
    // 5 s timeouts: a call past the default 250 ms on a loaded machine fails open and moves
    // the counts this test compares
    String url = redis.url() + "?prefix=" + dir + "&timeout=5s&writeTimeout=5s"
        + (options.isEmpty() ? "" : "&" + options);
    try (ExampleApp app = ExampleApp.start("--cache", url, "--port", "0",
        "--data", data.resolve(dir).toString())) {
      URI uri = app.uri();
      assertThat(Http.xCache(Http.get(uri, "/books/1"))).isEqualTo("MISS");
      Http.get(uri, "/books/1"); // a hit: the lookup has learned its key
      // an edit of the title invalidates the book's tag: the page and its data are stale
      HttpResponse<String> edited = Http.post(uri, "/books/1/edit",
          "title=Frankenstein%202&description=" + java.net.URLEncoder.encode(
              app.library().library().book(1).description(),
              java.nio.charset.StandardCharsets.UTF_8));
      assertThat(edited.statusCode()).isEqualTo(303);
      ServerRequests server = ServerRequests.redis(redis);
      RequestCounts before = server.read();
      long trips = app.cache().stats().roundTrips();
      HttpResponse<String> page = Http.get(uri, "/books/1");
      long made = app.cache().stats().roundTrips() - trips;
      RequestCounts seen = server.read().minus(before);
      assertThat(Http.xCache(page)).isEqualTo("MISS");
      assertThat(page.body()).contains("<h1>Frankenstein 2</h1>");
      assertThat(Http.xCache(Http.get(uri, "/books/1"))).isEqualTo("HIT");
      return new Cost(made, seen);
    }
  }

  @Test
  void aColdPageCostsTwoBulkReadsAndOneBulkWrite() throws Exception {
    Cost gathered = coldPage("", "gathered");
    Cost oneByOne = coldPage("gatherWrites=false", "plain");
    // the page's lookup, the render scope's learned keys, the bulk write
    assertThat(gathered.roundTrips()).as("with gathering; server saw %s", gathered.atServer())
        .isEqualTo(3);
    assertThat(gathered.atServer().get("mget")).isEqualTo(2);
    assertThat(gathered.atServer().get("get")).isZero();
    assertThat(oneByOne.roundTrips()).as("without; server saw %s", oneByOne.atServer())
        .isGreaterThan(gathered.roundTrips() + 2);
  }
}
