package io.larder.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/** The memory suite's JVMs, round counts and warm-up order; nothing is measured. */
class MemorySuiteTest {
  @Test
  void aFullRunMeasuresInSeveralJvmsAnOddNumberOfRoundsEachAQuickRunInOne() {
    MemorySuite suite = new MemorySuite();
    assertThat(suite.forks(Harness.Settings.fullRun())).isEqualTo(MemorySuite.FORKS)
        .isGreaterThan(1);
    assertThat(suite.forks(Harness.Settings.quickRun())).isEqualTo(1);
    Harness.Settings full = MemorySuite.rounds(Harness.Settings.fullRun().forFork(2),
        MemorySuite.ROUNDS);
    assertThat(full.rounds()).isEqualTo(MemorySuite.ROUNDS);
    assertThat(full.fork()).isEqualTo(2);
    assertThat(full.millis()).isEqualTo(Harness.Settings.fullRun().millis());
    assertThat(MemorySuite.ROUNDS % 2).isEqualTo(1);
    assertThat(MemorySuite.ROUNDS * MemorySuite.FORKS % 2).isEqualTo(1);
    assertThat(MemorySuite.rounds(Harness.Settings.quickRun(), MemorySuite.ROUNDS))
        .isEqualTo(Harness.Settings.quickRun());
  }

  @Test
  void overAsManyJvmsAsCachesEachCacheIsWarmedFirstOnce() {
    List<String> caches = List.of("larder", "caffeine", "caffeine+copy");
    assertThat(MemorySuite.rotated(caches, 0)).isEqualTo(caches);
    assertThat(MemorySuite.rotated(caches, 1))
        .containsExactly("caffeine", "caffeine+copy", "larder");
    assertThat(MemorySuite.rotated(caches, 2))
        .containsExactly("caffeine+copy", "larder", "caffeine");
    assertThat(MemorySuite.rotated(caches, 3)).isEqualTo(caches);
    assertThat(MemorySuite.rotated(List.of("a", "b"), 1)).containsExactly("b", "a");
    assertThat(MemorySuite.rotated(List.of(), 1)).isEmpty();
  }

  @Test
  void eachJvmListsTheContendersOfAMeasurementRotatedByItsNumber() {
    Map<String, Integer> contenders = new LinkedHashMap<>();
    contenders.put("larder", 1);
    contenders.put("caffeine", 2);
    contenders.put("caffeine+copy", 3);
    assertThat(MemorySuite.rotated(contenders, 0)).containsExactly(entry("larder", 1),
        entry("caffeine", 2), entry("caffeine+copy", 3));
    assertThat(MemorySuite.rotated(contenders, 1)).containsExactly(entry("caffeine", 2),
        entry("caffeine+copy", 3), entry("larder", 1));
    assertThat(MemorySuite.rotated(contenders, 2)).containsExactly(entry("caffeine+copy", 3),
        entry("larder", 1), entry("caffeine", 2));
  }

  @Test
  void aFullRunSaysItsJvmsAndRoundsAQuickRunNothing() {
    MemorySuite suite = new MemorySuite();
    assertThat(suite.shape(Harness.Settings.fullRun())).startsWith(
        MemorySuite.FORKS + " JVMs × " + MemorySuite.ROUNDS + " rounds of "
            + Harness.Settings.fullRun().millis() + " ms");
    assertThat(suite.shape(Harness.Settings.quickRun())).isNull();
  }

  @Test
  void warmWritesEveryKeyToEveryCacheInTheJvmsRotatedOrderThenItsReverse() {
    List<String> ran = new ArrayList<>();
    MemorySuite.warm(1, new int[] {7, 3, 5}, k -> ran.add("a" + k), k -> ran.add("b" + k),
        k -> ran.add("c" + k));
    assertThat(ran).containsExactly("b7", "c7", "a7", "a3", "c3", "b3", "b5", "c5", "a5");
  }

  @Test
  void inEveryJvmEachCacheIsWrittenBeforeEachOtherForHalfTheDraws() {
    for (int caches = 2; caches <= 4; caches++) {
      for (int fork = 0; fork < Math.max(MemorySuite.FORKS, caches) + 1; fork++) {
        int[] sequence = new int[100];
        for (int i = 0; i < sequence.length; i++) {
          sequence[i] = i;
        }
        List<List<Integer>> writers = new ArrayList<>(); // per draw, the caches in write order
        for (int i = 0; i < sequence.length; i++) {
          writers.add(new ArrayList<>());
        }
        IntConsumer[] steps = new IntConsumer[caches];
        for (int c = 0; c < caches; c++) {
          int cache = c;
          steps[c] = k -> writers.get(k).add(cache);
        }
        MemorySuite.warm(fork, sequence, steps);
        for (int a = 0; a < caches; a++) {
          for (int b = a + 1; b < caches; b++) {
            int aFirst = 0;
            int bFirst = 0;
            for (List<Integer> draw : writers) {
              assertThat(draw).hasSize(caches);
              if (draw.indexOf(a) < draw.indexOf(b)) {
                aFirst++;
              } else {
                bFirst++;
              }
            }
            assertThat(aFirst).as("%d caches, JVM %d: cache %d before %d", caches, fork, a, b)
                .isEqualTo(bFirst);
          }
        }
      }
    }
  }
}
