package io.larder;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What the synchronous {@link Loader} and the asynchronous {@link AsyncLoader} of one cache
 * share, so that a key is computed once in this JVM at a time whichever API asked: the
 * computations in flight by store key (each a future of its {@link Entry}, which a blocking
 * caller waits on and an asynchronous one composes with), and when recent ones finished.
 */
final class SingleFlight {
  /** Computations in flight, by store key. */
  final ConcurrentMap<String, CompletableFuture<Entry<?>>> inflight = new ConcurrentHashMap<>();
  /** When recent computations finished. */
  final Finishes finishes = new Finishes();
}
