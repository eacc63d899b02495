package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arithmetic of server counts and the parsing of Kyoto Tycoon's report. */
class RequestCountsTest {

  @Test
  void minusKeepsWhatChangedAndPlusAddsNodesUp() {
    RequestCounts before = RequestCounts.of(Map.of("get", 5L, "mget", 1L, "info", 7L));
    RequestCounts after = RequestCounts.of(Map.of("get", 5L, "mget", 3L, "info", 8L, "set", 2L));
    RequestCounts seen = after.minus(before);
    assertThat(seen.names()).containsExactly("info", "mget", "set");
    assertThat(seen.get("mget")).isEqualTo(2);
    assertThat(seen.get("get")).isZero();
    assertThat(seen.sum("mget", "set", "absent")).isEqualTo(4);
    assertThat(seen.plus(RequestCounts.of(Map.of("mget", 1L))).get("mget")).isEqualTo(3);
    assertThat(RequestCounts.none().minus(RequestCounts.none())).isEqualTo(RequestCounts.none());
  }

  @Test
  void kyotoTycoonsReportKeepsTheNumericCounters() {
    RequestCounts counts = KyotoTycoonRequests.parse("conf_kt_version\t0.9.56\n"
        + "cnt_get\t12\ncnt_get_misses\t3\ncnt_set\t4\ncnt_misc\t1\nserv_conn_count\t2\n"
        + "cnt_broken\tx\n");
    assertThat(counts.names()).containsExactly("cnt_get", "cnt_get_misses", "cnt_misc", "cnt_set");
    assertThat(counts.sum("cnt_get", "cnt_get_misses")).isEqualTo(15);
  }
}
