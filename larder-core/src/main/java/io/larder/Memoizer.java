package io.larder;

import io.larder.spi.KeyLayout;
import io.larder.spi.KeyRules;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Configures a memoized function: its freshness, whether {@code null} results are cached,
 * and how keys are made of arguments. Obtained from {@link Cache#memoizer}; each option may
 * be set once.
 *
 * <pre>{@code
 * Memoized<Long, String> markup = cache.memoizer("Notes.markup", Long.class, Codec.utf8())
 *     .freshness(Freshness.of(Duration.ofMinutes(5)).staleFor(Duration.ofMinutes(1)))
 *     .cacheNulls()
 *     .of(id -> markdown(id));
 * }</pre>
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
public final class Memoizer<A, R> {
  /**
   * What a memoized function needs of the cache that made it: the loader that computes and
   * stores results, the writes that bust them, and the view whose namespace they live in.
   */
  record Backend(Loader loader, Writes writes, View view, KeyRules rules, Duration defaultTtl,
      boolean admitByDefault, AsyncLoader asyncLoader) {}

  private final Backend cache;
  private final String name;
  /** What every key of this function starts with: its name, with the name's length. */
  private final String keyHead;
  /** The namespace prefix of memoized results in this function's view. */
  private final String keyPrefix;
  private final Codec<R> codec;
  private Freshness freshness;
  private boolean cacheNulls;
  private boolean cacheNullsSet;
  private Function<? super A, String> keyFunction;
  private Boolean admit;

  Memoizer(Backend cache, String name, Class<A> argType, Codec<R> codec) {
    this.cache = cache;
    this.name = name;
    this.codec = codec;
    this.keyHead = name.length() + ":" + name;
    this.keyPrefix = KeyLayout.internalPrefix(cache.view().prefix(), "memo");
    CacheKeys.checkSupported(argType);
  }

  /**
   * Caches results for {@code ttl}; short for {@code freshness(Freshness.of(ttl))}. Without
   * either, results live for the cache's default TTL.
   *
   * @param ttl a positive duration
   * @return this memoizer
   * @throws IllegalArgumentException if {@code ttl} is not positive
   * @throws IllegalStateException if a TTL or freshness was already set
   */
  public Memoizer<A, R> ttl(Duration ttl) {
    return freshness(Freshness.of(ttl));
  }

  /**
   * Sets the freshness of results: TTL, lease, stale period, early recomputation.
   *
   * @param freshness the freshness
   * @return this memoizer
   * @throws IllegalStateException if a TTL or freshness was already set
   */
  public Memoizer<A, R> freshness(Freshness freshness) {
    if (this.freshness != null) {
      throw new IllegalStateException("ttl/freshness was already set");
    }
    this.freshness = Objects.requireNonNull(freshness, "freshness");
    return this;
  }

  /**
   * Caches {@code null} results too, told apart from misses, so that a function returning
   * {@code null} is not called again until the result expires.
   *
   * @return this memoizer
   * @throws IllegalStateException if already set
   */
  public Memoizer<A, R> cacheNulls() {
    if (cacheNullsSet) {
      throw new IllegalStateException("cacheNulls was already set");
    }
    cacheNullsSet = true;
    cacheNulls = true;
    return this;
  }

  /**
   * Makes keys with a function of the argument instead of Larder's canonical encoding; for
   * argument types Larder cannot encode. The function must give different strings for
   * arguments whose results differ.
   *
   * @param keyFunction the key function
   * @return this memoizer
   * @throws IllegalStateException if already set
   */
  public Memoizer<A, R> keyedBy(Function<? super A, String> keyFunction) {
    if (this.keyFunction != null) {
      throw new IllegalStateException("keyedBy was already set");
    }
    this.keyFunction = Objects.requireNonNull(keyFunction, "keyFunction");
    return this;
  }

  /**
   * Chooses whether this function's results go through the cache's {@link Admission}
   * sketch: {@code true} stores a result only when its argument was missed often enough
   * recently (with the cache's sketch settings, or the defaults if the cache has admission
   * off); {@code false} stores every result. Without this, the cache's {@code admit=}
   * decides.
   *
   * @param admit whether results must be admitted to be stored
   * @return this memoizer
   * @throws IllegalStateException if already set
   */
  public Memoizer<A, R> admit(boolean admit) {
    if (this.admit != null) {
      throw new IllegalStateException("admit was already set");
    }
    this.admit = admit;
    return this;
  }

  private boolean admits() {
    return admit != null ? admit : cache.admitByDefault();
  }

  private Freshness freshness() {
    return freshness != null ? freshness : Freshness.of(cache.defaultTtl());
  }

  /** The store key of a function's result for an argument, made once per call. */
  private Keys.StoreKey storeKey(A arg) {
    String key = keyFunction != null
        ? keyHead + "K" + Objects.requireNonNull(keyFunction.apply(arg),
            "key function returned null")
        : keyHead + CacheKeys.encode(arg);
    return Keys.resolve(keyPrefix, key, cache.rules());
  }

  /**
   * Wraps a function.
   *
   * @param fn the function to memoize
   * @return the memoized function
   */
  public Memoized<A, R> of(Function<? super A, ? extends @Nullable R> fn) {
    Objects.requireNonNull(fn, "fn");
    Freshness f = freshness();
    boolean nulls = cacheNulls;
    boolean admits = admits();
    final class Single extends Keyed implements Memoized<A, R> {
      @Override
      public R apply(A arg) {
        return cache.loader().compute(cache.view(), storeKey(arg), codec, f, () -> fn.apply(arg),
            nulls, admits).value();
      }
    }
    return new Single();
  }

  /**
   * Wraps an asynchronous function: results are cached as {@link #of} caches them (same
   * keys, freshness and options), and concurrent calls for one argument share one future.
   *
   * <pre>{@code
   * AsyncMemoized<Long, String> markup = cache.memoizer("Notes.markup", Long.class, Codec.utf8())
   *     .freshness(Freshness.of(Duration.ofMinutes(5)).staleFor(Duration.ofMinutes(1)))
   *     .ofAsync(id -> renderLater(id));
   * }</pre>
   *
   * @param fn the function to memoize; called on the cache's executor
   * @return the memoized function
   */
  public AsyncMemoized<A, R> ofAsync(
      Function<? super A, ? extends CompletionStage<? extends @Nullable R>> fn) {
    Objects.requireNonNull(fn, "fn");
    Freshness f = freshness();
    boolean nulls = cacheNulls;
    boolean admits = admits();
    AsyncLoader loader = cache.asyncLoader();
    return new AsyncMemoized<A, R>() {
      @Override
      public CompletableFuture<R> apply(A arg) {
        return AsyncCalls.map(loader.compute(cache.view(), storeKey(arg), codec, f,
            key -> fn.apply(arg), nulls, admits), Entry::value);
      }

      @Override
      public CompletableFuture<Boolean> bust(A arg) {
        return loader.bust(cache.view(), storeKey(arg));
      }

      @Override
      public String key(A arg) {
        return storeKey(arg).full();
      }

      @Override
      public String toString() {
        return "AsyncMemoized[" + name + "]";
      }
    };
  }

  /**
   * Wraps a bulk function, which is given the missing arguments and returns their results.
   *
   * @param fn the bulk function; it may leave out arguments it has no result for
   * @return the memoized bulk function
   */
  public MemoizedAll<A, R> ofAll(Function<? super Set<A>, ? extends Map<A, ? extends R>> fn) {
    Objects.requireNonNull(fn, "fn");
    Freshness f = freshness();
    boolean nulls = cacheNulls;
    boolean admits = admits();
    final class Bulk extends Keyed implements MemoizedAll<A, R> {
      @Override
      public Map<A, R> getAll(java.util.Collection<? extends A> args) {
        Map<A, Keys.StoreKey> keys = new LinkedHashMap<>();
        for (A arg : args) {
          keys.computeIfAbsent(arg, a -> storeKey(a));
        }
        return cache.loader().computeAll(cache.view(), keys, codec, f, nulls, admits, fn);
      }
    }
    return new Bulk();
  }

  /** What a memoized function and a memoized bulk function share: keys and busting. */
  private abstract class Keyed {
    public boolean bust(A arg) {
      return cache.writes().delete(cache.view(), storeKey(arg));
    }

    public String key(A arg) {
      return storeKey(arg).full();
    }

    @Override
    public String toString() {
      return "Memoized[" + name + "]";
    }
  }
}
