package io.larder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.KyotoTycoonServer;
import io.larder.testkit.MemcachedServer;
import io.larder.testkit.RedisServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged command jar as users do ({@code java -jar}), proving that the shaded
 * jar finds every store through its merged service files.
 */
class LarderCommandIT {

  private static Path jar() throws IOException {
    try (Stream<Path> files = Files.list(Paths.get("target"))) {
      return files.filter(p -> p.getFileName().toString().matches("larder-cli-.*-all\\.jar"))
          .findFirst().orElseThrow(() -> new AssertionError("no shaded jar in target/"));
    }
  }

  private static String[] run(String... args) throws Exception {
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    List<String> command = new java.util.ArrayList<>(List.of(java.toString(), "-jar",
        jar().toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new String[] {Integer.toString(p.exitValue()), output};
  }

  @Test
  void checkPassesOnMemAndSqliteFromTheJar(@TempDir Path dir) throws Exception {
    for (String url : List.of("mem:", "sqlite:" + dir.resolve("cache.db"))) {
      String[] result = run("check", url);
      assertThat(result[1]).as(url).endsWith(LiveChecks.checks().size() + " passed, 0 failed\n");
      assertThat(result[0]).as(url).isEqualTo("0");
    }
  }

  @Test
  void checkPassesAgainstARealKyotoTycoon() throws Exception {
    try (KyotoTycoonServer kt = KyotoTycoonServer.startOrSkip()) {
      String url = kt.url() + "?db=1&timeout=10s"; // a cold JVM on a loaded machine
      String[] result = run("check", url);
      assertThat(result[1]).as(url).endsWith(LiveChecks.checks().size() + " passed, 0 failed\n");
      assertThat(result[0]).as(url).isEqualTo("0");
    }
  }

  @Test
  void theHelpListsEveryCommandAndTheSchemesInTheJar() throws Exception {
    String[] result = run("--help");
    assertThat(result[0]).isEqualTo("0");
    assertThat(result[1]).contains("\n  check URL ").contains("\n  example ").contains("\n  bench ")
        .containsPattern("URL schemes here: kt: mariadb: mem: memcached: memcacheds: mysql: none:"
            + " postgres: postgresql: redis: redis-cluster: rediss: sqlite:\n")
        .contains("exit status: 0 success");
  }

  /**
   * Asserts what a user should see when a store cannot be opened: the failure in one line
   * and the count, with no class names, no unresolved addresses, no date headers of
   * java.util.logging and nothing but lines Larder wrote (warnings logged say so).
   */
  private static void assertOneClearLine(String[] result, String failure) {
    assertThat(result[0]).isEqualTo("1");
    String output = result[1];
    assertThat(output).contains("FAIL  " + failure).endsWith("\n0 passed, 1 failed\n")
        .doesNotContain("Exception").doesNotContain("<unresolved>").doesNotContain("io.larder.")
        .doesNotContain("io.lettuce").doesNotContain("io.netty")
        .doesNotContainPattern("(?m)^[A-Z][a-z]{2} \\d{1,2}, \\d{4} ");
    for (String line : output.split("\n")) {
      assertThat(line).matches("FAIL  .*|larder: (warning|error|info): .*|0 passed, 1 failed");
    }
    assertThat(output.lines().filter(l -> l.startsWith("FAIL  ")).count()).isEqualTo(1);
  }

  @Test
  void aStoppedRedisPrintsOneClearLine() throws Exception {
    RedisServer redis = RedisServer.start();
    String url = "redis://127.0.0.1:" + redis.port() + "/0";
    redis.stop();
    assertOneClearLine(run("check", url), "cannot connect to " + url
        + ": connection refused (is a server listening on that port?)");
  }

  @Test
  void aRedisWantingAPasswordPrintsTheHintWithoutTheServersHandshakeText() throws Exception {
    try (RedisServer redis = RedisServer.builder().args("--requirepass", "s3cret").start()) {
      String url = "redis://127.0.0.1:" + redis.port() + "/0";
      String[] result = run("check", url);
      assertOneClearLine(result, "cannot open " + url + ": the server requires a password;"
          + " give it in the URL, redis://:password@host:port/db or"
          + " redis://user:password@host:port/db\n");
      assertThat(result[1]).doesNotContain("HELLO").doesNotContain("NOAUTH");
    }
  }

  @Test
  void aStoppedMemcachedPrintsOneClearLineAndLogsWithoutDateHeaders() throws Exception {
    MemcachedServer memcached = MemcachedServer.start();
    String url = "memcached://127.0.0.1:" + memcached.port();
    memcached.stop();
    String[] result = run("check", url);
    assertOneClearLine(result, "open " + url + ": cannot connect to memcached 127.0.0.1:"
        + memcached.port());
  }

  @Test
  void aMistypedSchemeOrOptionGetsADidYouMeanFromTheJar() throws Exception {
    assertThat(run("check", "memcache://127.0.0.1:1")[1]).contains("(did you mean 'memcached:'?)");
    try (RedisServer redis = RedisServer.start()) {
      String url = "redis://127.0.0.1:" + redis.port() + "/0?tll=5m&tiemout=1s";
      assertThat(run("check", url)[1]).contains("FAIL  unknown options [tiemout, tll] in '" + url
          + "' (did you mean 'timeout' for 'tiemout', 'tls' or 'ttl' for 'tll'?)\n");
    }
    assertThat(run("chek", "mem:")[1]).contains("did you mean 'check'?");
  }

  @Test
  void checkSaysANearTierFallsBackToNearTtlOnARedisThatCannotTrack() throws Exception {
    try (RedisServer noResp3 = RedisServer.builder().args("--rename-command", "HELLO", "")
        .start()) {
      // timeouts long enough for a cold JVM on a loaded machine
      String[] result = run("check", noResp3.url() + "?near=1m&timeout=5s&writeTimeout=5s");
      assertThat(result[1]).as(result[1]).contains("\ninfo  near: TTL-bounded: ")
          .contains("\nwarn  near=: the server cannot push invalidations")
          .doesNotContain("near: tracking");
      assertThat(result[0]).as(result[1]).isEqualTo("0");
    }
  }

  @Test
  void anUnknownSchemeListsTheAvailableOnes() throws Exception {
    // a scheme no module will ever bring; the list shows the jar found every provider
    String[] result = run("check", "nosuchstore://127.0.0.1:1/0");
    assertThat(result[0]).isEqualTo("1");
    assertThat(result[1]).contains("no store for scheme 'nosuchstore:'")
        .contains("available: [").contains("mem").contains("sqlite").contains("redis")
        .contains("rediss").contains("redis-cluster");
  }
}
