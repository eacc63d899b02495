package io.larder.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pairing of ratios by round; the rates are given, nothing is timed. */
class HarnessTest {
  private static final Harness.Settings ROUNDS = new Harness.Settings(5, 1, true);

  @AfterEach
  void forget() {
    Harness.forget();
  }

  /** A contender whose "measurements" are the given rates, the warm-up's first. */
  private static Harness.Timed<RuntimeException> rates(double... perSecond) {
    Deque<Double> left = new ArrayDeque<>();
    for (double r : perSecond) {
      left.add(r);
    }
    return millis -> left.remove();
  }

  /** Larder's and the peer's given rates, measured in one call of {@link Harness#rounds}. */
  private static Map<String, Double> larderAndPeer(double[] larder, double[] peer) {
    Map<String, Harness.Timed<RuntimeException>> contenders = new LinkedHashMap<>();
    contenders.put("larder", rates(larder));
    contenders.put("peer", rates(peer));
    return Harness.rounds(ROUNDS, contenders);
  }

  @Test
  void ratioIsTheMedianOfPerRoundRatiosNotTheRatioOfMedians() {
    // the machine halves both sides' speed in rounds 3 and 4: per round, Larder is 0.8 × the
    // peer every time, but the medians come from different rounds
    Map<String, Harness.Timed<RuntimeException>> contenders = new LinkedHashMap<>();
    contenders.put("larder", rates(1, 80, 80, 40, 40, 80));
    contenders.put("peer", rates(1, 100, 100, 50, 50, 100));
    contenders.put("third", rates(1, 7, 7, 7, 7, 7));
    Map<String, Double> m = Harness.rounds(ROUNDS, contenders);
    assertThat(m).containsExactly(Map.entry("larder", 80.0), Map.entry("peer", 100.0),
        Map.entry("third", 7.0));

    Suite.Result r = Suite.Result.rate("case", m.get("larder"), m.get("peer"), "peer", "ops/s");
    assertThat(r.spread()).isEqualTo(new Harness.Spread(0.8, 0.8, 0.8, 5));
    assertThat(r.ratio()).isCloseTo(0.8, within(1e-12));
  }

  @Test
  void pairsEachRoundsWindowsAndGivesTheirQuartiles() {
    // rounds' ratios: 1.0, 2.0, 0.5, 4.0, 1.5; the ratio of their medians is 3 / 1
    Map<String, Double> m = larderAndPeer(new double[] {9, 1, 2, 3, 4, 6},
        new double[] {9, 1, 1, 6, 1, 4});

    Suite.Result rate = Suite.Result.rate("r", m.get("larder"), m.get("peer"), "p", "ops/s");
    assertThat(rate.ratio()).isEqualTo(1.5);
    assertThat(rate.spread().q1()).isEqualTo(1.0);
    assertThat(rate.spread().q3()).isEqualTo(2.0);
    assertThat(rate.ratioOfValues()).isEqualTo(3.0 / 1.0);

    // a cost pairs the other way round: peer ÷ Larder per round
    Suite.Result cost = Suite.Result.cost("c", m.get("larder"), m.get("peer"), "p", "ms");
    assertThat(cost.ratio()).isCloseTo(1 / 1.5, within(1e-12));
    assertThat(cost.spread().q1()).isCloseTo(0.5, within(1e-12));
    assertThat(cost.spread().q3()).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void valuesThatAreNotMediansOfOneMeasurementAreNotPaired() {
    Map<String, Double> a = larderAndPeer(new double[] {1, 2, 2, 2, 2, 2},
        new double[] {1, 4, 4, 4, 4, 4});
    Map<String, Double> b = larderAndPeer(new double[] {1, 5, 5, 5, 5, 5},
        new double[] {1, 5, 5, 5, 5, 5});

    // from two measurements: their rounds are not the same rounds
    Suite.Result across = Suite.Result.rate("x", a.get("larder"), b.get("peer"), "p", "ops/s");
    assertThat(across.spread()).isNull();
    assertThat(across.ratio()).isEqualTo(2.0 / 5.0);
    // a value computed from a median (a new box), though equal to it
    double copy = a.get("peer");
    Suite.Result computed = Suite.Result.rate("y", a.get("larder"), copy, "p", "ops/s");
    assertThat(computed.spread()).isNull();
    assertThat(computed.ratio()).isEqualTo(0.5);
    // a contender beside itself
    assertThat(Harness.spread(a.get("peer"), a.get("peer"), true)).isNull();
    // after forget, nothing is paired
    Harness.forget();
    assertThat(Suite.Result.rate("z", a.get("larder"), a.get("peer"), "p", "ops/s").spread())
        .isNull();
  }

  @Test
  void thePairedRatioOfAOverBIsTheInverseOfBOverAOnAFullRunsRoundCount() {
    // per-round ratios alternate 0.8 and 1.25: with an even count, the mean of the two middle
    // ratios (1.025) would make both sides win
    int n = Harness.Settings.fullRun().rounds();
    assertThat(n % 2).isEqualTo(1);
    double[] a = new double[n + 1];
    double[] b = new double[n + 1];
    for (int i = 0; i <= n; i++) {
      a[i] = i % 2 == 0 ? 80 : 125;
      b[i] = 100;
    }
    Map<String, Harness.Timed<RuntimeException>> contenders = new LinkedHashMap<>();
    contenders.put("a", rates(a));
    contenders.put("b", rates(b));
    Map<String, Double> m = Harness.rounds(new Harness.Settings(n, 1, true), contenders);
    double aOverB = Harness.spread(m.get("a"), m.get("b"), true).median();
    double bOverA = Harness.spread(m.get("b"), m.get("a"), true).median();
    assertThat(aOverB * bOverA).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void roundsWithAZeroRateAreLeftOutOfThePairs() {
    Map<String, Double> m = larderAndPeer(new double[] {1, 2, 0, 2, 2, 2},
        new double[] {1, 4, 4, 4, 0, 4});
    Harness.Spread s = Harness.spread(m.get("larder"), m.get("peer"), true);
    assertThat(s).isEqualTo(new Harness.Spread(0.5, 0.5, 0.5, 3));
  }

  @Test
  void rotatesTheOrderAndWarmsUpForAtLeastASecondInAFullRun() {
    List<String> order = new java.util.ArrayList<>();
    List<Long> windows = new java.util.ArrayList<>();
    Map<String, Harness.Timed<RuntimeException>> contenders = new LinkedHashMap<>();
    for (String name : List.of("a", "b", "c")) {
      contenders.put(name, millis -> {
        order.add(name);
        windows.add(millis);
        return 1;
      });
    }
    Harness.rounds(new Harness.Settings(2, 500, false), contenders);
    assertThat(String.join("", order)).isEqualTo("cab" + "abc" + "bca");
    assertThat(windows).containsExactly(1_000L, 1_000L, 1_000L, 500L, 500L, 500L, 500L, 500L,
        500L);
    assertThat(new Harness.Settings(3, 100, true).warmUpMillis()).isEqualTo(100);
    assertThat(new Harness.Settings(3, 2_000, false).warmUpMillis()).isEqualTo(2_000);
  }

  @Test
  void windowsMeasuredOnThreadsCarryTheirCpuTimePerCall() throws Exception {
    Map<String, Harness.Work> contenders = new LinkedHashMap<>();
    long[] sink = new long[1];
    contenders.put("larder", random -> sink[0] += random.nextLong());
    contenders.put("peer", random -> sink[0] += random.nextLong());
    Map<String, Double> m = Harness.throughput(new Harness.Settings(3, 20, true), 1, contenders);
    Harness.Spread s = Harness.spread(m.get("larder"), m.get("peer"), true);
    assertThat(s.rounds()).isEqualTo(3);
    assertThat(s.cpuRatio()).isPositive().isFinite();
    assertThat(Harness.spread(m.get("larder"), m.get("peer"), false).cpuRatio()).isNaN();
    // work measured otherwise (an outside program) has no CPU time per call
    Map<String, Double> o = larderAndPeer(new double[] {1, 2, 2, 2, 2, 2},
        new double[] {1, 4, 4, 4, 4, 4});
    assertThat(Harness.spread(o.get("larder"), o.get("peer"), true).cpuRatio()).isNaN();
  }

  @Test
  void quantilesInterpolateBetweenNeighbours() {
    double[] sorted = {1, 2, 3, 4};
    assertThat(Harness.quantile(sorted, 0.5)).isEqualTo(2.5);
    assertThat(Harness.quantile(sorted, 0.25)).isEqualTo(1.75);
    assertThat(Harness.quantile(sorted, 0.75)).isEqualTo(3.25);
    assertThat(Harness.quantile(new double[] {7}, 0.25)).isEqualTo(7);
  }
}
