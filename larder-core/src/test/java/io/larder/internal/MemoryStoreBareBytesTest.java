package io.larder.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.larder.Codec;
import io.larder.spi.Decoded;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The memory store keeps bytes that never expire as the bare array, with no entry around it,
 * and draws versions only when a versioned read asks: a compare-and-set must still fail after
 * any write in between (the very same array written again included), two versioned reads with
 * no write between them must agree, an expiring write must still expire, and the object tier's
 * offer must still keep the version.
 */
class MemoryStoreBareBytesTest {
  private final AtomicLong millis = new AtomicLong(1_000_000);
  private final InstantSource clock = () -> Instant.ofEpochMilli(millis.get());
  private final MemoryStore store = new MemoryStore(1 << 20, clock);

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void compareAndSetFailsAfterTheVeryArrayIsWrittenAgain() {
    byte[] value = bytes("v1");
    store.set("k", value, Store.NO_EXPIRY);
    StoredValue read = store.getVersioned("k");
    store.set("k", value, Store.NO_EXPIRY);

    assertThat(store.compareAndSet("k", read, bytes("mine"), Store.NO_EXPIRY)).isFalse();
    assertThat(store.get("k")).containsExactly(value);
    StoredValue again = store.getVersioned("k");
    assertThat(store.compareAndSet("k", again, bytes("mine"), Store.NO_EXPIRY)).isTrue();
    assertThat(store.get("k")).containsExactly(bytes("mine"));
  }

  @Test
  void versionedReadsWithNoWriteBetweenThemAgree() {
    store.set("k", bytes("v"), Store.NO_EXPIRY);
    StoredValue first = store.getVersioned("k");
    StoredValue second = store.getVersioned("k");
    assertThat(second.version()).isEqualTo(first.version());
    assertThat(store.get("k")).containsExactly(bytes("v"));
    assertThat(store.compareAndSet("k", first, bytes("w"), Store.NO_EXPIRY)).isTrue();
    assertThat(store.compareAndSet("k", second, bytes("x"), Store.NO_EXPIRY)).isFalse();
  }

  @Test
  void compareAndSetFailsAfterAnotherWriteOfEqualBytes() {
    store.set("k", bytes("same"), Store.NO_EXPIRY);
    StoredValue read = store.getVersioned("k");
    store.set("k", bytes("same"), Store.NO_EXPIRY);

    assertThat(store.compareAndSet("k", read, bytes("mine"), Store.NO_EXPIRY)).isFalse();
  }

  @Test
  void addOverTheVeryArrayOfAnExpiredEntryStillChangesTheVersion() {
    byte[] value = bytes("v");
    store.set("k", value, 1_000);
    millis.addAndGet(2_000);
    assertThat(store.get("k")).isNull();
    assertThat(store.add("k", value, Store.NO_EXPIRY)).isTrue();
    StoredValue read = store.getVersioned("k");
    assertThat(store.add("k", bytes("other"), Store.NO_EXPIRY)).isFalse();
    assertThat(store.compareAndSet("k", read, bytes("w"), Store.NO_EXPIRY)).isTrue();
  }

  @Test
  void aTouchWithATtlMakesBareBytesExpireAndKeepsTheirVersion() {
    store.set("k", bytes("v"), Store.NO_EXPIRY);
    StoredValue read = store.getVersioned("k");
    assertThat(read.ttlMillis()).isEqualTo(Store.NO_EXPIRY);

    assertThat(store.touch("k", 1_000)).isTrue();
    assertThat(store.getVersioned("k").ttlMillis()).isEqualTo(1_000);
    assertThat(store.compareAndSet("k", read, bytes("w"), 1_000)).isTrue();
    millis.addAndGet(1_001);
    assertThat(store.get("k")).isNull();
    assertThat(store.getDecoded("k")).isNull();
  }

  @Test
  void aTouchWithoutExpiryKeepsTheVersionOfBareBytes() {
    store.set("k", bytes("v"), Store.NO_EXPIRY);
    StoredValue read = store.getVersioned("k");
    assertThat(store.touch("k", Store.NO_EXPIRY)).isTrue();
    assertThat(store.compareAndSet("k", read, bytes("w"), Store.NO_EXPIRY)).isTrue();
  }

  @Test
  void anOfferedDecodedFormKeepsTheVersionAndAnyWriteAfterItChangesIt() {
    byte[] value = bytes("v");
    store.set("k", value, Store.NO_EXPIRY);
    StoredValue before = store.getVersioned("k");
    Decoded read = store.getDecoded("k");
    assertThat(read.isDecoded()).isFalse();
    assertThat(read.bytes()).isSameAs(value);

    store.offerDecoded("k", read, Decoded.of("opened", "codec", 10, value));
    assertThat(store.getDecoded("k").entryFor("codec")).isEqualTo("opened");
    StoredValue after = store.getVersioned("k");
    assertThat(after.version()).isEqualTo(before.version());
    assertThat(after.bytes()).isSameAs(value);

    store.set("k", value, Store.NO_EXPIRY);
    assertThat(store.compareAndSet("k", after, bytes("w"), Store.NO_EXPIRY)).isFalse();
    assertThat(store.getDecoded("k").isDecoded()).isFalse();
  }

  @Test
  void anOfferForBytesNoLongerHeldIsIgnored() {
    store.set("k", bytes("old"), Store.NO_EXPIRY);
    Decoded read = store.getDecoded("k");
    store.set("k", bytes("new"), Store.NO_EXPIRY);

    store.offerDecoded("k", read, Decoded.of("stale", "codec", 10, read.bytes()));
    assertThat(store.getDecoded("k").isDecoded()).isFalse();
    assertThat(store.get("k")).containsExactly(bytes("new"));
  }

  @Test
  void aCounterWithoutExpiryCountsAndAnExpiringOneExpires() {
    assertThat(store.incr("n", 2, Store.NO_EXPIRY)).isEqualTo(2);
    assertThat(store.incr("n", 3, Store.NO_EXPIRY)).isEqualTo(5);
    assertThat(store.get("n")).containsExactly(bytes("5"));

    assertThat(store.incr("t", 1, 1_000)).isEqualTo(1);
    millis.addAndGet(1_001);
    assertThat(store.get("t")).isNull();
    assertThat(store.incr("t", 1, 1_000)).isEqualTo(1);
  }

  @Test
  void bareBytesWeighAsTheirLengthAndCountAsLive() {
    store.set("k", new byte[100], Store.NO_EXPIRY);
    assertThat(store.size("").entries()).isEqualTo(1);
    assertThat(store.size("").bytes()).isEqualTo(2 + 100 + MemoryStore.ENTRY_OVERHEAD);
    assertThat(store.exists("k")).isTrue();
    assertThat(store.delete("k")).isTrue();
    assertThat(store.delete("k")).isFalse();
  }

  @Test
  void onlyAnEntryThatNeverExpiresUnderAUsersOwnKeyIsHeldBare() {
    Decoded decoded = Decoded.lazy("entry", "codec", 10, () -> bytes("v"));
    store.setDecoded("k", decoded, Store.NO_EXPIRY);
    store.set("b", bytes("v"), Store.NO_EXPIRY);
    store.setDecoded("~ns::k", decoded, Store.NO_EXPIRY);
    store.set("~ns::b", bytes("v"), Store.NO_EXPIRY);
    store.set("", bytes("v"), Store.NO_EXPIRY);
    store.set("\uD800", bytes("v"), Store.NO_EXPIRY);
    store.setDecoded("ttl", decoded, 60_000);

    assertThat(store.getHeld("k")).isSameAs(decoded);
    assertThat(MemoryStore.bare(store.getHeld("b"))).isTrue();
    for (String wrapped : new String[] {"~ns::k", "~ns::b", "", "\uD800", "ttl"}) {
      Object held = store.getHeld(wrapped);
      assertThat(MemoryStore.bare(held)).as(wrapped).isFalse();
      assertThat(MemoryStore.unwrap(held)).as(wrapped).isNotNull();
    }
    assertThat(MemoryStore.unwrap(store.getHeld("~ns::k"))).isSameAs(decoded);
    assertThat(store.getDecodedOrBytes("k")).isSameAs(decoded);
    assertThat(store.get("k")).containsExactly(bytes("v"));

    store.getVersioned("k");
    assertThat(MemoryStore.bare(store.getHeld("k"))).isFalse();
    assertThat(MemoryStore.unwrap(store.getHeld("k"))).isSameAs(decoded);
    assertThat(store.size()).isEqualTo(7);
  }

  /**
   * A string the facade writes for the UTF-8 codec ({@link MemoryStore#putOwn}) is held as
   * the very string, with no {@link Decoded} around it (issue 20: the holder's line was a
   * quarter to half of a string hit's gap to raw Caffeine); every other way of reading it still
   * sees what it saw: its UTF-8 through byte reads and counters, a {@link Decoded} naming the
   * UTF-8 codec through the object tier, a version through a versioned read, the facade's
   * estimate as its weight. A {@link Decoded} written is held as it is, whatever it keeps.
   */
  @Test
  void aStringWrittenOwnIsHeldAsItselfAndReadsAsItsUtf8Elsewhere() {
    String text = new String("h\u00e9llo");
    store.putOwn("k", text, Store.NO_EXPIRY);
    Decoded kept = Decoded.lazy(text, Codec.utf8(), 10, () -> bytes(text));
    store.setDecoded("d", kept, Store.NO_EXPIRY);

    assertThat(store.getHeld("k")).isSameAs(text);
    assertThat(MemoryStore.bare(store.getHeld("k"))).isTrue();
    assertThat(store.getHeld("d")).isSameAs(kept);
    assertThat(store.get("k")).containsExactly(bytes("h\u00e9llo"));
    assertThat(store.getMany(java.util.List.of("k")).get("k")).containsExactly(bytes(text));
    Decoded read = (Decoded) store.getDecodedOrBytes("k");
    assertThat(read.entryFor(Codec.utf8())).isSameAs(text);
    assertThat(read.entryFor("another codec")).isNull();
    assertThat(store.getDecoded("k").entryFor(Codec.utf8())).isSameAs(text);
    assertThat(store.size("k").bytes()).isEqualTo(2 + 40 + 2 * 5 + MemoryStore.ENTRY_OVERHEAD);

    StoredValue versioned = store.getVersioned("k");
    assertThat(versioned.bytes()).containsExactly(bytes(text));
    assertThat(MemoryStore.bare(store.getHeld("k"))).isFalse();
    assertThat(((Decoded) MemoryStore.unwrap(store.getHeld("k"))).entryFor(Codec.utf8()))
        .isSameAs(text);
    assertThat(store.compareAndSet("k", versioned, bytes("new"), Store.NO_EXPIRY)).isTrue();

    store.putOwn("n", "41", Store.NO_EXPIRY);
    assertThat(store.incr("n", 1, Store.NO_EXPIRY)).isEqualTo(42);
    store.putOwn("t", text, Store.NO_EXPIRY);
    assertThat(store.touch("t", 60_000)).isTrue();
    assertThat(MemoryStore.bare(store.getHeld("t"))).isFalse();
    assertThat(store.get("t")).containsExactly(bytes(text));
    millis.addAndGet(60_001);
    assertThat(store.getHeld("t")).isNull();
  }

  /**
   * {@link MemoryStore#putOwn} trusts its caller's key check, and asserts it: with assertions on
   * (as every test runs), a key the store would not hold bare under (namespaced, empty, invalid
   * Unicode) fails loudly and holds nothing.
   */
  @Test
  void putOwnAssertsTheKeyCheckItTrusts() {
    assumeTrue(MemoryStore.class.desiredAssertionStatus(), "assertions are off");
    for (String refused : new String[] {"~ns::k", "", "\uD800"}) {
      assertThatThrownBy(() -> store.putOwn(refused, bytes("v"), Store.NO_EXPIRY))
          .as(refused).isInstanceOf(AssertionError.class);
      assertThat(store.getHeld(refused)).as(refused).isNull();
    }
  }
}
