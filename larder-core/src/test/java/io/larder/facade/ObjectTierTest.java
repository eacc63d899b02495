package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.Codec;
import io.larder.Freshness;
import io.larder.Stores;
import io.larder.spi.Store;
import io.larder.spi.Decoded;
import io.larder.spi.DecodedValues;
import io.larder.spi.KeyLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The memory store's object tier: immutable values come back as the very objects written,
 * mutable ones never let a caller change what another reads, and the bytes stay readable
 * through the plain store API.
 */
class ObjectTierTest {
  private final MemoryCaches caches = new MemoryCaches();
  private final Cache cache = caches.cache("obj");

  /** A record of immutable components: shared as it is. */
  record Book(String title, long id, java.util.UUID isbn) implements java.io.Serializable {}

  private static String storeKey(String key) {
    return KeyLayout.key(KeyLayout.prefix(List.of("obj")), key);
  }

  @AfterEach
  void close() {
    caches.close();
  }

  @Test
  void anImmutableValueComesBackAsTheObjectWritten() {
    String value = new String("hello, object tier");
    cache.set("s", value);
    assertThat(cache.get("s", String.class)).isSameAs(value);
    Long big = 123_456_789L;
    cache.set("n", big);
    assertThat(cache.get("n", Long.class)).isSameAs(big);
  }

  /**
   * An unprefixed cache reads with the user key as store key (no resolved key made per read):
   * the object tier and the copy of mutable values still hold, and a root key that reads like
   * a namespaced store key stays its own key, never the namespace's.
   */
  @Test
  void anUnprefixedCacheReadsItsOwnKeysThroughTheObjectTierAndNeverANamespacesKey() {
    Cache root = caches.open(io.larder.Larder.builder());
    String value = new String("root value");
    root.set("s", value);
    assertThat(root.get("s", String.class)).isSameAs(value);
    byte[] bytes = {1, 2, 3};
    root.set("b", bytes);
    byte[] read = root.get("b", byte[].class);
    assertThat(read).containsExactly(1, 2, 3).isNotSameAs(bytes);
    read[0] = 9;
    assertThat(root.get("b", byte[].class)).containsExactly(1, 2, 3);
    root.namespace("ns").set("k", "inside");
    assertThat(root.get("~ns::k", String.class)).isNull();
    root.set("~ns::k", "outside");
    assertThat(root.get("~ns::k", String.class)).isEqualTo("outside");
    assertThat(root.namespace("ns").get("k", String.class)).isEqualTo("inside");
    assertThat(root.stats().hits()).isEqualTo(5);
    assertThat(root.stats().misses()).isEqualTo(1);
    assertThat(root.stats().writes()).isEqualTo(4);
  }

  @Test
  void aRecordOfImmutablesComesBackAsTheObjectWritten() {
    // java.time values serialize through a proxy class a serialized codec must allow-list too
    Codec<Book> codec = Codec.serialized(Book.class, java.util.UUID.class);
    Book book = new Book("Dune", 312, java.util.UUID.fromString("1965-08-01-0000-000000000000"));
    cache.set("b", book, codec, Duration.ofMinutes(1));
    assertThat(cache.get("b", codec)).isSameAs(book);
  }

  @Test
  void aReadOfTheObjectTierCountsOneRoundTripAndItsHitOrMissInEveryView() {
    Cache child = cache.namespace("child");
    child.set("s", "v");
    child.set("b", new byte[] {1, 2});
    var parentBefore = cache.stats();
    assertThat(child.get("s", String.class)).isEqualTo("v");
    assertThat(child.get("b", byte[].class)).containsExactly(1, 2);
    assertThat(child.get("missing", String.class)).isNull();
    var stats = child.stats();
    assertThat(stats.hits()).isEqualTo(2);
    assertThat(stats.misses()).isEqualTo(1);
    assertThat(stats.roundTrips()).isEqualTo(5); // two writes, three reads
    var parent = cache.stats();
    assertThat(parent.hits() - parentBefore.hits()).isEqualTo(2);
    assertThat(parent.misses() - parentBefore.misses()).isEqualTo(1);
    assertThat(parent.roundTrips() - parentBefore.roundTrips()).isEqualTo(3);
  }

  @Test
  void aByteArrayIsNeverSharedBetweenCallers() {
    byte[] written = {1, 2, 3};
    cache.set("bytes", written);
    written[0] = 9;
    byte[] first = cache.get("bytes", byte[].class);
    assertThat(first).containsExactly(1, 2, 3);
    first[1] = 9;
    assertThat(cache.get("bytes", byte[].class)).containsExactly(1, 2, 3).isNotSameAs(first);
  }

  /**
   * {@code byte[]} is answered without the class lookup the other classes take: declared
   * immutable it is still shared, on the unprefixed cache's own read and write paths, on a
   * prefixed cache's, and when read from bytes written through the plain store API (decoded
   * once, then kept); not declared it is still copied on each. The near tier is covered by
   * {@code NearCacheTest}.
   */
  @Test
  void aByteArrayDeclaredImmutableIsSharedAndOtherwiseCopiedOnTheRootPrefixedAndStorePaths() {
    byte[] written = {1, 2, 3};
    Cache root = caches.open(io.larder.Larder.builder());
    Cache declared = caches.open(io.larder.Larder.builder().immutable(byte[].class));
    Cache declaredPrefixed =
        caches.open(io.larder.Larder.builder().prefix("decl").immutable(byte[].class));
    root.set("b", written);
    assertThat(root.get("b", byte[].class)).containsExactly(1, 2, 3).isNotSameAs(written);
    declared.set("b", written);
    assertThat(declared.get("b", byte[].class)).isSameAs(written);
    declaredPrefixed.set("b", written);
    assertThat(declaredPrefixed.get("b", byte[].class)).isSameAs(written);
    caches.store.set("viaStore", new byte[] {4, 5}, 0);
    byte[] decoded = declared.get("viaStore", byte[].class);
    assertThat(decoded).containsExactly(4, 5);
    assertThat(declared.get("viaStore", byte[].class)).isSameAs(decoded);
    byte[] copy = root.get("viaStore", byte[].class);
    assertThat(copy).containsExactly(4, 5).isNotSameAs(decoded)
        .isNotSameAs(root.get("viaStore", byte[].class));
  }

  /**
   * Review finding 1 of mem20: a value kept bare because one cache declared its class immutable
   * (or runs by reference) was handed as it is to another cache over the same store that did
   * not, whose caller could then change what every reader sees. Each pair of caches is
   * unprefixed, so both read the same store key with the same built-in codec.
   */
  @Test
  void aCacheThatSharesNoByteArraysNeverGetsTheArrayANeighbourKeptBare() {
    for (io.larder.Larder.Builder sharing : List.of(
        io.larder.Larder.builder().immutable(byte[].class),
        io.larder.Larder.builder().byReference(true))) {
      Cache neighbour = caches.open(sharing);
      Cache plain = caches.open(io.larder.Larder.builder());
      byte[] written = {1, 2, 3};
      neighbour.set("k", written);
      assertThat(neighbour.get("k", byte[].class)).isSameAs(written);
      byte[] read = plain.get("k", byte[].class);
      assertThat(read).containsExactly(1, 2, 3).isNotSameAs(written);
      read[0] = 9;
      assertThat(plain.get("k", byte[].class)).containsExactly(1, 2, 3);
      assertThat(neighbour.get("k", byte[].class)).isSameAs(written).containsExactly(1, 2, 3);
      // bytes written by the plain cache, decoded and kept by the neighbour's read
      plain.set("p", new byte[] {4, 5});
      byte[] kept = neighbour.get("p", byte[].class);
      assertThat(neighbour.get("p", byte[].class)).isSameAs(kept);
      assertThat(plain.get("p", byte[].class)).containsExactly(4, 5).isNotSameAs(kept);
    }
  }

  /**
   * The same for a class of the user's: declared immutable by one cache, it is copied for a
   * cache that did not declare it, and still shared between caches that declared it alike.
   */
  @Test
  void aClassDeclaredImmutableByOneCacheIsCopiedForANeighbourThatDidNotDeclareIt() {
    Codec<Isbn> codec = Codec.serialized(Isbn.class);
    Isbn isbn = new Isbn("978-0441013593");
    Cache declared = caches.open(io.larder.Larder.builder().immutable(Isbn.class));
    Cache alike = caches.open(io.larder.Larder.builder().immutable(Isbn.class));
    Cache plain = caches.open(io.larder.Larder.builder());
    declared.set("i", isbn, codec, Duration.ofMinutes(1));
    assertThat(alike.get("i", codec)).isSameAs(isbn);
    Isbn read = plain.get("i", codec);
    assertThat(read.code).isEqualTo(isbn.code);
    assertThat(read).isNotSameAs(isbn).isNotSameAs(plain.get("i", codec));
    // with metadata (a freshness), the entry is kept under the policy too
    declared.getOrCompute("c", codec, Freshness.of(Duration.ofSeconds(10)), () -> isbn);
    assertThat(declared.get("c", codec)).isSameAs(isbn);
    assertThat(plain.get("c", codec)).isNotSameAs(isbn);
    assertThat(plain.get("c", codec).code).isEqualTo(isbn.code);
  }

  /**
   * Review finding 2 of mem20: a {@code byte[]} declared immutable was weighed 64 bytes
   * whatever its length, so a store bounded at 1 MiB held 40 arrays of 100 KB, and one of
   * 2 MiB. Weighed by its length, an array above the object tier's 64 KiB cap goes as bytes,
   * and the store's bound holds, for written values and for values a read decoded from bytes.
   */
  @Test
  void aByteArrayDeclaredImmutableIsWeighedByItsLengthSoTheStoreKeepsItsBound() {
    long bound = 1 << 20;
    Store store = Stores.memoryBuilder().maxBytes(bound).clock(caches.clock).build();
    try (Cache declared = io.larder.Larder.builder().store(store).clock(caches.clock)
            .immutable(byte[].class).failOpen(false).build();
        Cache plain = io.larder.Larder.builder().store(store).clock(caches.clock)
            .failOpen(false).build()) {
      // bytes written by a cache that declared nothing: a large array is decoded afresh by
      // each read of the declaring cache, never kept beside its bytes
      plain.set("p", new byte[100_000]);
      byte[] first = declared.get("p", byte[].class);
      assertThat(first).hasSize(100_000);
      assertThat(declared.get("p", byte[].class)).isNotSameAs(first);
      assertThat(((DecodedValues) store).getDecoded("p").isDecoded()).isFalse();
      for (int i = 0; i < 40; i++) {
        declared.set("k" + i, new byte[100_000]);
        assertThat(store.size("").bytes()).isLessThanOrEqualTo(bound);
      }
      long held = 0;
      for (int i = 0; i < 40; i++) {
        byte[] v = declared.get("k" + i, byte[].class);
        held += v == null ? 0 : v.length;
      }
      assertThat(held).isBetween(1L, bound);
      declared.set("big", new byte[2 << 20]);
      assertThat(declared.get("big", byte[].class)).isNull();
      assertThat(store.size("").bytes()).isLessThanOrEqualTo(bound);
      // a small declared array is still kept and shared
      byte[] small = {1, 2, 3};
      declared.set("small", small);
      assertThat(declared.get("small", byte[].class)).isSameAs(small);
    } finally {
      store.close();
    }
  }

  @Test
  void aMutableSerializableValueIsDecodedAfreshForEveryRead() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    Codec<ArrayList<String>> codec = (Codec) Codec.serialized(ArrayList.class);
    ArrayList<String> list = new ArrayList<>(List.of("a", "b"));
    cache.set("list", list, codec, Duration.ofMinutes(1));
    list.add("written later");
    ArrayList<String> read = cache.get("list", codec);
    assertThat(read).containsExactly("a", "b").isNotSameAs(list);
    read.add("changed by a reader");
    assertThat(cache.get("list", codec)).containsExactly("a", "b");
  }

  @Test
  void aValueWrittenAsAnObjectReadsAsItsBytesThroughTheStore() {
    cache.set("s", "plain text");
    String storeKey = storeKey("s");
    assertThat(new String(caches.store.get(storeKey), StandardCharsets.UTF_8))
        .isEqualTo("plain text");
    assertThat(caches.store.getVersioned(storeKey)).isNotNull();
  }

  @Test
  void bytesWrittenThroughTheStoreAreDecodedOnceThenKept() {
    caches.store.set(storeKey("k"), "from bytes".getBytes(StandardCharsets.UTF_8), 0);
    String first = cache.get("k", String.class);
    assertThat(first).isEqualTo("from bytes");
    assertThat(cache.get("k", String.class)).isSameAs(first);
    Decoded kept = ((DecodedValues) caches.store).getDecoded(storeKey("k"));
    assertThat(kept.isDecoded()).isTrue();
  }

  /**
   * Review finding 3 of mem20: an entry kept beside its bytes was weighed by its value's
   * estimate alone, though it holds the bytes too, which for a serialized record are several
   * times the estimate; the memory store and the near tier under-counted it. It is now weighed
   * with its bytes, whether a write encoded it at once or a read decoded it from bytes.
   */
  @Test
  void anEntryKeptBesideItsBytesIsWeighedWithThem() {
    Codec<Book> codec = Codec.serialized(Book.class, java.util.UUID.class);
    Book book = new Book("Dune", 312, java.util.UUID.fromString("1965-08-01-0000-000000000000"));
    cache.set("b", book, codec, Duration.ofMinutes(1));
    DecodedValues objects = (DecodedValues) caches.store;
    Decoded written = objects.getDecoded(storeKey("b"));
    assertThat(written.isEncoded()).isTrue();
    long estimate = 16 + 8 * 3 + (40 + 2 * "Dune".length()) + 32;
    assertThat(written.weight()).isEqualTo(estimate + written.bytes().length);
    caches.store.set(storeKey("s"), "from bytes".getBytes(StandardCharsets.UTF_8), 0);
    assertThat(cache.get("s", String.class)).isEqualTo("from bytes");
    Decoded read = objects.getDecoded(storeKey("s"));
    assertThat(read.isDecoded()).isTrue();
    assertThat(read.weight()).isEqualTo(40 + 2 * "from bytes".length() + "from bytes".length());
  }

  @Test
  void aTaggedObjectReadsAsAbsentOnceItsTagMovesOn() {
    cache.tagged("books").set("t", "tagged value");
    assertThat(cache.get("t", String.class)).isEqualTo("tagged value");
    cache.invalidateTag("books");
    assertThat(cache.get("t", String.class)).isNull();
  }

  @Test
  void getOrComputeKeepsTheComputedObjectAndItsFreshness() {
    AtomicInteger calls = new AtomicInteger();
    Freshness fresh = Freshness.of(Duration.ofSeconds(10));
    String first = cache.getOrCompute("c", Codec.utf8(), fresh, () -> {
      calls.incrementAndGet();
      return new String("computed");
    });
    assertThat(cache.getOrCompute("c", Codec.utf8(), fresh, () -> "again")).isSameAs(first);
    caches.elapse(Duration.ofSeconds(11));
    assertThat(cache.getOrCompute("c", Codec.utf8(), fresh, () -> {
      calls.incrementAndGet();
      return "recomputed";
    })).isEqualTo("recomputed");
    assertThat(calls).hasValue(2);
  }

  /**
   * A kept value with metadata (tags, freshness) is held in an entry; an unprefixed cache's
   * read, which hands a bare kept value out without looking at it, still finds the value (the
   * very object written, counted as a hit) and never the entry around it.
   */
  @Test
  void anUnprefixedReadOfAKeptValueWithMetadataHandsOutTheValueNotItsEntry() {
    Cache root = caches.open(io.larder.Larder.builder());
    String tagged = new String("tagged value");
    root.tagged("books").set("t", tagged);
    String computed = root.getOrCompute("c", Codec.utf8(), Freshness.of(Duration.ofSeconds(10)),
        () -> new String("computed"));
    String plain = new String("plain value");
    root.set("p", plain);
    assertThat(root.get("t", String.class)).isSameAs(tagged);
    assertThat(root.get("c", String.class)).isSameAs(computed);
    assertThat(root.get("p", String.class)).isSameAs(plain);
    assertThat(root.get("t", Codec.utf8())).isSameAs(tagged);
    assertThat(root.stats().hits()).isEqualTo(4);
    root.invalidateTag("books");
    assertThat(root.get("t", String.class)).isNull();
  }

  /** A class of the user's, immutable but not a record. */
  static final class Isbn implements java.io.Serializable {
    final String code;

    Isbn(String code) {
      this.code = code;
    }
  }

  @Test
  void aClassDeclaredImmutableIsSharedAndOthersAreNot() {
    Codec<Isbn> codec = Codec.serialized(Isbn.class);
    Isbn isbn = new Isbn("978-0441013593");
    Cache declared = caches.open(io.larder.Larder.builder().prefix("decl").immutable(Isbn.class));
    declared.set("i", isbn, codec, Duration.ofMinutes(1));
    assertThat(declared.get("i", codec)).isSameAs(isbn);
    cache.set("i", isbn, codec, Duration.ofMinutes(1));
    assertThat(cache.get("i", codec)).isNotSameAs(isbn).isNotSameAs(cache.get("i", codec));
  }

  @Test
  void anotherCodecReadsTheBytesOfAnObject() {
    cache.set("n", 42L);
    assertThat(cache.get("n", Codec.utf8())).isEqualTo("42");
    assertThat(cache.incr("n")).isEqualTo(43);
    assertThat(cache.get("n", Long.class)).isEqualTo(43L);
  }

  /**
   * An unprefixed cache's string is held by the memory store as itself (issue 20): the cache
   * reads back the very object, a cache reading it with another string codec decodes its own
   * from the UTF-8, and the store's byte read gets that UTF-8.
   */
  @Test
  void aStringHeldBareReadsAsItselfForUtf8AndAsItsBytesForAnotherCodec() {
    Cache root = caches.open(io.larder.Larder.builder());
    String value = new String("caf\u00e9 au lait");
    root.set("s", value);
    assertThat(((io.larder.internal.MemoryStore) caches.store).getHeld("s"))
        .as("held as the string itself").isSameAs(value);
    assertThat(root.get("s", String.class)).isSameAs(value);
    Codec<String> utf8 = Codec.utf8();
    Codec<String> another = new Codec<>() {
      @Override
      public byte[] encode(String v) {
        return utf8.encode(v);
      }

      @Override
      public String decode(byte[] bytes) {
        return utf8.decode(bytes);
      }
    };
    assertThat(root.get("s", another)).isEqualTo(value).isNotSameAs(value);
    assertThat(caches.store.get("s")).containsExactly(value.getBytes(StandardCharsets.UTF_8));
    assertThat(root.get("s", Codec.utf8())).isSameAs(value);
    assertThat(root.stats().hits()).isEqualTo(3);
    assertThat(root.stats().writes()).isEqualTo(1);
    Cache zipping = caches.open(io.larder.Larder.builder().compressAbove(64));
    String big = "larder ".repeat(100);
    zipping.set("z", big);
    assertThat(caches.store.get("z")[0] & 0xFF).as("compressed, so not held bare").isEqualTo(0xFF);
    assertThat(root.get("z", String.class)).isEqualTo(big);
  }

  /**
   * A string held as itself weighs what the same string weighs in its holder: the memory store
   * and the object tier estimate a string's heap bytes alike, so {@code maxBytes} charges both
   * the same.
   */
  @Test
  void aStringHeldBareWeighsWhatItWeighsInItsHolder() {
    Cache root = caches.open(io.larder.Larder.builder());
    String value = "caf\u00e9 au lait, ".repeat(7);
    root.set("a", value);
    root.set("b", value, java.time.Duration.ofHours(1));
    assertThat(((io.larder.internal.MemoryStore) caches.store).getHeld("a")).isSameAs(value);
    assertThat(((io.larder.internal.MemoryStore) caches.store).getHeld("b"))
        .isNotInstanceOf(String.class);
    assertThat(caches.store.size("a").bytes()).isPositive()
        .isEqualTo(caches.store.size("b").bytes());
  }

  /**
   * An unprefixed cache writes a shared value straight to the memory store (no resolved key,
   * no entry object): it still reads back as the very object, its bytes as {@link #set} seals
   * them, counters work on it, and a codec that may refuse a value still refuses it at
   * {@code set}.
   */
  @Test
  void aSharedValueWrittenStraightToTheStoreReadsAsTheObjectAndAsItsBytes() {
    Cache root = caches.open(io.larder.Larder.builder());
    Long big = 123_456_789L;
    root.set("n", big);
    assertThat(root.get("n", Long.class)).isSameAs(big);
    assertThat(caches.store.get("n")).containsExactly("123456789".getBytes(StandardCharsets.UTF_8));
    assertThat(root.get("n", Codec.utf8())).isEqualTo("123456789");
    assertThat(root.incr("n")).isEqualTo(123_456_790L);
    Book book = new Book("Dune", 312, java.util.UUID.fromString("1965-08-01-0000-000000000000"));
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> root.set("b", book, Codec.serialized(Book.class), Cache.FOREVER))
        .isInstanceOf(io.larder.CacheCodecException.class);
    Codec<Book> books = Codec.serialized(Book.class, java.util.UUID.class);
    root.set("b", book, books, Cache.FOREVER);
    assertThat(root.get("b", books)).isSameAs(book);
    assertThat(root.stats().writes()).isEqualTo(3);

    Cache byReference = caches.open(io.larder.Larder.builder().byReference(true));
    byte[] array = {1, 2, 3};
    byReference.set("r", array);
    assertThat(byReference.get("r", byte[].class)).isSameAs(array);
    assertThat(root.get("r", byte[].class)).containsExactly(1, 2, 3).isNotSameAs(array);
  }

  /**
   * A shared value written with no metadata is sealed when its bytes are first asked for, by
   * the one encoder every such write shares: its bytes are then the very bytes a write with
   * metadata seals at once, in an envelope where the payload would read as one (a first byte
   * of {@code 0xFF}) and compressed where the cache compresses, so that a copying cache over
   * the same store reads it back.
   */
  @Test
  void aByReferenceValueIsSealedLaterAsAnOrdinaryWriteSealsIt() {
    Cache byReference = caches.open(io.larder.Larder.builder().byReference(true)
        .compressAbove(64));
    Cache copying = caches.open(io.larder.Larder.builder());
    byte[] marked = {(byte) 0xFF, 1, 2, 3};
    byte[] large = new byte[1_000];
    java.util.Arrays.fill(large, (byte) 'a');
    byReference.set("marked", marked);
    byReference.set("large", large);
    byReference.set("large, with a ttl", large, Duration.ofHours(1));

    assertThat(copying.get("marked", byte[].class)).containsExactly(marked);
    assertThat(copying.get("large", byte[].class)).containsExactly(large);
    byte[] sealedLater = caches.store.get("large");
    assertThat(sealedLater).isEqualTo(caches.store.get("large, with a ttl"));
    assertThat(sealedLater.length).isLessThan(large.length);
  }
}
