package io.larder.example;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentTest {
  @Test
  void percentilesAreByNearestRankOverTheWindow() {
    Recent r = new Recent(100);
    for (int i = 1; i <= 100; i++) {
      r.add(i);
    }
    assertThat(r.summary()).isEqualTo(new Recent.Summary(100, 100, 50, 95, 100));
  }

  @Test
  void onlyTheLastValuesCount() {
    Recent r = new Recent(4);
    for (long v : new long[] {90, 90, 90, 1, 1, 1, 2}) {
      r.add(v);
    }
    assertThat(r.summary()).isEqualTo(new Recent.Summary(7, 4, 1, 2, 2));
  }

  @Test
  void aFewValues() {
    Recent r = new Recent(1_000);
    assertThat(r.summary()).isEqualTo(new Recent.Summary(0, 0, 0, 0, 0));
    r.add(1);
    r.add(24);
    assertThat(r.summary()).isEqualTo(new Recent.Summary(2, 2, 1, 24, 24));
  }
}
