package io.larder.bench;

import io.larder.example.ExampleApp;
import io.larder.testkit.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * The {@code page} suite's {@code cold page round trips} case: the example's book page on Redis
 * right after an edit invalidated it (its learned key lists in place), as the store round trips
 * the site's cache counts for that one request, with write gathering (Larder as it ships) and
 * with {@code gatherWrites=false} (the peer). The edits change the title only, so the page
 * reads the keys it read before; the median of {@value #EDITS} edits is reported.
 */
final class ColdPageRoundTrips {
  private static final int EDITS = 5;
  private static final String PAGE = "/books/1";

  private ColdPageRoundTrips() {}

  /** Measures both sites, each on its own key prefix of one redis-server. */
  static Suite.Result measure(Path root) throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      double gathered = median(redis.url() + "?prefix=gathered", root.resolve("gathered"));
      double oneByOne = median(redis.url() + "?prefix=plain&gatherWrites=false",
          root.resolve("plain"));
      return Suite.Result.cost("cold page round trips", gathered, oneByOne,
          "gatherWrites=false", "round trips");
    }
  }

  private static double median(String url, Path data) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (ExampleApp app = ExampleApp.start("--cache", url, "--port", "0", "--data",
        data.toString())) {
      URI uri = app.uri();
      // a first edit sets the description the measured edits keep, then the page learns
      edit(http, uri, "Frankenstein");
      get(http, uri, "MISS");
      get(http, uri, "HIT");
      long[] trips = new long[EDITS];
      for (int i = 0; i < EDITS; i++) {
        edit(http, uri, "Frankenstein " + i);
        long before = app.storeRoundTrips();
        get(http, uri, "MISS");
        trips[i] = app.storeRoundTrips() - before;
        get(http, uri, "HIT");
      }
      Arrays.sort(trips);
      return trips[EDITS / 2];
    }
  }

  private static void edit(HttpClient http, URI uri, String title)
      throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri.resolve(PAGE + "/edit"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("title=" + title.replace(' ', '+')
            + "&description=A+tale+of+*dread*."))
        .build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 303) {
      throw new IllegalStateException("editing " + PAGE + " answered " + r.statusCode());
    }
  }

  private static void get(HttpClient http, URI uri, String xCache)
      throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri.resolve(PAGE))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    String verdict = r.headers().firstValue("X-Cache").orElse("none");
    if (r.statusCode() != 200 || !verdict.equals(xCache)) {
      throw new IllegalStateException("GET " + PAGE + " answered " + r.statusCode()
          + " with X-Cache " + verdict + ", expected 200 and " + xCache);
    }
  }
}
