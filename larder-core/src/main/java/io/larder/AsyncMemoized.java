package io.larder;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * An asynchronous function whose results are cached under a key made of the function's name
 * and its argument: the asynchronous {@link Memoized}, made by
 * {@link AsyncCache#memoize} or {@link Memoizer#ofAsync}.
 *
 * <pre>{@code
 * AsyncMemoized<Long, String> markup = cache.async().memoize("Notes.markup", Long.class,
 *     String.class, id -> renderLater(id), Duration.ofMinutes(5));
 * markup.apply(312L).thenAccept(html -> respond(html));
 * }</pre>
 *
 * <p>Calls for the same argument share one computation per JVM (and per fleet with a
 * lease), as {@link AsyncCache#getOrCompute} does. Keys are those of {@link Memoized}: a
 * synchronous and an asynchronous function of the same name share their results.
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
public interface AsyncMemoized<A, R> {

  /**
   * Returns the cached result for {@code arg}, computing and caching it if missing.
   *
   * @param arg the argument; may be {@code null}
   * @return the result; {@code null} if the function gave {@code null}; completes
   *     exceptionally with what the function failed with
   * @throws IllegalArgumentException if the argument holds a type no key can be made of
   */
  CompletableFuture<@Nullable R> apply(A arg);

  /**
   * Removes the cached result for {@code arg}, so the next call computes it again.
   *
   * @param arg the argument
   * @return whether a cached result was removed
   * @throws IllegalArgumentException if the argument holds a type no key can be made of
   */
  CompletableFuture<Boolean> bust(A arg);

  /**
   * Returns the cache key of the result for {@code arg}, as {@link Memoized#key}.
   *
   * @param arg the argument
   * @return the key
   */
  String key(A arg);
}
