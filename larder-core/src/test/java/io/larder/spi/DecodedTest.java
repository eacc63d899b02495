package io.larder.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DecodedTest {
  /**
   * A lazy entry made with an {@link Decoded.Encoder} (one encoder for every entry, as the
   * facade's by-reference writes use it) is encoded from its own entry and codec, only when its
   * bytes are first asked for, and once: later asks return the same array.
   */
  @Test
  void anEncoderSharedByEntriesEncodesEachFromItsOwnEntryOnceWhenAsked() {
    AtomicInteger calls = new AtomicInteger();
    Decoded.Encoder encoder = (entry, codec) -> {
      calls.incrementAndGet();
      return (codec + ":" + entry).getBytes(StandardCharsets.UTF_8);
    };
    Decoded a = Decoded.lazy("one", "c1", 10, encoder);
    Decoded b = Decoded.lazy("two", "c2", 20, encoder);

    assertThat(a.isEncoded()).isFalse();
    assertThat(calls).hasValue(0);
    assertThat(b.bytes()).isEqualTo("c2:two".getBytes(StandardCharsets.UTF_8));
    byte[] first = a.bytes();
    assertThat(first).isEqualTo("c1:one".getBytes(StandardCharsets.UTF_8));
    assertThat(a.bytes()).isSameAs(first);
    assertThat(a.isEncoded()).isTrue();
    assertThat(calls).hasValue(2);
    assertThat(a.weight()).isEqualTo(10);
    assertThat(a.entryFor("c1")).isEqualTo("one");
    assertThat(a.entryFor("c2")).isNull();
  }

  /** An encoder that fails fails every ask, and one that answers null is refused. */
  @Test
  void anEncoderThatFailsFailsEveryAsk() {
    Decoded failing = Decoded.lazy("x", "c", 1, (Decoded.Encoder) (entry, codec) -> {
      throw new IllegalStateException("cannot encode " + entry);
    });
    assertThatThrownBy(failing::bytes).hasMessage("cannot encode x");
    assertThatThrownBy(failing::bytes).hasMessage("cannot encode x");
    assertThat(failing.isEncoded()).isFalse();
    Decoded answersNull = Decoded.lazy("x", "c", 1, (Decoded.Encoder) (entry, codec) -> null);
    assertThatThrownBy(answersNull::bytes).isInstanceOf(NullPointerException.class);
  }

  /** Bytes given at creation are the bytes, encoded already, with nothing run. */
  @Test
  void givenBytesAreReturnedAsTheyAre() {
    byte[] bytes = {1, 2};
    assertThat(Decoded.ofBytes(bytes).bytes()).isSameAs(bytes);
    assertThat(Decoded.ofBytes(bytes).isEncoded()).isTrue();
    assertThat(Decoded.ofBytes(bytes).isDecoded()).isFalse();
    Decoded of = Decoded.of("e", "c", 5, bytes);
    assertThat(of.bytes()).isSameAs(bytes);
    assertThat(of.isEncoded()).isTrue();
  }
}
