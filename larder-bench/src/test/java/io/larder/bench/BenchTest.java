package io.larder.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a suite's JVM passes back, and the JSON written from it; nothing is timed. */
class BenchTest {
  private static final List<Suite.Result> RESULTS = List.of(
      new Suite.Result("get 1kB, 1 thr", 27_640, 14_040, "Lettuce (raw)", "ops/s", true, "",
          new Harness.Spread(1.9, 1.8, 2.05, 10, 1.25)),
      new Suite.Result("p99 \"read\"", 12.5, 30, "naive", "ms", false, "a note\twith a tab",
          null));

  @Test
  void aForksResultsReadBackAsWritten(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("fork.results");
    Bench.writeResults(file, RESULTS);
    assertThat(Bench.readResults(file)).isEqualTo(RESULTS);
  }

  @Test
  void aForksPerRoundRatiosReadBackAsWritten(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("fork.results");
    List<Suite.Result> kept = List.of(new Suite.Result("get", 8, 10, "Caffeine (raw)", "ops/s",
        true, "", new Harness.Spread(0.8, 0.7, 0.9, 3, 1.1, List.of(0.7, 0.8, 0.9),
            List.of(1.1), List.of(0.75, 0.85))));
    Bench.writeResults(file, kept);
    assertThat(Bench.readResults(file)).isEqualTo(kept);
  }

  @Test
  void severalJvmsRowsPoolTheirRoundsAndTakeTheMedianOfTheirValues() {
    List<List<Suite.Result>> forks = List.of(
        List.of(row(100, 125, 0.7, 0.8, 0.9), Suite.Result.rate("hit ratio", 1, 2, "p", "%")),
        List.of(row(90, 100, 0.85, 0.9, 0.95), Suite.Result.rate("hit ratio", 3, 2, "p", "%")),
        List.of(row(80, 120, 0.6, 0.7, 0.8), Suite.Result.rate("hit ratio", 2, 2, "p", "%")));
    List<Suite.Result> pooled = Bench.pooled(forks);
    Suite.Result get = pooled.get(0);
    assertThat(get.larder()).isEqualTo(90);
    assertThat(get.peer()).isEqualTo(120);
    assertThat(get.ratio()).isEqualTo(0.8);
    assertThat(get.spread().rounds()).isEqualTo(9);
    assertThat(get.spread().forks()).containsExactly(0.8, 0.9, 0.7);
    // a row not paired in its JVMs stays unpaired: the ratio of the median values
    assertThat(pooled.get(1).spread()).isNull();
    assertThat(pooled.get(1).ratio()).isEqualTo(1.0);
    assertThatThrownBy(() -> Bench.pooled(List.of(forks.get(0),
        List.of(forks.get(1).get(1), forks.get(1).get(0)))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("different rows");
  }

  /** A paired "get" row of one JVM whose three rounds had these ratios. */
  private static Suite.Result row(double larder, double peer, double... ratios) {
    List<Double> kept = java.util.Arrays.stream(ratios).boxed().toList();
    return new Suite.Result("get", larder, peer, "Caffeine (raw)", "ops/s", true, "",
        new Harness.Spread(ratios[1], ratios[0], ratios[2], 3, Double.NaN, kept, List.of(),
            List.of()));
  }

  @Test
  void aNoteOver64kBReadsBackWhole(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("fork.results");
    List<Suite.Result> big = List.of(new Suite.Result("n", 1, 2, "p", "ops/s", true,
        "é".repeat(40_000), null));
    Bench.writeResults(file, big);
    assertThat(Bench.readResults(file)).isEqualTo(big);
  }

  @Test
  void aForkGetsThisJvmsFlagsButADebuggersAgent() {
    assertThat(Bench.forkFlags(List.of("-Xmx1g", "-agentlib:jdwp=transport=dt_socket,address=5005",
        "-Djava.util.logging.SimpleFormatter.format=%5$s%n", "-Xdebug",
        "-Xrunjdwp:transport=dt_socket", "-XX:+UseG1GC")))
        .containsExactly("-Xmx1g", "-Djava.util.logging.SimpleFormatter.format=%5$s%n",
            "-XX:+UseG1GC");
  }

  @Test
  void aForksCommandTellsItWhichJvmItIsAndWhetherTheRunIsQuick() {
    Path results = Path.of("/tmp/r.results");
    assertThat(Bench.forkCommand("/j/bin/java", List.of("-Xmx1g"), "a.jar", "memory", results,
        2, false)).containsExactly("/j/bin/java", "-Xmx1g", "-cp", "a.jar",
            Bench.class.getName(), "memory", "--fork-results", "/tmp/r.results",
            "--fork-index", "2");
    List<String> quick = Bench.forkCommand("java", List.of(), "cp", "memory", results, 0, true);
    assertThat(quick).startsWith("java", "-Xms2g", "-Xmx2g", "-Xmn256m")
        .endsWith("--fork-index", "0", "--quick");
  }

  @Test
  void aForkParsesItsCommandIntoTheSettingsOfItsJvmNumber() {
    for (int index = 0; index < 3; index++) {
      for (boolean quick : new boolean[] {false, true}) {
        List<String> command = Bench.forkCommand("java", List.of("-Xmx1g"), "cp", "memory",
            Path.of("/tmp/r.results"), index, quick);
        List<String> args = command.subList(command.indexOf(Bench.class.getName()) + 1,
            command.size());
        Bench.Options options = Bench.Options.parse(args.toArray(new String[0]));
        assertThat(options.names()).containsExactly("memory");
        assertThat(options.forkResults()).isEqualTo(Path.of("/tmp/r.results"));
        assertThat(options.forkSettings()).isEqualTo((quick ? Harness.Settings.quickRun()
            : Harness.Settings.fullRun()).forFork(index));
        assertThat(options.forkSettings().fork()).isEqualTo(index);
      }
    }
    assertThat(Bench.Options.parse(new String[] {"memory"}).forkSettings().fork()).isZero();
  }

  @Test
  void aForkWhoseFlagsSizeNoHeapGetsAFixedOne() {
    assertThat(Bench.forkFlags(List.of("-XX:+UseG1GC", "-Dx=-Xmx")))
        .containsExactly("-XX:+UseG1GC", "-Dx=-Xmx", "-Xms2g", "-Xmx2g", "-Xmn256m");
    assertThat(Bench.forkFlags(List.of())).isEqualTo(Bench.HEAP);
    // any flag of the user's that sizes the heap or its young generation keeps theirs whole
    for (String flag : List.of("-Xms512m", "-Xmx8g", "-Xmn1g", "-XX:MaxHeapSize=4g",
        "-XX:InitialHeapSize=1g", "-XX:NewSize=64m", "-XX:MaxNewSize=64m",
        "-XX:MaxRAMPercentage=50", "-XX:MinRAMPercentage=50", "-XX:MaxRAM=4g",
        "-XX:MaxRAMFraction=2", "-XX:NewRatio=3")) {
      assertThat(Bench.forkFlags(List.of(flag))).as(flag).containsExactly(flag);
    }
  }

  @Test
  void aQuickRunTouchesNoMemoryAndAFullRunItsYoungGenerationAndMore() {
    assertThat(Bench.bytesToTouch(Harness.Settings.quickRun())).isZero();
    assertThat(Bench.bytesToTouch(Harness.Settings.fullRun())).isEqualTo(Bench.YOUNG_TOUCHED);
    assertThat(Bench.YOUNG_TOUCHED).isGreaterThan(256L << 20); // HEAP's -Xmn256m
  }

  @Test
  void noForkWarnsOnlyWhenThisJvmsHeapCanGrowOrShrink() {
    assertThat(Bench.unfixedHeapWarning(2L << 30, 2L << 30)).isNull();
    assertThat(Bench.unfixedHeapWarning(64L << 20, 6L << 30))
        .contains("not fixed", "64 MiB", "6144 MiB", "-Xms2g -Xmx2g -Xmn256m");
  }

  @Test
  void theYoungGenerationIsTouchedInArraysOf64kB() {
    // G1's smallest region is 1 MiB, humongous from half of it: 64 kB arrays go to eden
    assertThat(Bench.touchYoungGeneration(1 << 20)).isEqualTo(16);
    assertThat(Bench.touchYoungGeneration(0)).isZero();
  }

  @Test
  void jsonKeepsItsFieldsAndAddsTheSpreadOnEveryCaseNullWhenUnpaired(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("out/bench.json");
    Map<String, List<Suite.Result>> all = new LinkedHashMap<>();
    all.put("redis", RESULTS);
    Bench.writeJson(file, all);
    String json = Files.readString(file);
    assertThat(json).contains("{\"name\":\"get 1kB, 1 thr\",\"larder\":27640,\"peer\":14040,"
        + "\"peerName\":\"Lettuce (raw)\",\"unit\":\"ops/s\",\"ratio\":1.9,\"ratioQ1\":1.8,"
        + "\"ratioQ3\":2.05,\"pairedRounds\":10,\"ratioOfMedians\":1.969,"
        + "\"cpuRatio\":1.25,\"forks\":null}");
    assertThat(json).contains("{\"name\":\"p99 \\\"read\\\"\",\"larder\":12.5,\"peer\":30,"
        + "\"peerName\":\"naive\",\"unit\":\"ms\",\"ratio\":2.4,\"ratioQ1\":null,"
        + "\"ratioQ3\":null,\"pairedRounds\":null,\"ratioOfMedians\":null,"
        + "\"cpuRatio\":null,\"forks\":null}");
    all.put("memory", List.of(new Suite.Result("get", 8, 10, "Caffeine (raw)", "ops/s", true,
        "", new Harness.Spread(0.8, 0.7, 0.9, 3, 1.1, List.of(0.7, 0.8, 0.9), List.of(1.1),
            List.of(0.75, 0.8, 0.85)))));
    Bench.writeJson(file, all);
    assertThat(Files.readString(file)).contains("\"pairedRounds\":3,\"ratioOfMedians\":0.8,"
        + "\"cpuRatio\":1.1,\"forks\":[0.75,0.8,0.85]}");
  }
}
