package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The count-min sketch behind admission: counts, bounds, halving, and hot beside cold. */
class FrequencySketchTest {

  @Test
  void countsOneKeyExactlyUpToFifteen() {
    FrequencySketch s = new FrequencySketch(64, 1_000);
    long k = FrequencySketch.hash("page:/books/312");
    assertThat(s.frequency(k)).isZero();
    for (int i = 1; i <= 20; i++) {
      assertThat(s.increment(k)).isEqualTo(Math.min(i, FrequencySketch.MAX_COUNT));
    }
    assertThat(s.frequency(k)).isEqualTo(FrequencySketch.MAX_COUNT);
    assertThat(s.frequency(FrequencySketch.hash("page:/books/313"))).isLessThan(2);
  }

  @Test
  void neverUnderestimatesBelowTheCap() {
    FrequencySketch s = new FrequencySketch(256, Long.MAX_VALUE);
    Map<Long, Integer> truth = new HashMap<>();
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 5_000; i++) {
      long k = FrequencySketch.hash("k" + random.nextInt(600)); // more keys than counters
      truth.merge(k, 1, Integer::sum);
      s.increment(k);
    }
    truth.forEach((k, n) ->
        assertThat(s.frequency(k)).isGreaterThanOrEqualTo(Math.min(n, FrequencySketch.MAX_COUNT)));
  }

  @Test
  void halvesEveryCounterAfterTheWindow() {
    FrequencySketch s = new FrequencySketch(64, 20);
    long a = FrequencySketch.hash("a");
    long b = FrequencySketch.hash("b");
    for (int i = 0; i < 12; i++) {
      s.increment(a);
    }
    for (int i = 0; i < 7; i++) {
      s.increment(b);
    }
    assertThat(s.frequency(a)).isEqualTo(12);
    assertThat(s.frequency(b)).isEqualTo(7);
    s.increment(b); // the 20th increment: 12 -> 6 and 8 -> 4
    assertThat(s.frequency(a)).isEqualTo(6);
    assertThat(s.frequency(b)).isEqualTo(4);
    // the sample count was halved too: the next halving comes 10 increments later, not 20
    for (int i = 0; i < 9; i++) {
      s.increment(a);
    }
    assertThat(s.frequency(a)).isEqualTo(15);
    s.increment(a);
    assertThat(s.frequency(a)).isEqualTo(7);
  }

  @Test
  void oldPopularityFadesAndANewHotKeyOvertakesIt() {
    FrequencySketch s = new FrequencySketch(1_024, 200);
    long old = FrequencySketch.hash("old");
    long now = FrequencySketch.hash("new");
    for (int i = 0; i < 15; i++) {
      s.increment(old);
    }
    for (int i = 0; i < 400; i++) { // two windows of traffic in which "old" is never asked
      s.increment(i % 4 == 0 ? now : FrequencySketch.hash("filler" + i));
    }
    assertThat(s.frequency(now)).isGreaterThan(s.frequency(old));
    assertThat(s.frequency(old)).isLessThanOrEqualTo(3);
  }

  @Test
  void hotKeysStandAboveTheLongTail() {
    // 50 hot keys seen 8 times each among 5,000 keys seen once, in a sketch 4,096 wide
    FrequencySketch s = new FrequencySketch(4_096, Long.MAX_VALUE);
    SplittableRandom random = new SplittableRandom(42);
    for (int round = 0; round < 8; round++) {
      for (int i = 0; i < 50; i++) {
        s.increment(FrequencySketch.hash("hot" + i));
      }
      for (int i = 0; i < 625; i++) {
        s.increment(FrequencySketch.hash("cold" + round + ":" + random.nextLong()));
      }
    }
    for (int i = 0; i < 50; i++) {
      assertThat(s.frequency(FrequencySketch.hash("hot" + i))).isGreaterThanOrEqualTo(8);
    }
    int coldLookingWarm = 0;
    for (int i = 0; i < 1_000; i++) {
      if (s.frequency(FrequencySketch.hash("unseen" + i)) >= 2) {
        coldLookingWarm++;
      }
    }
    assertThat(coldLookingWarm).isLessThan(20); // under 2 % of unseen keys look seen twice
  }

  @Test
  void widthIsAPowerOfTwoAndBadSizesAreRefused() {
    assertThat(new FrequencySketch(1, 1).width()).isEqualTo(16);
    assertThat(new FrequencySketch(1_000, 1).width()).isEqualTo(1_024);
    assertThat(new FrequencySketch(1_024, 1).width()).isEqualTo(1_024);
    assertThatThrownBy(() -> new FrequencySketch(0, 1)).hasMessageContaining("was 0");
    assertThatThrownBy(() -> new FrequencySketch(16, 0)).hasMessageContaining("window");
  }
}
