package io.larder.example;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain HTTP client for the tests: no cookies, no redirects followed. */
final class Http {
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();

  private Http() {}

  static HttpResponse<String> get(URI base, String path) throws IOException, InterruptedException {
    return CLIENT.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(URI base, String path, String form)
      throws IOException, InterruptedException {
    return CLIENT.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The page's HIT/MISS badge: its label, such as {@code HIT}, or null if it has none. */
  static String badge(String body) {
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("<span class=\"badge [a-z]+\">([A-Z ]+)</span>").matcher(body);
    return m.find() ? m.group(1) : null;
  }

  /** The page without its badge, which differs from one request to the next. */
  static String withoutBadge(String body) {
    return body.replaceAll("<p class=\"badges\">.*?</p>", "");
  }

  static String xCache(HttpResponse<?> r) {
    return r.headers().firstValue("X-Cache").orElse(null);
  }
}
