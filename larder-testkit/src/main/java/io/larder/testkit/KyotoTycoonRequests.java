package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link ServerRequests} for Kyoto Tycoon: the {@code cnt_*} fields of {@code /rpc/report}
 * ({@code cnt_get}, {@code cnt_get_misses}, {@code cnt_set}, {@code cnt_remove},
 * {@code cnt_script}, {@code cnt_misc}, ...), which ktserver counts per record, so a bulk
 * read of n keys counts n gets, the misses among them also in {@code cnt_get_misses}.
 */
final class KyotoTycoonRequests implements ServerRequests {
  private final String host;
  private final int port;

  KyotoTycoonRequests(String host, int port) {
    this.host = host;
    this.port = port;
  }

  @Override
  public RequestCounts read() {
    return report(host, port);
  }

  /**
   * Reads the {@code cnt_*} counters of one server's {@code /rpc/report}.
   *
   * @throws IllegalStateException if the server cannot be reached or does not answer 200
   */
  static RequestCounts report(String host, int port) {
    HttpURLConnection c = null;
    try {
      c = (HttpURLConnection) URI.create("http://" + host + ":" + port + "/rpc/report").toURL()
          .openConnection();
      c.setConnectTimeout(5_000);
      c.setReadTimeout(5_000);
      c.setRequestMethod("POST");
      c.setDoOutput(true);
      c.getOutputStream().close();
      if (c.getResponseCode() != 200) {
        throw new IllegalStateException("Kyoto Tycoon " + host + ":" + port
            + " answered /rpc/report with " + c.getResponseCode());
      }
      String body;
      try (InputStream in = c.getInputStream()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return parse(body);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /rpc/report from Kyoto Tycoon " + host + ":"
          + port, e);
    } finally {
      if (c != null) {
        c.disconnect();
      }
    }
  }

  /** Parses a tab-separated report, keeping the numeric {@code cnt_*} lines. */
  static RequestCounts parse(String body) {
    Map<String, Long> counts = new TreeMap<>();
    for (String line : body.split("\n")) {
      int tab = line.indexOf('\t');
      if (line.startsWith("cnt_") && tab > 0) {
        String value = line.substring(tab + 1).strip();
        if (value.matches("\\d+")) {
          counts.put(line.substring(0, tab), Long.parseLong(value));
        }
      }
    }
    return RequestCounts.of(counts);
  }

  @Override
  public void checkBulk(Bulk op, int keys, RequestCounts seen) {
    // ktserver counts records, not requests: what it can show is that each key was touched once;
    // its cnt_get counts every record asked for, misses included (cnt_get_misses is a part)
    String counter = switch (op) {
      case READ -> "cnt_get";
      case WRITE -> "cnt_set";
      case DELETE -> "cnt_remove";
    };
    assertThat(seen.sum(counter)).as("records a bulk %s of %d keys touched; the server saw %s",
        op, keys, seen).isEqualTo(keys);
  }

  @Override
  public void checkNone(RequestCounts seen) {
    assertThat(seen.sum("cnt_get", "cnt_get_misses", "cnt_set", "cnt_set_misses", "cnt_remove",
        "cnt_remove_misses", "cnt_script")).as("records the server touched: %s", seen).isZero();
  }
}
