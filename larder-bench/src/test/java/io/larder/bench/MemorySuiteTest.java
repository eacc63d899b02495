package io.larder.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The memory suite's round counts; nothing is measured. */
class MemorySuiteTest {
  @Test
  void theGoalsRowsTakeAnOddNumberOfRoundsAboutLongerTimesAsMany() {
    assertThat(MemorySuite.longer(Harness.Settings.fullRun()).rounds()).isEqualTo(19);
    assertThat(MemorySuite.longer(new Harness.Settings(10, 500, false)).rounds()).isEqualTo(17);
    assertThat(MemorySuite.longer(Harness.Settings.quickRun()))
        .isEqualTo(Harness.Settings.quickRun());
  }
}
