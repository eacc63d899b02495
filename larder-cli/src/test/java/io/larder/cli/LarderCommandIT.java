package io.larder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.KyotoTycoonServer;
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
      String url = kt.url() + "?db=1";
      String[] result = run("check", url);
      assertThat(result[1]).as(url).endsWith(LiveChecks.checks().size() + " passed, 0 failed\n");
      assertThat(result[0]).as(url).isEqualTo("0");
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
