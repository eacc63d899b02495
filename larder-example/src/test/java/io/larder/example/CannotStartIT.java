package io.larder.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./larder example} when its cache cannot be opened: one clear line and status 1. */
class CannotStartIT {

  @Test
  void aStoppedRedisPrintsOneClearLine(@TempDir Path data) {
    RedisServer redis = RedisServer.start();
    String url = "redis://127.0.0.1:" + redis.port() + "/0";
    redis.stop();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = ExampleApp.run(new String[] {"--cache", url, "--port", "0", "--data",
        data.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(status).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("larder example: cannot start:"
        + " cannot connect to " + url + ": connection refused (is a server listening on that"
        + " port?)\n");
  }

  @Test
  void aMistypedOptionPrintsOneLineWithoutAClassName(@TempDir Path data) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = ExampleApp.run(new String[] {"--cache", "mem:?tll=5m", "--port", "0",
        "--data", data.toString()}, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(status).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("larder example: cannot start:"
        + " unknown option [tll] in 'mem:?tll=5m' (did you mean 'ttl'?)\n");
  }
}
