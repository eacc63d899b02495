package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.internal.MemoryStore;
import io.larder.spi.Decoded;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which writes {@link Writes#setOwn} takes straight to the memory store (issue 20): a shared
 * value that never expires, whose codec never refuses a value or that is kept by reference, and
 * a string of the UTF-8 codec held as itself; every other shared value is left to {@link
 * Writes#set}. Each assertion fails if either fast write is switched off.
 */
class WritesSetOwnTest {
  record Point(int x, int y) implements java.io.Serializable {}

  private final MemoryStore store = (MemoryStore) Stores.memoryBuilder().build();
  private final View root = new View("", new StatsCounter(null), List.of());
  private CacheRuntime runtime;

  private CacheRuntime open(boolean byReference) {
    CodecRegistry codecs = new CodecRegistry(Set.of(), Set.of(Point.class), byReference);
    runtime = new CacheRuntime(store, codecs,
        CacheRuntime.Options.defaults(false, InstantSource.system()));
    return runtime;
  }

  @AfterEach
  void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void aSharedValueThatNeverExpiresIsWrittenHereAndHeldAsItsDecoded() {
    Writes writes = open(false).writes;
    Long big = 123_456_789L;
    assertThat(writes.setOwn(root, "n", big, BuiltinCodecs.LONGS, Cache.FOREVER)).isTrue();
    assertThat(store.getHeld("n")).isInstanceOf(Decoded.class);
    String s = new String("caf\u00e9");
    assertThat(writes.setOwn(root, "s", s, BuiltinCodecs.UTF8, Cache.FOREVER)).isTrue();
    assertThat(store.getHeld("s")).isSameAs(s);
  }

  @Test
  void aValueKeptByReferenceIsWrittenHereWhateverItsCodec() {
    CacheRuntime rt = open(true);
    byte[] array = {1, 2, 3};
    assertThat(rt.writes.setOwn(root, "a", array, Codec.bytes(), Cache.FOREVER)).isTrue();
    Point point = new Point(1, 2);
    Codec<Point> points = Codec.serialized(Point.class);
    assertThat(rt.writes.setOwn(root, "p", point, points, Cache.FOREVER)).isTrue();
    assertThat(store.getHeld("p")).isInstanceOf(Decoded.class);
  }

  @Test
  void aSharedValueWithATtlACodecThatMayRefuseOrOverTheCapIsLeftToSet() {
    Writes writes = open(false).writes;
    Duration minute = Duration.ofMinutes(1);
    assertThat(writes.setOwn(root, "n", 7L, BuiltinCodecs.LONGS, minute)).isFalse();
    assertThat(writes.setOwn(root, "s", "x", BuiltinCodecs.UTF8, minute)).isFalse();
    Codec<Point> points = Codec.serialized(Point.class);
    assertThat(writes.setOwn(root, "p", new Point(1, 2), points, Cache.FOREVER)).isFalse();
    String big = "x".repeat((int) ObjectTier.KEPT_UP_TO);
    assertThat(writes.setOwn(root, "b", big, BuiltinCodecs.UTF8, Cache.FOREVER)).isFalse();
    assertThat(store.getHeld("n")).isNull();
    assertThat(store.getHeld("p")).isNull();
  }
}
