package io.larder.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parts of a window's log line that need no window: nothing is timed. */
class WindowLogTest {
  @Test
  void schedstatGivesRunAndWaitNanoseconds() {
    assertThat(WindowLog.parseSchedstat("5605436 1331883 2\n")).containsExactly(5605436, 1331883);
  }

  @Test
  void threadsAreSortedByTheirLinuxNames() {
    assertThat(WindowLog.kind("bench-0")).isEqualTo("bench");
    assertThat(WindowLog.kind("C2 CompilerThre")).isEqualTo("jit");
    assertThat(WindowLog.kind("C1 CompilerThre")).isEqualTo("jit");
    assertThat(WindowLog.kind("GC Thread#1")).isEqualTo("gc");
    assertThat(WindowLog.kind("G1 Young RemSet")).isEqualTo("gc");
    assertThat(WindowLog.kind("lettuce-epollEv")).isEqualTo("other");
    assertThat(WindowLog.isFull("G1 Old Generation")).isTrue();
    assertThat(WindowLog.isFull("MarkSweepCompact")).isTrue();
    assertThat(WindowLog.isFull("G1 Young Generation")).isFalse();
  }

  @Test
  void allocationCountsOnlyThreadsAliveAtBothReadings() {
    // thread 1 grew by 100; thread 2 ended (its lifetime must not be taken off); 3 started
    Map<Long, Long> before = Map.of(1L, 1_000L, 2L, 50_000L);
    Map<Long, Long> after = Map.of(1L, 1_100L, 3L, 7L);
    assertThat(WindowLog.allocatedBetween(before, after)).isEqualTo(100);
  }

  @Test
  void aLineHasOneColumnPerHeading() {
    WindowLog.Counters b = WindowLog.Counters.read();
    WindowLog.Workers w = new WindowLog.Workers();
    Latencies calls = new Latencies();
    calls.record(300_000);
    w.add(4_096, 2_000_000, 1_000_000, 3, calls);
    WindowLog.Counters a = WindowLog.Counters.read();
    List<String> headings = List.of(WindowLog.header().split("\t"));
    String[] columns = WindowLog.line("m1\tr0\tlarder", 2, w, b, a).split("\t");
    assertThat(columns).hasSameSizeAs(headings);
    assertThat(columns[headings.indexOf("contender")]).isEqualTo("larder");
    assertThat(columns[headings.indexOf("calls")]).isEqualTo("2");
    assertThat(Double.parseDouble(columns[headings.indexOf("alloc_kB_call")]))
        .isGreaterThanOrEqualTo(2.0);
    // a window measured outside rounds (a suite's own warm-up) is as wide
    String[] unlabelled = WindowLog.line(WindowLog.NO_LABEL, 2, w, b, a).split("\t");
    assertThat(unlabelled).hasSameSizeAs(headings);
    assertThat(unlabelled[headings.indexOf("calls")]).isEqualTo("2");
  }
}
