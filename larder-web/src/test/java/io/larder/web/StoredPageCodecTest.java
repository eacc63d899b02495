package io.larder.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheCodecException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoredPageCodecTest {
  private final StoredPageCodec codec = StoredPageCodec.INSTANCE;

  @Test
  void roundTripsAPage() {
    StoredPage.Page page = new StoredPage.Page(200, List.of(new Field("Content-Type",
        "text/html;charset=utf-8"), new Field("X-Ünïcode", "värde")),
        "<p>é</p>".getBytes(StandardCharsets.UTF_8), "\"tag\"", 1_700_000_000_123L);
    StoredPage.Page back = (StoredPage.Page) codec.decode(codec.encode(page));
    assertThat(back.status()).isEqualTo(200);
    assertThat(back.fields()).isEqualTo(page.fields());
    assertThat(back.body()).isEqualTo(page.body());
    assertThat(back.etag()).isEqualTo("\"tag\"");
    assertThat(back.storedAtMillis()).isEqualTo(1_700_000_000_123L);
  }

  @Test
  void roundTripsVariants() {
    StoredPage.Variants v = new StoredPage.Variants(List.of("accept-encoding", "accept-language"));
    assertThat(codec.decode(codec.encode(v))).isEqualTo(v);
  }

  @Test
  void foreignOrTruncatedBytesFailToDecode() {
    byte[] good = codec.encode(new StoredPage.Variants(List.of("accept")));
    assertThatThrownBy(() -> codec.decode("hello".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CacheCodecException.class);
    assertThatThrownBy(() -> codec.decode(Arrays.copyOf(good, good.length - 1)))
        .isInstanceOf(CacheCodecException.class);
    assertThatThrownBy(() -> codec.decode(Arrays.copyOf(good, good.length + 1)))
        .isInstanceOf(CacheCodecException.class);
    assertThatThrownBy(() -> codec.decode(new byte[0])).isInstanceOf(CacheCodecException.class);
  }
}
