package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LarderTest {

  @Test
  void opensTheBuiltInMemoryScheme() {
    try (Cache cache = Larder.open("mem:?maxBytes=1m&prefix=app&ttl=5m&compress=256")) {
      cache.set("k", "v");
      assertThat(cache.get("k", String.class)).isEqualTo("v");
      assertThat(cache.defaultTtl()).isEqualTo(Duration.ofMinutes(5));
      assertThat(cache.toString()).contains("mem:").contains("app:");
    }
    assertThat(Larder.schemes()).contains("mem");
  }

  @Test
  void anUnknownSchemeNamesTheModuleToAdd() {
    assertThatThrownBy(() -> Larder.open("redis://127.0.0.1:6379/0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redis:").hasMessageContaining("larder-redis");
    assertThatThrownBy(() -> Larder.open("nope:x")).hasMessageContaining("available: [");
  }

  @Test
  void anUnknownOptionIsAnErrorNotIgnored() {
    assertThatThrownBy(() -> Larder.open("mem:?maxbyte=1m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxbyte");
  }

  @Test
  void aMistypedOptionGetsTheOptionItWasMeantToBe() {
    // 'maxBytes' is the memory store's, 'ttl' and 'failOpen' the facade's: both are offered
    assertThatThrownBy(() -> Larder.open("mem:?tll=5m"))
        .hasMessage("unknown option [tll] in 'mem:?tll=5m' (did you mean 'ttl'?)");
    assertThatThrownBy(() -> Larder.open("mem:?maxbtyes=1m&failopn=false"))
        .hasMessage("unknown options [failopn, maxbtyes] in 'mem:?maxbtyes=1m&failopn=false'"
            + " (did you mean 'failOpen' for 'failopn', 'maxBytes' for 'maxbtyes'?)");
    assertThatThrownBy(() -> Larder.open("mem:?frobnicate=1"))
        .hasMessage("unknown option [frobnicate] in 'mem:?frobnicate=1'");
  }

  @Test
  void aMistypedSchemeGetsTheSchemeItWasMeantToBe() {
    assertThatThrownBy(() -> Larder.open("mme:"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("did you mean 'mem:'?)");
    // redis is not on core's class path: the hint says which module brings it
    assertThatThrownBy(() -> Larder.open("reddis://127.0.0.1:6379/0"))
        .hasMessageContaining("(did you mean 'redis:'? add larder-redis to the class path for it)");
    assertThatThrownBy(() -> Larder.open("frobnicate:x")).hasMessageNotContaining("did you mean");
  }

  @Test
  void optionValuesAreChecked() {
    assertThatThrownBy(() -> Larder.open("mem:?ttl=0")).hasMessageContaining("positive");
    assertThatThrownBy(() -> Larder.open("mem:?ttl=soon")).hasMessageContaining("'ttl'");
    assertThatThrownBy(() -> Larder.open("mem:?compress=0")).hasMessageContaining("compress");
    assertThatThrownBy(() -> Larder.open("mem:?failOpen=maybe")).hasMessageContaining("failOpen");
    assertThatThrownBy(() -> Larder.open("mem:?prefix=")).hasMessageContaining("empty");
    assertThatThrownBy(() -> Larder.open("mem:somewhere")).hasMessageContaining("no path");
    try (Cache c = Larder.open("mem:?ttl=forever")) {
      assertThat(c.defaultTtl()).isEqualTo(Cache.FOREVER);
    }
  }

  @Test
  void theBuilderTakesEachOptionOnceAndRejectsConflicts() {
    assertThatThrownBy(() -> Larder.builder().prefix("a").prefix("b"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("prefix");
    assertThatThrownBy(() -> Larder.builder().url("mem:?prefix=a").prefix("b").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both");
    assertThatThrownBy(() -> Larder.builder().build()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> Larder.builder().url("mem:").store(Stores.memory()).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> Larder.builder().defaultTtl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Larder.builder().compressAbove(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Larder.builder().allowSerialized(Object.class))
        .isInstanceOf(IllegalArgumentException.class);

  }

  @Test
  void closeClosesOnlyWhatTheCacheOpened() {
    AtomicInteger closes = new AtomicInteger();
    Store borrowed = new ForwardingStore(Stores.memory()) {
      @Override
      public void close() {
        closes.incrementAndGet();
        super.close();
      }
    };
    Cache cache = Larder.builder().store(borrowed).build();
    cache.namespace("ns").close();
    cache.close();
    cache.close();
    assertThat(closes).hasValue(0);
    assertThatThrownBy(() -> cache.get("k", String.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    borrowed.close();
  }

  @Test
  void decorateStoreWrapsTheStoreTheCacheUses() {
    AtomicInteger gets = new AtomicInteger();
    AtomicInteger closes = new AtomicInteger();
    Cache cache = Larder.builder().url("mem:").decorateStore(store -> new ForwardingStore(store) {
      @Override
      public byte[] get(String key) {
        gets.incrementAndGet();
        return super.get(key);
      }

      @Override
      public void close() {
        closes.incrementAndGet();
        super.close();
      }
    }).build();
    cache.get("k", String.class);
    cache.close();
    assertThat(gets).hasValue(1);
    assertThat(closes).as("a store opened from the URL is closed through the wrapper").hasValue(1);
    assertThatThrownBy(() -> Larder.builder().url("mem:").decorateStore(s -> null).build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aTtlIsRoundedUpToMillisecondsAndCappedAtForever() {
    assertThat(Ttls.millis(Duration.ofNanos(1))).isEqualTo(1);
    assertThat(Ttls.millis(Duration.ofMillis(1500))).isEqualTo(1500);
    assertThat(Ttls.millis(Duration.ofNanos(1_500_001))).isEqualTo(2);
    assertThat(Ttls.millis(Duration.ZERO)).isEqualTo(-1);
    assertThat(Ttls.millis(Duration.ofSeconds(-5))).isEqualTo(-1);
    assertThat(Ttls.millis(Duration.ofDays(36_524))).isEqualTo(36_524L * 86_400_000);
    assertThat(Ttls.millis(Duration.ofDays(36_525))).isEqualTo(Store.NO_EXPIRY);
    assertThat(Ttls.millis(Cache.FOREVER)).isEqualTo(Store.NO_EXPIRY);
  }

  @Test
  void aValueUnderAHashedKeyIsNeverReadByAKeyWhoseHashCollides() {
    // forge what a SHA-256 collision would look like: key B's slot holds key A's value
    Store raw = Stores.memory();
    Store strict = new ForwardingStore(raw) {
      @Override
      public io.larder.spi.StoreTraits traits() {
        return io.larder.spi.StoreTraits.DEFAULT.withKeyRules(new io.larder.spi.KeyRules(250, true));
      }
    };
    Cache cache = Larder.builder().store(strict).build();
    cache.set("key a", "a's value");
    String slotOfA = Keys.resolve("", "key a", strict.traits().keyRules()).store();
    String slotOfB = Keys.resolve("", "key b", strict.traits().keyRules()).store();
    raw.set(slotOfB, raw.get(slotOfA), Store.NO_EXPIRY);

    assertThat(cache.get("key b", String.class)).isNull();
    assertThat(cache.stats().decodeErrors()).isEqualTo(1);
    assertThat(cache.get("key a", String.class)).isEqualTo("a's value");
  }
}
