package io.larder.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pairing of ratios by round; the rates are given, nothing is timed. */
class HarnessTest {
  private static final Harness.Settings ROUNDS = new Harness.Settings(5, 1, true);

  /** A contender whose "measurements" are the given rates, the warm-up's first. */
  private static Harness.Timed<RuntimeException> rates(double... perSecond) {
    Deque<Double> left = new ArrayDeque<>();
    for (double r : perSecond) {
      left.add(r);
    }
    return millis -> left.remove();
  }

  /** Larder's and the peer's given rates, measured in one call of {@link Harness#rounds}. */
  private static Harness.Measurement larderAndPeer(double[] larder, double[] peer) {
    Map<String, Harness.Timed<RuntimeException>> contenders = new LinkedHashMap<>();
    contenders.put("larder", rates(larder));
    contenders.put("peer", rates(peer));
    return Harness.rounds(ROUNDS, contenders);
  }

  /** A spread with no CPU time, keeping its sorted per-round {@code ratios}. */
  private static Harness.Spread kept(double median, double q1, double q3, double... ratios) {
    return new Harness.Spread(median, q1, q3, ratios.length, Double.NaN,
        java.util.Arrays.stream(ratios).boxed().toList(), List.of(), List.of());
  }

  @Test
  void severalJvmsRoundsPoolIntoOneSpreadKeepingEachJvmsOwnRatio() {
    // three JVMs of three rounds: their medians 0.8, 0.9, 0.7; pooled, the nine rounds
    Harness.Spread a = new Harness.Spread(0.8, 0.75, 0.85, 3, 1.1, List.of(0.7, 0.8, 0.9),
        List.of(1.0, 1.1, 1.2), List.of());
    Harness.Spread b = new Harness.Spread(0.9, 0.875, 0.925, 3, 1.3, List.of(0.85, 0.9, 0.95),
        List.of(1.3, 1.3, 1.3), List.of());
    Harness.Spread c = new Harness.Spread(0.7, 0.65, 0.75, 3, Double.NaN, List.of(0.6, 0.7, 0.8),
        List.of(), List.of());
    Harness.Spread pooled = Harness.Spread.pooled(List.of(a, b, c));
    // sorted: 0.6 0.7 0.7 0.8 0.8 0.85 0.9 0.9 0.95
    assertThat(pooled.median()).isEqualTo(0.8);
    assertThat(pooled.q1()).isEqualTo(0.7);
    assertThat(pooled.q3()).isEqualTo(0.9);
    assertThat(pooled.rounds()).isEqualTo(9);
    assertThat(pooled.ratios()).containsExactly(0.6, 0.7, 0.7, 0.8, 0.8, 0.85, 0.9, 0.9, 0.95);
    assertThat(pooled.cpuRatio()).isEqualTo(1.25); // of 1.0 1.1 1.2 1.3 1.3 1.3
    assertThat(pooled.forks()).containsExactly(0.8, 0.9, 0.7);
    // a JVM's spread whose rounds were not kept cannot be pooled
    assertThatThrownBy(() -> Harness.Spread.pooled(List.of(a, new Harness.Spread(1, 1, 1, 3))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 rounds");
  }

  @Test
  void ratioIsTheMedianOfPerRoundRatiosNotTheRatioOfMedians() {
    // the machine halves both sides' speed in rounds 3 and 4: per round, Larder is 0.8 × the
    // peer every time, but the medians come from different rounds
    Map<String, Harness.Timed<RuntimeException>> contenders = new LinkedHashMap<>();
    contenders.put("larder", rates(1, 80, 80, 40, 40, 80));
    contenders.put("peer", rates(1, 100, 100, 50, 50, 100));
    contenders.put("third", rates(1, 7, 7, 7, 7, 7));
    Harness.Measurement m = Harness.rounds(ROUNDS, contenders);
    assertThat(m.medians()).containsExactly(Map.entry("larder", 80.0), Map.entry("peer", 100.0),
        Map.entry("third", 7.0));

    Suite.Result r = m.rate("case", "larder", "peer", "peer", "ops/s");
    assertThat(r.spread()).isEqualTo(kept(0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8));
    assertThat(r.ratio()).isCloseTo(0.8, within(1e-12));
  }

  @Test
  void pairsEachRoundsWindowsAndGivesTheirQuartiles() {
    // rounds' ratios: 1.0, 2.0, 0.5, 4.0, 1.5; the ratio of their medians is 3 / 1
    Harness.Measurement m = larderAndPeer(new double[] {9, 1, 2, 3, 4, 6},
        new double[] {9, 1, 1, 6, 1, 4});

    Suite.Result rate = m.rate("r", "larder", "peer", "p", "ops/s");
    assertThat(rate.ratio()).isEqualTo(1.5);
    assertThat(rate.spread().q1()).isEqualTo(1.0);
    assertThat(rate.spread().q3()).isEqualTo(2.0);
    assertThat(rate.ratioOfValues()).isEqualTo(3.0 / 1.0);

    // a cost pairs the other way round: peer ÷ Larder per round
    Suite.Result cost = m.cost("c", "larder", "peer", "p", "ms");
    assertThat(cost.ratio()).isCloseTo(1 / 1.5, within(1e-12));
    assertThat(cost.spread().q1()).isCloseTo(0.5, within(1e-12));
    assertThat(cost.spread().q3()).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void valuesThatAreNotMediansOfOneMeasurementAreNotPaired() {
    Suite.Result r = Suite.Result.rate("x", 2, 5, "p", "ops/s");
    assertThat(r.spread()).isNull();
    assertThat(r.ratio()).isEqualTo(2.0 / 5.0);
    assertThat(Suite.Result.cost("y", 2, 5, "p", "ms").ratio()).isEqualTo(5.0 / 2.0);
  }

  @Test
  void aMisspeltContenderFailsNamingIt() {
    Harness.Measurement m = larderAndPeer(new double[] {1, 2, 2, 2, 2, 2},
        new double[] {1, 4, 4, 4, 4, 4});
    assertThatThrownBy(() -> m.rate("r", "larder", "peeer", "p", "ops/s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"peeer\"").hasMessageContaining("[larder, peer]");
    assertThatThrownBy(() -> m.median("Larder")).hasMessageContaining("\"Larder\"");
  }

  @Test
  void spreadIsAFunctionOfTwoArraysOfTheSameRounds() {
    assertThat(Harness.spread(new double[] {1, 2, 3}, new double[] {2, 2, 2}, true))
        .isEqualTo(kept(1.0, 0.75, 1.25, 0.5, 1.0, 1.5));
    assertThatThrownBy(() -> Harness.spread(new double[] {1}, new double[] {1, 2}, true))
        .isInstanceOf(IllegalArgumentException.class);
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
    Harness.Measurement m = Harness.rounds(new Harness.Settings(n, 1, true), contenders);
    double aOverB = m.rate("ab", "a", "b", "b", "ops/s").ratio();
    double bOverA = m.rate("ba", "b", "a", "a", "ops/s").ratio();
    assertThat(aOverB * bOverA).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void roundsWithAZeroRateStayInThePairsOnlyNaNIsLeftOut() {
    // a stall of Larder's (0) and of the peer's (infinity) are kept; 0 ÷ 0 is not a ratio
    Harness.Measurement m = larderAndPeer(new double[] {1, 2, 0, 2, 2, 0},
        new double[] {1, 4, 4, 4, 0, 0});
    Harness.Spread s = m.rate("r", "larder", "peer", "p", "ops/s").spread();
    assertThat(s).isEqualTo(kept(0.5, 0.375, Double.POSITIVE_INFINITY, 0, 0.5, 0.5,
        Double.POSITIVE_INFINITY));
    assertThat(Harness.spread(new double[] {0, 1, 1}, new double[] {1, 0, 1}, true))
        .isEqualTo(kept(1.0, 0.5, Double.POSITIVE_INFINITY, 0, 1, Double.POSITIVE_INFINITY));
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
    assertThat(String.join("", order)).isEqualTo("bac" + "abc" + "cba");
    assertThat(windows).containsExactly(1_000L, 1_000L, 1_000L, 500L, 500L, 500L, 500L, 500L,
        500L);
    assertThat(new Harness.Settings(3, 100, true).warmUpMillis()).isEqualTo(100);
    assertThat(new Harness.Settings(3, 2_000, false).warmUpMillis()).isEqualTo(2_000);
  }

  @Test
  void noContenderFollowsTheSameOneMostOfTheTime() {
    List<String> two = List.of("a", "b");
    assertThat(List.of(Harness.order(two, 0), Harness.order(two, 1), Harness.order(two, 2),
        Harness.order(two, 3))).containsExactly(two, List.of("b", "a"), List.of("b", "a"), two);
    for (int n = 3; n <= 5; n++) {
      List<String> names = List.of("a", "b", "c", "d", "e").subList(0, n);
      Map<String, Integer> follows = new java.util.TreeMap<>();
      Map<String, Integer> first = new java.util.TreeMap<>();
      for (int round = 0; round < 2 * n; round++) {
        List<String> order = Harness.order(names, round);
        first.merge(order.get(0), 1, Integer::sum);
        for (int i = 1; i < n; i++) {
          follows.merge(order.get(i - 1) + order.get(i), 1, Integer::sum);
        }
      }
      assertThat(first.values()).as("first, %d contenders", n).containsOnly(2);
      // each contender directly precedes one of its two neighbours as often as the other
      for (String a : names) {
        List<Integer> after = follows.entrySet().stream()
            .filter(e -> e.getKey().startsWith(a)).map(Map.Entry::getValue).toList();
        assertThat(after).as("after %s, %d contenders", a, n).hasSize(2)
            .allMatch(c -> c.equals(after.get(0)));
      }
    }
  }

  @Test
  void windowsMeasuredOnThreadsCarryTheirCpuTimePerCall() throws Exception {
    Map<String, Harness.Work> contenders = new LinkedHashMap<>();
    long[] sink = new long[1];
    contenders.put("larder", random -> sink[0] += random.nextLong());
    contenders.put("peer", random -> sink[0] += random.nextLong());
    Harness.Measurement m =
        Harness.throughput(new Harness.Settings(3, 20, true), 1, contenders);
    Harness.Spread s = m.rate("r", "larder", "peer", "p", "ops/s").spread();
    assertThat(s.rounds()).isEqualTo(3);
    assertThat(s.cpuRatio()).isPositive().isFinite();
    assertThat(s.cpuRatios()).hasSize(3).isSorted();
    assertThat(s.ratios()).hasSize(3).isSorted();
    assertThat(m.cost("c", "larder", "peer", "p", "ms").spread().cpuRatio()).isNaN();
    // work measured otherwise (an outside program) has no CPU time per call
    Harness.Measurement o = larderAndPeer(new double[] {1, 2, 2, 2, 2, 2},
        new double[] {1, 4, 4, 4, 4, 4});
    assertThat(o.rate("r", "larder", "peer", "p", "ops/s").spread().cpuRatio()).isNaN();
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
