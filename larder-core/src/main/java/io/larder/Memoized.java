package io.larder;

import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A function whose results are cached under a key made of the function's name and its
 * argument.
 *
 * <pre>{@code
 * Memoized<Long, String> markup =
 *     cache.memoize("Notes.markup", Long.class, String.class, id -> markdown(id), Duration.ofMinutes(5));
 * String html = markup.apply(312L);   // computed once, then read from the cache
 * markup.bust(312L);                  // the next call computes again
 * }</pre>
 *
 * <p>Calls for the same argument share one computation per JVM (and per fleet with a lease),
 * as {@link Cache#getOrCompute} does. Keys are collision-free: different arguments never
 * share a key (see {@link #key}).
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
public interface Memoized<A, R> extends Function<A, R> {

  /**
   * Returns the cached result for {@code arg}, computing and caching it if missing.
   *
   * @param arg the argument; may be {@code null}
   * @return the result; {@code null} if the function returned {@code null}
   * @throws IllegalArgumentException if the argument holds a type no key can be made of
   */
  @Override
  @Nullable R apply(A arg);

  /**
   * Removes the cached result for {@code arg}, so the next call computes it again.
   *
   * @param arg the argument
   * @return whether a cached result was removed
   */
  boolean bust(A arg);

  /**
   * Returns the cache key of the result for {@code arg}: the namespace, the function's name
   * and a canonical, type-tagged encoding of the argument.
   *
   * @param arg the argument
   * @return the key, as Larder checks it (stores that cannot hold it store its hash)
   */
  String key(A arg);
}
