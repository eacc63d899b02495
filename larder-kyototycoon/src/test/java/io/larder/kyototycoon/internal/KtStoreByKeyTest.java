package io.larder.kyototycoon.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link KtStore#byKey}: a {@code get_bulk} reply's records matched to the keys asked for. */
class KtStoreByKeyTest {

  private static BinaryProtocol.Found found(String key, String value) {
    return new BinaryProtocol.Found(0, key.getBytes(UTF_8), value.getBytes(UTF_8), Expiry.XT_MAX);
  }

  private static List<byte[]> utf8(List<String> keys) {
    return keys.stream().map(k -> k.getBytes(UTF_8)).toList();
  }

  @Test
  void recordsInRequestOrderAreKeyedByTheCallersOwnStrings() {
    List<String> asked = List.of("a", "é", "b", "c");
    Map<String, byte[]> result = KtStore.byKey(asked, utf8(asked),
        List.of(found("a", "1"), found("é", "2"), found("c", "3")));
    assertThat(result).containsOnlyKeys("a", "é", "c");
    assertThat(result.get("é")).containsExactly("2".getBytes(UTF_8));
    assertThat(result.keySet()).anySatisfy(k -> assertThat(k).isSameAs(asked.get(1)));
  }

  @Test
  void aKeyAskedTwiceAndARecordOutOfOrderAreStillFound() {
    List<String> asked = List.of("a", "b", "a");
    Map<String, byte[]> result = KtStore.byKey(asked, utf8(asked),
        List.of(found("b", "2"), found("a", "1"), found("b", "2"), found("a", "1")));
    assertThat(result).containsOnlyKeys("a", "b");
    assertThat(result.get("a")).containsExactly('1');
    assertThat(result.get("b")).containsExactly('2');
  }

  @Test
  void aStampedValueIsReadWithoutItsStamp() {
    byte[] stamped = Versions.stamp("v".getBytes(UTF_8), 7);
    List<String> asked = List.of("k");
    Map<String, byte[]> result = KtStore.byKey(asked, utf8(asked),
        List.of(new BinaryProtocol.Found(0, "k".getBytes(UTF_8), stamped, Expiry.XT_MAX)));
    assertThat(result.get("k")).containsExactly('v');
  }
}
