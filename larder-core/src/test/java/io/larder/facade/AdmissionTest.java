package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Admission;
import io.larder.AdmissionStats;
import io.larder.Cache;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.Memoized;
import io.larder.MemoizedAll;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Admission of computed values: a first miss is computed and returned but not stored, a
 * second is stored; {@code set} always stores; memoized functions choose for themselves.
 */
class AdmissionTest {
  private static final Duration TTL = Duration.ofMinutes(5);
  private final MemoryCaches caches = new MemoryCaches();

  @AfterEach
  void close() {
    caches.close();
  }

  private Cache admitting() {
    return caches.open(Larder.builder().prefix("a").admission(Admission.sketch()));
  }

  @Test
  void aKeyIsStoredOnItsSecondMissAndServedAfter() {
    Cache cache = admitting();
    AtomicInteger runs = new AtomicInteger();
    for (int i = 0; i < 4; i++) {
      assertThat(cache.getOrCompute("report", String.class, TTL, () -> "r" + runs.incrementAndGet()))
          .isEqualTo(i == 0 ? "r1" : "r2");
    }
    assertThat(runs).as("computed on the first two misses, then served").hasValue(2);
    assertThat(cache.admissionStats()).isEqualTo(new AdmissionStats(1, 1, 0));
    assertThat(cache.getOrCompute("once", String.class, TTL, () -> "x")).isEqualTo("x");
    assertThat(cache.exists("once")).isFalse();
    assertThat(cache.admissionStats()).isEqualTo(new AdmissionStats(1, 2, 1));
  }

  @Test
  void setAlwaysStores() {
    Cache cache = admitting();
    cache.set("k", "v");
    assertThat(cache.get("k", String.class)).isEqualTo("v");
    assertThat(cache.admissionStats()).isEqualTo(new AdmissionStats(0, 0, 0));
  }

  @Test
  void withAdmissionOffEveryValueIsStoredAndTheSketchIsNotAsked() {
    Cache cache = caches.cache("plain");
    cache.getOrCompute("k", String.class, TTL, () -> "v");
    assertThat(cache.exists("k")).isTrue();
    assertThat(cache.admission()).isEqualTo(Admission.off());
    assertThat(cache.admissionStats()).isEqualTo(new AdmissionStats(0, 0, 0));
  }

  @Test
  void aMemoizedFunctionOptsInOrOutWhateverTheCacheSays() {
    Cache plain = caches.cache("plain");
    AtomicInteger runs = new AtomicInteger();
    Memoized<Long, String> in = plain.memoizer("in", Long.class, Codec.utf8()).admit(true)
        .of(id -> "v" + id + ":" + runs.incrementAndGet());
    assertThat(in.apply(1L)).isEqualTo("v1:1");
    assertThat(in.apply(1L)).isEqualTo("v1:2");
    assertThat(in.apply(1L)).isEqualTo("v1:2");
    assertThat(plain.admissionStats().rejected()).isEqualTo(1);

    Cache admitting = admitting();
    Memoized<Long, String> out = admitting.memoizer("out", Long.class, Codec.utf8()).admit(false)
        .of(id -> "w" + runs.incrementAndGet());
    String first = out.apply(7L);
    assertThat(out.apply(7L)).as("stored on the first miss").isEqualTo(first);
    assertThatThrownBy(() -> plain.memoizer("x", Long.class, Codec.utf8()).admit(true).admit(true))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("admit was already set");
  }

  @Test
  void aBulkMemoizedFunctionStoresOnlyAdmittedResultsAndReturnsThemAll() {
    Cache cache = admitting();
    AtomicInteger computed = new AtomicInteger();
    MemoizedAll<Long, String> names = cache.memoizer("names", Long.class, Codec.utf8())
        .ofAll(ids -> {
          Map<Long, String> out = new HashMap<>();
          ids.forEach(id -> out.put(id, "n" + id));
          computed.addAndGet(ids.size());
          return out;
        });
    assertThat(names.getAll(List.of(1L, 2L))).containsOnlyKeys(1L, 2L);
    assertThat(names.getAll(List.of(1L, 3L))).containsOnlyKeys(1L, 3L); // 1 is admitted now
    assertThat(names.getAll(List.of(1L, 2L, 3L))).containsOnlyKeys(1L, 2L, 3L);
    assertThat(computed).as("1 and 2 and 3 twice each, 1 stored at its second miss").hasValue(6);
    assertThat(cache.admissionStats().admitted()).isEqualTo(3);
  }

  @Test
  void admitCountsMissesUnderTheNamespacesOwnKeys() {
    Cache cache = admitting();
    Cache pages = cache.namespace("pages");
    Cache other = cache.namespace("other");
    assertThat(pages.admit("/a")).isFalse();
    assertThat(other.admit("/a")).as("another namespace's key is another key").isFalse();
    assertThat(pages.admit("/a")).isTrue();
    assertThat(cache.admissionStats()).isEqualTo(new AdmissionStats(1, 2, 1));
  }

  @Test
  void theUrlSetsAdmissionAndItsSketch() {
    try (Cache on = Larder.open("mem:?admit=on")) {
      assertThat(on.admission()).isEqualTo(Admission.sketch());
    }
    try (Cache three = Larder.open("mem:?admit=3&admitKeys=1k&admitWindow=5000")) {
      assertThat(three.admission())
          .isEqualTo(Admission.sketch().minMisses(3).keys(1024).window(5000));
      assertThat(three.admit("k")).isFalse();
      assertThat(three.admit("k")).isFalse();
      assertThat(three.admit("k")).isTrue();
    }
    try (Cache off = Larder.open("mem:?admitKeys=4k")) {
      assertThat(off.admission().isOn()).isFalse();
      assertThat(off.admission().keys()).isEqualTo(4096);
    }
    assertThatThrownBy(() -> Larder.open("mem:?admit=often")).hasMessageContaining("'often'");
    assertThatThrownBy(() -> Larder.open("mem:?admit=16")).hasMessageContaining("was 16");
    assertThatThrownBy(() -> Larder.builder().url("mem:?admit=on").admission(Admission.off())
        .build()).hasMessageContaining("option 'admit' is set both");
  }

  @Test
  void badSettingsAreRefusedByName() {
    assertThatThrownBy(() -> Admission.sketch().keys(8)).hasMessageContaining("keys")
        .hasMessageContaining("was 8");
    assertThatThrownBy(() -> Admission.sketch().window(0)).hasMessageContaining("window");
    assertThatThrownBy(() -> Admission.sketch().minMisses(0)).hasMessageContaining("minMisses");
    assertThat(Admission.sketch().window()).isEqualTo(10L * Admission.DEFAULT_KEYS);
  }
}
