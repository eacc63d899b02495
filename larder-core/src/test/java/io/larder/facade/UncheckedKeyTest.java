package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheCodecException;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.spi.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A read of an unprefixed cache over the memory store checks its key only when the store holds
 * no bare value under it (a bare value proves the key valid and its own store key), and a write
 * leaves the check to the store's one look: an empty, invalid or namespaced key must still be
 * refused or escaped, whatever the store holds under it.
 */
class UncheckedKeyTest {
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

  @Test
  void aWriteOfAnEmptyOrInvalidKeyIsRefusedAndStoresNothing() {
    Codec<byte[]> failing = new Codec<>() {
      @Override
      public byte[] encode(byte[] value) {
        throw new CacheCodecException("refused");
      }

      @Override
      public byte[] decode(byte[] bytes) {
        return bytes;
      }
    };
    for (String bad : new String[] {"", "\uD800", "a\uDC00b"}) {
      assertThatThrownBy(() -> root.set(bad, new byte[] {1}))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> root.set(bad, new byte[] {1}, failing, Cache.FOREVER))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> root.set(null, new byte[] {1}))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> root.set("k", null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> root.set("k", new byte[] {1}, failing, Cache.FOREVER))
        .isInstanceOf(CacheCodecException.class);
    assertThat(caches.store.size("").entries()).isZero();
    assertThat(root.stats().writes()).isZero();
  }

  @Test
  void aWriteOfAKeyStartingWithTheNamespaceMarkNeverReplacesANamespacesValue() {
    Cache notes = root.namespace("notes");
    notes.set("k", new byte[] {1});
    root.set("~notes::k", new byte[] {2});
    root.set("~notes::t", new byte[] {3}, Duration.ofMinutes(1));

    assertThat(notes.get("k", byte[].class)).containsExactly(1);
    assertThat(root.get("~notes::k", byte[].class)).containsExactly(2);
    assertThat(caches.store.get("~~notes::k")).containsExactly(2);
    assertThat(caches.store.get("~~notes::t")).containsExactly(3);
    assertThat(caches.store.get("~notes::t")).isNull();
  }

  @Test
  void aWriteIsAPrivateCopyExpiresAndIsCountedOnce() {
    byte[] value = {1, 2};
    root.set("b", value, Duration.ofSeconds(10));
    value[0] = 9;
    assertThat(root.get("b", byte[].class)).containsExactly(1, 2);
    assertThat(root.stats().writes()).isEqualTo(1);
    assertThat(root.stats().roundTrips()).isEqualTo(2);
    caches.elapse(Duration.ofSeconds(11));
    assertThat(root.get("b", byte[].class)).isNull();
  }

  /** A codec of byte arrays that counts its encodes and hands back {@code payload}, if set. */
  private static final class CountingCodec implements Codec<byte[]> {
    final AtomicInteger encodes = new AtomicInteger();
    byte[] payload;

    @Override
    public byte[] encode(byte[] value) {
      encodes.incrementAndGet();
      return payload != null ? payload : value.clone();
    }

    @Override
    public byte[] decode(byte[] bytes) {
      return bytes;
    }
  }

  @Test
  void aClosedCacheRefusesAnInvalidKeyBeforeItSaysItIsClosed() {
    root.set("k", "v");
    root.close();
    for (String bad : new String[] {"", "\uD800"}) {
      assertThatThrownBy(() -> root.get(bad, String.class))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> root.set(bad, "v"))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> root.set(bad, new byte[] {1}))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> root.get("k", String.class))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> root.set("k", new byte[] {1}))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aWriteChecksTheKeyBeforeTheValueAndTheTtl() {
    CountingCodec codec = new CountingCodec();
    for (String bad : new String[] {"", "\uD800", "a\uDC00b"}) {
      assertThatThrownBy(() -> root.set(bad, null, codec, Cache.FOREVER))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> root.set(bad, new byte[] {1}, codec, null))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> root.set(null, new byte[] {1}, codec, null))
        .isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> root.set("k", null, codec, null))
        .isInstanceOf(NullPointerException.class).hasMessage("ttl");
    assertThatThrownBy(() -> root.set("k", null, codec, Cache.FOREVER))
        .isInstanceOf(NullPointerException.class).hasMessage("value");
    assertThat(codec.encodes).hasValue(0);
    assertThat(caches.store.size("").entries()).isZero();
  }

  @Test
  void theCodecNeverRunsForAnInvalidKeyAndRunsOnceForAnEscapedOrTooLargeValue() {
    CountingCodec codec = new CountingCodec();
    Codec<byte[]> error = new Codec<>() {
      @Override
      public byte[] encode(byte[] value) {
        throw new AssertionError("the codec ran");
      }

      @Override
      public byte[] decode(byte[] bytes) {
        return bytes;
      }
    };
    for (String bad : new String[] {"", "\uD800", "a\uDC00b"}) {
      assertThatThrownBy(() -> root.set(bad, new byte[] {1}, codec, Cache.FOREVER))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> root.set(bad, new byte[] {1}, error, Cache.FOREVER))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(codec.encodes).hasValue(0);

    root.set("~notes::k", new byte[] {1}, codec, Cache.FOREVER);
    assertThat(codec.encodes).as("an escaped key").hasValue(1);

    // over Larder's cap on what a codec may make (64 MiB): refused, fail-closed
    codec.payload = new byte[(64 << 20) + 1];
    assertThatThrownBy(() -> root.set("big", new byte[] {1}, codec, Cache.FOREVER))
        .isInstanceOf(CacheCodecException.class);
    assertThat(codec.encodes).as("a value too large").hasValue(2);
    assertThat(root.get("big", byte[].class)).isNull();
  }
}
