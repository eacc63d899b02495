package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FreshnessTest {
  @Test
  void defaultsAndWithers() {
    Freshness f = Freshness.of(Duration.ofMinutes(10));
    assertThat(f.beta()).isEqualTo(1.0);
    assertThat(f.leaseTime()).isZero();
    assertThat(f.staleTime()).isZero();
    Freshness g = f.lease(Duration.ofSeconds(5)).staleFor(Duration.ofMinutes(1)).earlyRecompute(0);
    assertThat(g.leaseTime()).isEqualTo(Duration.ofSeconds(5));
    assertThat(g.staleTime()).isEqualTo(Duration.ofMinutes(1));
    assertThat(g.beta()).isZero();
    assertThat(f).isNotEqualTo(g).isEqualTo(Freshness.of(Duration.ofMinutes(10)));
  }

  @Test
  void badValuesAreRejectedNamingTheOption() {
    assertThatThrownBy(() -> Freshness.of(Duration.ZERO)).hasMessageContaining("ttl");
    Freshness f = Freshness.of(Duration.ofSeconds(1));
    assertThatThrownBy(() -> f.lease(Duration.ofSeconds(-1))).hasMessageContaining("lease");
    assertThatThrownBy(() -> f.staleFor(Duration.ZERO)).hasMessageContaining("staleFor");
    assertThatThrownBy(() -> f.earlyRecompute(-1)).hasMessageContaining("beta");
    assertThatThrownBy(() -> f.earlyRecompute(Double.NaN)).hasMessageContaining("beta");
  }
}
