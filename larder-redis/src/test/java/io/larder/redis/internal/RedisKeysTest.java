package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class RedisKeysTest {
  private final RedisKeys plain = new RedisKeys(RedisConfig.HashTag.NONE);
  private final RedisKeys tagged = new RedisKeys(RedisConfig.HashTag.NAMESPACE);

  @Test
  void keysAreTheirUtf8BytesWithoutTheOption() {
    assertThat(plain.key("~shop:notes::312"))
        .isEqualTo("~shop:notes::312".getBytes(StandardCharsets.UTF_8));
    assertThat(plain.key("ünï")).isEqualTo("ünï".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theNamespaceOptionTagsTheWholeNamespacePath() {
    assertThat(tagged.tagged("~shop:notes::312")).isEqualTo("~{shop:notes}::312");
    assertThat(tagged.tagged("~shop::k::x")).isEqualTo("~{shop}::k::x");
    // keys outside namespaces stay as they are
    assertThat(tagged.tagged("plain")).isEqualTo("plain");
    assertThat(tagged.tagged("~~shop::1")).isEqualTo("~~shop::1");
    assertThat(tagged.tagged("a::b")).isEqualTo("a::b");
  }

  @Test
  void keysOfOneNamespaceShareASlotAndNeighboursUsuallyDoNot() {
    int slot = RedisKeys.slot(tagged.key("~shop:notes::1"));
    for (int i = 0; i < 100; i++) {
      assertThat(RedisKeys.slot(tagged.key("~shop:notes::" + i))).isEqualTo(slot);
    }
    assertThat(RedisKeys.slot(tagged.key("~shop:notes:drafts::1"))).isNotEqualTo(slot);
  }

  @Test
  void globCharactersAreEscaped() {
    assertThat(RedisKeys.glob("a*b?c[d]e\\f%_")).isEqualTo("a\\*b\\?c\\[d\\]e\\\\f%_");
    assertThat(new String(plain.scanPattern("~a*:"), StandardCharsets.UTF_8)).isEqualTo("~a\\*:*");
  }

  @Test
  void theTaggedPatternCoversTheNamespaceAndItsChildrenOnly() {
    String pattern = new String(tagged.scanPattern("~shop:notes:"), StandardCharsets.UTF_8);
    assertThat(pattern).isEqualTo("~{shop:notes[:}]*");
    assertThat(new String(tagged.scanPattern("~a[1]:"), StandardCharsets.UTF_8))
        .isEqualTo("~{a\\[1\\][:}]*");
  }

  @Test
  void slotsAgreeWithLettuce() {
    for (String k : new String[] {"", "a", "foo", "{user1000}.following", "foo{}{bar}",
        "foo{{bar}}zap", "foo{bar}{zap}", "~shop:notes::312", "日本語"}) {
      byte[] b = k.getBytes(StandardCharsets.UTF_8);
      assertThat(RedisKeys.slot(b)).as(k).isEqualTo(SlotHash.getSlot(b));
    }
    assertThat(RedisKeys.slot("123456789".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo(0x31C3 & 16383); // CRC16/XMODEM check value
  }

  @Property(tries = 2000)
  void slotsAgreeWithLettuceOnAwkwardKeys(@ForAll("keys") byte[] key) {
    assertThat(RedisKeys.slot(key)).isEqualTo(SlotHash.getSlot(key));
  }

  @Provide
  Arbitrary<byte[]> keys() {
    // UTF-8 keys, braces frequent so that hash tags, empty tags and unclosed braces all occur
    return Arbitraries.strings().withChars("{}ab~:ü日").ofMaxLength(12)
        .map(s -> s.getBytes(StandardCharsets.UTF_8));
  }
}
