package io.larder.bench.micro;

import io.larder.Cache;
import io.larder.CacheKeys;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.Memoized;
import io.larder.Stores;
import io.larder.spi.Store;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Key encoding: a memoized function's argument turned into the bytes of a store key, through
 * Larder's canonical {@link CacheKeys} text, beside plain string concatenation of the same
 * values. Concatenation is what a hand-written key usually is; it is not collision-free
 * ({@code "a:b" + ":" + "c"} equals {@code "a" + ":" + "b:c"}), which the type tags and lengths
 * of the canonical text pay for. Both sides start from the same argument object and end with
 * UTF-8 bytes under the same {@code books:} prefix. {@link #memoKeyLarder} is Larder's whole
 * path from a memoized function's argument to its store key's bytes (namespace, function name,
 * canonical text), beside the same concatenation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyBenchmarks {
  /**
   * A typical argument of a memoized function: which book, in which language.
   *
   * @param id the book's id
   * @param lang the language tag
   */
  public record BookQuery(long id, String lang) {}

  // not final, so that the JIT cannot fold the keys into constants
  private BookQuery query;
  private List<Object> args;
  private Store store;
  private Cache cache;
  private Memoized<BookQuery, String> books;

  /**
   * Creates the arguments and checks the keys both sides make of them.
   *
   * @throws IllegalStateException if a key is not the expected text
   */
  @Setup
  public void setUp() {
    query = new BookQuery(312L, "en");
    args = List.of(312L, "en");
    store = Stores.memory();
    cache = Larder.builder().store(store).build();
    books = cache.memoizer("books", BookQuery.class, Codec.utf8()).of(q -> q.lang());
    String canonical = new String(recordLarder(), StandardCharsets.UTF_8);
    String plain = new String(recordRaw(), StandardCharsets.UTF_8);
    if (!canonical.startsWith("books:R") || !plain.equals("books:312:en")
        || !new String(listLarder(), StandardCharsets.UTF_8).equals("books:L2[l312;S2:en]")
        || !new String(listRaw(), StandardCharsets.UTF_8).equals(plain)
        || !new String(memoKeyLarder(), StandardCharsets.UTF_8).endsWith(":5:books"
            + CacheKeys.encode(query))) {
      throw new IllegalStateException("unexpected keys: " + canonical + ", " + plain);
    }
  }

  /**
   * Larder: the canonical text of a record argument.
   *
   * @return the key's bytes
   */
  @Benchmark
  public byte[] recordLarder() {
    return ("books:" + CacheKeys.encode(query)).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Baseline: the record's components joined by colons.
   *
   * @return the key's bytes
   */
  @Benchmark
  public byte[] recordRaw() {
    return ("books:" + query.id() + ':' + query.lang()).getBytes(StandardCharsets.UTF_8);
  }

  /** Closes the cache and the store. */
  @TearDown
  public void tearDown() {
    cache.close();
    store.close();
  }

  /**
   * Larder: a memoized function's store key for a record argument, as the function makes it.
   *
   * @return the key's bytes
   */
  @Benchmark
  public byte[] memoKeyLarder() {
    return books.key(query).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Larder: the canonical text of a list argument.
   *
   * @return the key's bytes
   */
  @Benchmark
  public byte[] listLarder() {
    return ("books:" + CacheKeys.encode(args)).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Baseline: the list's elements joined by colons.
   *
   * @return the key's bytes
   */
  @Benchmark
  public byte[] listRaw() {
    return ("books:" + args.get(0) + ':' + args.get(1)).getBytes(StandardCharsets.UTF_8);
  }
}
