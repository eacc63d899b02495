package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheException;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.Preload;
import io.larder.spi.Decoded;
import io.larder.spi.DecodedValues;
import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fast read of an unprefixed cache over the memory store, which makes no entry for a hit on
 * plain bytes: it must still hand each caller a private copy, never return an expired or
 * overwritten value, count exactly, and defer to an open scope.
 */
class PlainReadTest {
  private final MemoryCaches caches = new MemoryCaches();
  private final Cache root = caches.open(Larder.builder());

  @AfterEach
  void close() {
    caches.close();
  }

  @Test
  void aByteArrayReadIsAPrivateCopyOfWhatWasWritten() {
    byte[] written = {1, 2, 3};
    root.set("b", written);
    written[0] = 9;
    byte[] first = root.get("b", byte[].class);
    assertThat(first).containsExactly(1, 2, 3);
    first[1] = 9;
    byte[] second = root.get("b", byte[].class);
    assertThat(second).containsExactly(1, 2, 3).isNotSameAs(first);
    assertThat(caches.store.get("b")).containsExactly(1, 2, 3).isNotSameAs(first)
        .isNotSameAs(second);
  }

  @Test
  void aReadAfterAWriteSeesTheNewValueEvenWhenTheSameArrayIsWrittenAgain() {
    byte[] value = {1};
    root.set("b", value);
    assertThat(root.get("b", byte[].class)).containsExactly(1);
    value[0] = 2;
    root.set("b", value);
    assertThat(root.get("b", byte[].class)).containsExactly(2);
    root.set("b", new byte[] {3});
    assertThat(root.get("b", byte[].class)).containsExactly(3);
  }

  /**
   * A byte read's fast path copies bytes the store holds bare; bytes in an envelope (here
   * compressed) must still be opened, never handed out as they are stored.
   */
  @Test
  void bytesInAnEnvelopeAreOpenedNotCopiedAsStored() {
    Cache compressing = caches.open(Larder.builder().compressAbove(64));
    byte[] written = new byte[4_096];
    compressing.set("z", written);
    assertThat(caches.store.get("z")).hasSizeLessThan(written.length);
    assertThat(compressing.get("z", byte[].class)).isEqualTo(written);
    assertThat(root.get("z", byte[].class)).isEqualTo(written);
  }

  @Test
  void aReadAfterCloseFailsOnTheFastPathAsOnAnyOther() {
    root.set("b", new byte[] {1});
    root.set("s", "text");
    assertThat(root.get("b", byte[].class)).containsExactly(1);
    root.close();
    assertThatThrownBy(() -> root.get("b", byte[].class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> root.get("s", String.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  /**
   * Every fast-path read of the root counts once in its stats: a hit on bytes, a hit on a
   * string held as itself, a miss. (The root has no parent; the roll-up of hits into a parent's
   * counter is tested in {@code FacadeRulesTest} and {@code ObjectTierTest}.)
   */
  @Test
  void fastPathHitsOfBytesStringsAndMissesCountOnceEach() {
    root.set("b", new byte[] {1});
    root.set("s", "text");
    for (int i = 0; i < 3; i++) {
      assertThat(root.get("b", byte[].class)).containsExactly(1);
      assertThat(root.get("s", String.class)).isEqualTo("text");
      assertThat(root.get("none", String.class)).isNull();
    }
    var stats = root.stats();
    assertThat(stats.hits()).isEqualTo(6);
    assertThat(stats.misses()).isEqualTo(3);
    assertThat(stats.roundTrips()).isEqualTo(2 + 9);
  }

  /**
   * A {@code byte[]} hit whose copy cannot be made (the heap is full) is answered as any value
   * that cannot be decoded: in a cache that fails open, a miss counted as a decode error, never
   * a hit, and never the error in the caller's page. Only a heap too small for another copy
   * fails the copy, so the reads run in a JVM of their own ({@link FailedCopyReads}).
   */
  @Test
  void aByteCopyThatFailsIsAMissAndADecodeErrorWhenFailingOpen() throws Exception {
    Process child = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx48m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        FailedCopyReads.class.getName(), "8", "16")
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    List<String> lines;
    try (var out = child.getInputStream()) {
      lines = new String(out.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
    assertThat(child.waitFor()).isZero();
    // some copies fit, then one does not: it reads as a miss and nothing is thrown
    int copies = lines.indexOf("null");
    assertThat(copies).as("output %s", lines).isPositive();
    assertThat(lines.subList(0, copies)).containsOnly("copy");
    assertThat(lines.get(lines.size() - 1))
        .isEqualTo("hits=" + copies + " misses=1 decodeErrors=1");
  }

  @Test
  void anExpiredValueIsNeverReturned() {
    root.set("b", new byte[] {1}, Duration.ofSeconds(10));
    caches.store.set("raw", "raw text".getBytes(StandardCharsets.UTF_8), 10_000);
    assertThat(root.get("b", byte[].class)).containsExactly(1);
    assertThat(root.get("raw", String.class)).isEqualTo("raw text");
    caches.elapse(Duration.ofSeconds(11));
    assertThat(root.get("b", byte[].class)).isNull();
    assertThat(root.get("raw", String.class)).isNull();
    assertThat(root.stats().hits()).isEqualTo(2);
    assertThat(root.stats().misses()).isEqualTo(2);
  }

  @Test
  void hitsMissesAndRoundTripsAreCountedOncePerRead() {
    root.set("b", new byte[] {1});
    for (int i = 0; i < 5; i++) {
      assertThat(root.get("b", byte[].class)).containsExactly(1);
      assertThat(root.get("missing", byte[].class)).isNull();
    }
    var stats = root.stats();
    assertThat(stats.hits()).isEqualTo(5);
    assertThat(stats.misses()).isEqualTo(5);
    assertThat(stats.writes()).isEqualTo(1);
    assertThat(stats.roundTrips()).isEqualTo(11);
  }

  @Test
  void plainBytesOfAnImmutableValueAreDecodedOnceThenKept() {
    caches.store.set("s", "from bytes".getBytes(StandardCharsets.UTF_8), Store.NO_EXPIRY);
    String first = root.get("s", String.class);
    assertThat(first).isEqualTo("from bytes");
    assertThat(root.get("s", String.class)).isSameAs(first);
    caches.store.set("s", "new bytes".getBytes(StandardCharsets.UTF_8), Store.NO_EXPIRY);
    assertThat(root.get("s", String.class)).isEqualTo("new bytes");
  }

  @Test
  void plainBytesThatCannotBeDecodedReadAsAMissAndCountAsADecodeError() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    Codec<ArrayList<String>> codec = (Codec) Codec.serialized(ArrayList.class);
    caches.store.set("x", "not serialized".getBytes(StandardCharsets.UTF_8), Store.NO_EXPIRY);
    assertThat(root.get("x", codec)).isNull();
    assertThat(root.stats().decodeErrors()).isEqualTo(1);
    assertThat(root.stats().misses()).isEqualTo(1);
    assertThat(root.stats().roundTrips()).isEqualTo(1);
  }

  @Test
  void anOpenScopeAnswersBeforeTheStore() {
    root.set("b", new byte[] {1});
    try (Preload scope = root.preload("b", "missing")) {
      caches.store.delete("b");
      assertThat(root.get("b", byte[].class)).containsExactly(1);
      assertThat(root.get("missing", byte[].class)).isNull();
    }
    assertThat(root.stats().preloadHits()).isEqualTo(2);
    assertThat(root.get("b", byte[].class)).isNull();
  }

  @Test
  void aStoreAnsweringTheFastReadWithNeitherDecodedNorBytesFailsTheReadAsAStoreError() {
    try (MemoryCaches bogus = new MemoryCaches(WrongAnswer::new)) {
      Cache closed = bogus.open(Larder.builder());
      closed.set("b", new byte[] {1});
      assertThatThrownBy(() -> closed.get("b", byte[].class))
          .isInstanceOf(CacheException.class)
          .hasMessageContaining("getDecodedOrBytes").hasMessageContaining("java.lang.String");
      try (Cache open =
          Larder.builder().store(bogus.store).clock(bogus.clock).failOpen(true).build()) {
        assertThat(open.get("b", byte[].class)).isNull();
        assertThat(open.stats().storeErrors()).isEqualTo(1);
      }
    }
  }

  /** A store of the object tier whose fast read breaks the SPI's promise. */
  private static final class WrongAnswer extends ForwardingStore implements DecodedValues {
    WrongAnswer(Store memory) {
      super(memory);
    }

    private DecodedValues objects() {
      return (DecodedValues) delegate();
    }

    @Override
    public Object getDecodedOrBytes(String key) {
      return "neither";
    }

    @Override
    public Decoded getDecoded(String key) {
      return objects().getDecoded(key);
    }

    @Override
    public void setDecoded(String key, Decoded value, long ttlMillis) {
      objects().setDecoded(key, value, ttlMillis);
    }

    @Override
    public boolean addDecoded(String key, Decoded value, long ttlMillis) {
      return objects().addDecoded(key, value, ttlMillis);
    }
  }
}
