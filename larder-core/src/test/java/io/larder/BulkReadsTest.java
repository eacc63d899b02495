package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.ForwardingStore;
import io.larder.spi.KeyRules;
import io.larder.spi.Store;
import io.larder.spi.StoreTraits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The edges of {@code getMany} that its array-based path must keep: repeated keys, cached
 * nulls, hits mixed with misses, input order, hashed keys and values in an envelope, over a
 * memory store that takes any key and over one with memcached's key rules.
 */
class BulkReadsTest {
  /** A memory store that records the keys of each bulk read, with or without key rules. */
  private static final class Watched extends ForwardingStore {
    final List<List<String>> bulkReads = new ArrayList<>();
    private final boolean rules;

    Watched(boolean rules) {
      super(Stores.memory());
      this.rules = rules;
    }

    @Override
    public StoreTraits traits() {
      return rules ? StoreTraits.DEFAULT.withKeyRules(new KeyRules(250, true))
          : super.traits();
    }

    @Override
    public Map<String, byte[]> getMany(Collection<String> keys) {
      bulkReads.add(List.copyOf(keys));
      return super.getMany(keys);
    }
  }

  private static Cache open(Store store) {
    return Larder.builder().store(store).prefix("app").failOpen(false).build();
  }

  @ParameterizedTest(name = "key rules: {0}")
  @ValueSource(booleans = {false, true})
  void aRepeatedKeyIsReadOnceAndAnsweredAtItsFirstPlace(boolean rules) {
    Watched store = new Watched(rules);
    try (Cache cache = open(store)) {
      cache.set("b", "B");
      cache.set("a key with spaces", "S");
      cache.set("a", "A");

      Map<String, String> found = cache.getMany(
          List.of("b", "missing", "a key with spaces", "b", "a", "missing", "a"), Codec.utf8());

      assertThat(new ArrayList<>(found.entrySet())).containsExactly(Map.entry("b", "B"),
          Map.entry("a key with spaces", "S"), Map.entry("a", "A"));
      assertThat(store.bulkReads).hasSize(1);
      assertThat(store.bulkReads.get(0)).hasSize(4).doesNotHaveDuplicates();
      assertThat(cache.stats().hits()).isEqualTo(3);
      assertThat(cache.stats().misses()).isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "key rules: {0}")
  @ValueSource(booleans = {false, true})
  void manyRepeatsOverManyKeysKeepTheFirstOfEachInOrder(boolean rules) {
    try (Cache cache = open(new Watched(rules))) {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        // repeats near and far, and keys whose hashes collide ("Aa" and "BB")
        keys.add("k" + (i * 7919 % 173));
        keys.add(i % 2 == 0 ? "Aa" : "BB");
      }
      Map<String, String> expected = new LinkedHashMap<>();
      for (String k : new LinkedHashSet<>(keys)) {
        if (k.hashCode() % 3 != 0) {
          cache.set(k, "v" + k);
          expected.put(k, "v" + k);
        }
      }

      Map<String, String> found = cache.getMany(keys, Codec.utf8());

      assertThat(new ArrayList<>(found.entrySet()))
          .containsExactlyElementsOf(new ArrayList<>(expected.entrySet()));
      assertThat(cache.stats().hits() + cache.stats().misses())
          .isEqualTo(new LinkedHashSet<>(keys).size());
    }
  }

  @ParameterizedTest(name = "key rules: {0}")
  @ValueSource(booleans = {false, true})
  void hitsAndMissesComeBackInInputOrderWithNoMissInTheResult(boolean rules) {
    try (Cache cache = open(new Watched(rules))) {
      cache.set("z", "Z");
      cache.set("a", "A");
      cache.set("m", "M");

      Map<String, String> found =
          cache.getMany(List.of("m", "gone", "z", "a", "#gone"), Codec.utf8());

      assertThat(found.keySet()).containsExactly("m", "z", "a");
      assertThat(cache.stats().hits()).isEqualTo(3);
      assertThat(cache.stats().misses()).isEqualTo(2);
    }
  }

  @Test
  void aCachedNullIsAHitThatTheResultLeavesOut() {
    Store store = Stores.memory();
    try (Cache cache = open(store)) {
      cache.set("here", "H");
      Envelope.Meta cachedNull = Envelope.Meta.NONE.asNull();
      store.set("~app::nothing", Envelope.seal(new byte[0], 0, null, cachedNull),
          Store.NO_EXPIRY);

      Map<String, String> found =
          cache.getMany(List.of("nothing", "here", "absent"), Codec.utf8());

      assertThat(found).containsExactly(Map.entry("here", "H"));
      assertThat(cache.stats().hits()).as("the cached null is known").isEqualTo(2);
      assertThat(cache.stats().misses()).isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "key rules: {0}")
  @ValueSource(booleans = {false, true})
  void taggedAndBareValuesMixAndAnInvalidatedTagReadsAsAMiss(boolean rules) {
    try (Cache cache = open(new Watched(rules))) {
      Cache tagged = cache.tagged("t");
      tagged.set("tagged", "T");
      tagged.set("tagged and spaced", "TS");
      cache.set("bare", "B");

      assertThat(new ArrayList<>(cache.getMany(
          List.of("tagged", "bare", "tagged and spaced"), Codec.utf8()).entrySet()))
          .containsExactly(Map.entry("tagged", "T"), Map.entry("bare", "B"),
              Map.entry("tagged and spaced", "TS"));

      cache.invalidateTag("t");

      assertThat(cache.getMany(List.of("tagged", "bare", "tagged and spaced"), Codec.utf8()))
          .containsExactly(Map.entry("bare", "B"));
    }
  }

  @ParameterizedTest(name = "key rules: {0}")
  @ValueSource(booleans = {false, true})
  void aSetThatHoldsEqualKeysTwiceIsReadOnceAndASetThatCannotIsReadAsGiven(boolean rules) {
    Watched store = new Watched(rules);
    try (Cache cache = open(store)) {
      cache.set("a", "A");
      cache.set("b", "B");
      // an identity set holds two equal strings that are not the same object
      Set<String> identity = Collections.newSetFromMap(new IdentityHashMap<>());
      identity.add(new String("a"));
      identity.add(new String("a"));
      identity.add("b");
      assertThat(identity).hasSize(3);

      assertThat(cache.getMany(identity, Codec.utf8()))
          .containsOnly(Map.entry("a", "A"), Map.entry("b", "B"));
      assertThat(store.bulkReads.get(store.bulkReads.size() - 1))
          .as("duplicates are read once").hasSize(2);
      assertThat(cache.stats().hits()).isEqualTo(2);

      assertThat(cache.getMany(new TreeSet<>(List.of("b", "a")), Codec.utf8()))
          .containsExactly(Map.entry("a", "A"), Map.entry("b", "B"));
      assertThat(store.bulkReads.get(store.bulkReads.size() - 1)).hasSize(2);
    }
  }

  @Test
  void anAsynchronousBulkReadOfANativeStoreAnswersAndCountsAsTheBlockingOne() throws Exception {
    try (AsyncCacheTest.IoThreadStore store = new AsyncCacheTest.IoThreadStore();
        Cache cache = open(store)) {
      cache.set("b", "B");
      cache.set("a", "A");
      List<String> keys = List.of("b", "missing", "a", "b", "missing");
      Map<String, String> blocking = cache.getMany(keys, Codec.utf8());
      CacheStats counted = cache.stats();

      Map<String, String> async = cache.async().getMany(keys, Codec.utf8()).get(30, TimeUnit.SECONDS);

      assertThat(new ArrayList<>(async.entrySet()))
          .containsExactlyElementsOf(new ArrayList<>(blocking.entrySet()))
          .containsExactly(Map.entry("b", "B"), Map.entry("a", "A"));
      CacheStats twice = cache.stats();
      assertThat(twice.hits()).isEqualTo(2 * counted.hits()).isEqualTo(4);
      assertThat(twice.misses()).isEqualTo(2 * counted.misses()).isEqualTo(2);
    }
  }

  @Test
  void bytesReadInBulkFromMemoryAreTheCallersOwnCopy() {
    try (Cache cache = open(Stores.memory())) {
      cache.set("b", "stored".getBytes(StandardCharsets.UTF_8), Codec.bytes(), Cache.FOREVER);

      byte[] read = cache.getMany(List.of("b"), Codec.bytes()).get("b");
      read[0] = 'X';

      assertThat(new String(cache.getMany(List.of("b"), Codec.bytes()).get("b"),
          StandardCharsets.UTF_8)).isEqualTo("stored");
    }
  }
}
