package io.larder.jackson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.larder.Cache;
import io.larder.CacheCodecException;
import io.larder.Codec;
import io.larder.Larder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class JsonCodecTest {
  record Stock(long bookId, int left) {
    Stock minus(int n) {
      return new Stock(bookId, left - n);
    }
  }

  record Book(String isbn, String title, List<String> authors) {}

  /** A plain bean: no-argument constructor, getters and setters. */
  public static final class Note {
    private long id;
    private String body;

    public Note() {}

    Note(long id, String body) {
      this.id = id;
      this.body = body;
    }

    public long getId() {
      return id;
    }

    public void setId(long id) {
      this.id = id;
    }

    public String getBody() {
      return body;
    }

    public void setBody(String body) {
      this.body = body;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Note n && n.id == id && Objects.equals(n.body, body);
    }

    @Override
    public int hashCode() {
      return Objects.hash(id, body);
    }
  }

  @Test
  void recordsRoundTripAsPlainJson() {
    Codec<Book> codec = JsonCodec.of(Book.class);
    Book dune = new Book("978-0441013593", "Dune", List.of("Frank Herbert"));
    byte[] bytes = codec.encode(dune);
    assertThat(new String(bytes, StandardCharsets.UTF_8))
        .isEqualTo("{\"isbn\":\"978-0441013593\",\"title\":\"Dune\",\"authors\":[\"Frank Herbert\"]}");
    assertThat(codec.decode(bytes)).isEqualTo(dune);
  }

  @Test
  void beansRoundTrip() {
    Codec<Note> codec = JsonCodec.of(Note.class);
    Note note = new Note(312, "first");
    assertThat(codec.decode(codec.encode(note))).isEqualTo(note);
  }

  @Test
  void genericTypesRoundTripWithTypeReference() {
    Codec<List<Book>> codec = JsonCodec.of(new TypeReference<List<Book>>() {});
    List<Book> books = List.of(new Book("1", "A", List.of()), new Book("2", "B", List.of("x")));
    List<Book> back = codec.decode(codec.encode(books));
    assertThat(back).isEqualTo(books);
    assertThat(back.get(0)).isInstanceOf(Book.class);
    assertThat(codec.toString()).contains("java.util.List<" + Book.class.getName() + ">");
  }

  @Test
  void aGivenMapperIsUsed() {
    ObjectMapper snake = new ObjectMapper()
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    Codec<Stock> codec = JsonCodec.of(Stock.class, snake);
    byte[] bytes = codec.encode(new Stock(312, 9));
    assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("{\"book_id\":312,\"left\":9}");
    assertThat(codec.decode(bytes)).isEqualTo(new Stock(312, 9));
    Codec<Map<String, Stock>> generic = JsonCodec.of(new TypeReference<Map<String, Stock>>() {}, snake);
    assertThat(generic.decode("{\"a\":{\"book_id\":1,\"left\":2}}".getBytes(StandardCharsets.UTF_8)))
        .containsEntry("a", new Stock(1, 2));
  }

  @Test
  void foreignBytesFailToDecodeWithCacheCodecException() {
    Codec<Stock> codec = JsonCodec.of(Stock.class);
    for (String foreign : new String[] {"", "not json", "{\"bookId\":1,\"left\":2} trailing",
        "null", "[1,2]", "{\"bookId\":\"x\"}", "{\"bookId\":1,\"left\":2,\"price\":3}"}) {
      assertThatThrownBy(() -> codec.decode(foreign.getBytes(StandardCharsets.UTF_8)))
          .as(foreign)
          .isInstanceOf(CacheCodecException.class);
    }
    assertThatThrownBy(() -> codec.decode(new byte[] {(byte) 0xAC, (byte) 0xED, 0, 5}))
        .isInstanceOf(CacheCodecException.class);
  }

  @Test
  void encodingAValueOfAnotherTypeIsRefused() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    Codec<Object> raw = (Codec) JsonCodec.of(Stock.class);
    assertThatThrownBy(() -> raw.encode("a string"))
        .isInstanceOf(CacheCodecException.class)
        .hasMessageContaining("java.lang.String");
    @SuppressWarnings({"unchecked", "rawtypes"})
    Codec<Object> longs = (Codec) JsonCodec.of(long.class);
    assertThat(longs.decode(longs.encode(42L))).isEqualTo(42L);
  }

  @Test
  void aCacheReadsUndecodableJsonAsAMissAndCountsIt() {
    try (Cache cache = Larder.open("mem:")) {
      Codec<Stock> codec = JsonCodec.of(Stock.class);
      cache.set("stock:312", new Stock(312, 10), codec, Duration.ofMinutes(5));
      assertThat(cache.update("stock:312", codec, s -> s.minus(1))).isEqualTo(new Stock(312, 9));
      assertThat(cache.get("stock:312", codec)).isEqualTo(new Stock(312, 9));

      cache.set("stock:313", "{\"bookId\": oops");
      assertThat(cache.get("stock:313", codec)).isNull();
      assertThat(cache.stats().decodeErrors()).isEqualTo(1);
    }
  }
}
