package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** No Error from decoding reaches a fail-open caller; fail-closed it is a CacheCodecException. */
class DecodingFailureTest {
  /** A codec that fails as a codec given hostile bytes might: with an Error. */
  static final Codec<String> OVERFLOWING = new Codec<>() {
    @Override
    public byte[] encode(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
      throw new StackOverflowError("hostile bytes (test)");
    }
  };

  @Test
  void failOpenCountsAnErrorFromDecodingAsADecodeError() {
    Cache cache = Larder.builder().store(Stores.memory()).build();
    cache.set("k", "v");
    assertThat(cache.get("k", OVERFLOWING)).isNull();
    assertThat(cache.stats().decodeErrors()).isEqualTo(1);
    assertThat(cache.stats().misses()).isEqualTo(1);
  }

  @Test
  void failClosedTurnsAnErrorFromDecodingIntoACacheCodecException() {
    Cache cache = Larder.builder().store(Stores.memory()).failOpen(false).build();
    cache.set("k", "v");
    assertThatThrownBy(() -> cache.get("k", OVERFLOWING))
        .isInstanceOf(CacheCodecException.class).hasCauseInstanceOf(StackOverflowError.class);
  }

  @Test
  void aValueOverTheCapIsRefusedBeforeItIsStored() {
    Cache closed = Larder.builder().store(Stores.memory()).failOpen(false).build();
    byte[] big = new byte[Envelope.MAX_INFLATED + 1];
    assertThatThrownBy(() -> closed.set("k", big)).isInstanceOf(CacheCodecException.class)
        .hasMessageContaining("over Larder's cap");
    assertThat(closed.exists("k")).isFalse();
  }
}
