package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.spi.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A read of an unprefixed cache over the memory store checks its key only when the store holds
 * no bare value under it (a bare value proves the key valid and its own store key): an empty,
 * invalid or namespaced key must still be refused or escaped, whatever the store holds under it.
 */
class UncheckedHitTest {
  private final MemoryCaches caches = new MemoryCaches();
  private final Cache root = caches.open(Larder.builder());

  @AfterEach
  void close() {
    caches.close();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void anEmptyOrInvalidKeyIsRefusedEvenWhenTheStoreHoldsAValueUnderIt() {
    caches.store.set("", utf8("empty"), Store.NO_EXPIRY);
    caches.store.set("\uD800", utf8("lone"), Store.NO_EXPIRY);
    caches.store.set("a\uDC00", utf8("lone low"), Store.NO_EXPIRY);

    assertThatThrownBy(() -> root.get("", String.class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> root.get("\uD800", String.class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> root.get("a\uDC00", byte[].class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> root.get(null, String.class))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void anEmptyOrInvalidKeyIsRefusedOnAMiss() {
    assertThatThrownBy(() -> root.get("", String.class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> root.get("x\uDBFF", String.class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(root.stats().misses()).isZero();
  }

  @Test
  void aKeyStartingWithTheNamespaceMarkNeverReadsANamespacesValue() {
    Cache notes = root.namespace("notes");
    notes.set("k", "namespaced");
    notes.set("t", "namespaced with a ttl", Duration.ofMinutes(1));

    assertThat(root.get("~notes::k", String.class)).isNull();
    assertThat(root.get("~notes::t", String.class)).isNull();
    root.set("~notes::k", "the root's own");
    assertThat(root.get("~notes::k", String.class)).isEqualTo("the root's own");
    assertThat(notes.get("k", String.class)).isEqualTo("namespaced");
    assertThat(caches.store.get("~~notes::k")).isEqualTo(utf8("the root's own"));
  }

  @Test
  void aValidKeyWhoseValueExpiresOrCarriesAVersionIsStillRead() {
    root.set("ttl", "with a ttl", Duration.ofSeconds(10));
    root.set("cas", "versioned");
    assertThat(caches.store.getVersioned("cas")).isNotNull();

    assertThat(root.get("ttl", String.class)).isEqualTo("with a ttl");
    assertThat(root.get("cas", String.class)).isEqualTo("versioned");
    caches.elapse(Duration.ofSeconds(11));
    assertThat(root.get("ttl", String.class)).isNull();
    assertThat(root.stats().hits()).isEqualTo(2);
    assertThat(root.stats().misses()).isEqualTo(1);
  }
}
