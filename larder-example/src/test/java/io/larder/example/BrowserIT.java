package io.larder.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real browser on the example: headless Chromium opens {@code /books/1} twice and sees
 * the same page, the second time answered whole from the cache, the badge reading MISS and
 * then HIT; the screenshot shows the HIT.
 */
class BrowserIT {
  @TempDir
  static Path data;

  private static Chromium chromium;
  private static ExampleApp app;
  private static URI uri;

  @BeforeAll
  static void start() throws Exception {
    chromium = Chromium.findOrInstall();
    assumeTrue(chromium != null, "skipped: headless Chromium is not installed and could not be"
        + " installed (apt-get install chromium, as root)");
    app = ExampleApp.start(Options.parse("--port", "0", "--data", data.toString()));
    uri = app.uri();
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  /** The page cache's answers to the requests for /books/1 so far, in order. */
  private static List<String> pageRequests() {
    return app.requestLog().last().stream().filter(e -> e.what().equals("GET /books/1"))
        .map(RequestLog.Entry::xCache).toList();
  }

  @Test
  void chromiumSeesTheSamePageTwiceTheSecondTimeFromTheCache(@TempDir Path profiles)
      throws Exception {
    String url = uri.resolve("/books/1").toString();

    String first = chromium.dumpDom(profiles.resolve("first"), url);
    assertThat(first).contains("<h1>Frankenstein</h1>").contains("masterpiece");
    assertThat(pageRequests()).containsExactly("MISS");
    assertThat(Http.badge(first)).as("the badge of the first view").isEqualTo("MISS");
    assertThat(first).containsPattern("rendered now in [0-9.]+ ms · \\d+ round trips");

    HttpResponse<String> plain = Http.get(uri, "/books/1");
    assertThat(Http.xCache(plain)).isEqualTo("HIT");

    String second = chromium.dumpDom(profiles.resolve("second"), url);
    assertThat(Http.badge(second)).as("the badge of the second view").isEqualTo("HIT");
    assertThat(second).containsPattern("served from the cache, stored \\d+ s ago");
    assertThat(Http.withoutBadge(second)).isEqualTo(Http.withoutBadge(first));
    // what the server answered each request for the page: Chromium, the client, Chromium
    assertThat(pageRequests()).containsExactly("MISS", "HIT", "HIT");

    Path png = Files.createDirectories(Path.of("target", "browser")).resolve("books-1.png");
    Files.deleteIfExists(png);
    chromium.screenshot(profiles.resolve("shot"), url, png, 1100, 1400);
    assertThat(png).exists();
    byte[] header = new byte[8];
    try (var in = Files.newInputStream(png)) {
      assertThat(in.read(header)).isEqualTo(8);
    }
    assertThat(header).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    assertThat(Files.size(png)).isGreaterThan(10_000);
  }
}
