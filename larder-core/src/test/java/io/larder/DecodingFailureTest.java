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

  /**
   * A value kept as an object, sealed later for a reader of its bytes, is refused without a key
   * to name and is not said to be "not stored" (it stays kept); a user's key that reads like the
   * placeholder is still named as a key.
   */
  @Test
  void aRefusalOfAValueKeptAsAnObjectSaysItIsKept() {
    EntryCodec entries = new EntryCodec(0, false, 8);
    assertThatThrownBy(() -> entries.sealOwn(EntryCodec.KEPT, new byte[16], Codec.bytes()))
        .isInstanceOf(ValueTooLargeException.class)
        .hasMessage("value of 16 stored bytes, kept as an object, is over the store's limit of"
            + " 8 bytes; its bytes are never stored");
    String sameText = new String(EntryCodec.KEPT);
    assertThatThrownBy(() -> entries.sealOwn(sameText, new byte[16], Codec.bytes()))
        .isInstanceOf(ValueTooLargeException.class)
        .hasMessage("value of 16 stored bytes for key '" + sameText + "' is over the store's"
            + " limit of 8 bytes; not stored");
  }
}
