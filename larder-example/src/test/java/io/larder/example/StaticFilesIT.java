package io.larder.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.web.PageCacheStats;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --static DIR}: the same Jetty serves a folder of files under {@code /static/}. */
class StaticFilesIT {
  private static final String CSS = "body { font-family: serif; }\n";

  @TempDir
  Path data;
  @TempDir
  Path files;

  private ExampleApp app;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(files.resolve("site.css"), CSS);
    Files.createDirectories(files.resolve("img"));
    app = ExampleApp.start("--cache", "mem:", "--port", "0", "--data", data.toString(),
        "--static", files.toString());
  }

  @AfterEach
  void stop() {
    app.close();
  }

  @Test
  void servesTheFilesOfTheFolderAsTheyArePastThePageCache() throws Exception {
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> css = Http.get(app.uri(), "/static/site.css");
      assertThat(css.statusCode()).isEqualTo(200);
      assertThat(css.body()).isEqualTo(CSS);
      assertThat(css.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("text/css"));
      assertThat(css.headers().firstValue("Content-Length"))
          .hasValue(String.valueOf(CSS.getBytes(StandardCharsets.UTF_8).length));
      assertThat(Http.xCache(css)).as("the page cache steps aside").isNull();
    }
    PageCacheStats pages = app.pages().stats();
    assertThat(pages.hits() + pages.misses()).isZero();
    assertThat(pages.bypasses()).isEqualTo(2);
  }

  @Test
  void neitherListsFoldersNorServesMissingFiles() throws Exception {
    assertThat(Http.get(app.uri(), "/static/img/").statusCode()).isEqualTo(403);
    assertThat(Http.get(app.uri(), "/static/missing.css").statusCode()).isEqualTo(404);
  }

  @Test
  void theSiteStillServesItsPages() throws Exception {
    HttpResponse<String> page = Http.get(app.uri(), "/books/1");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<h1>Frankenstein</h1>");
  }
}
