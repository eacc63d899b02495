package io.larder;

import java.util.Set;

/**
 * An open preload scope: keys read in one bulk round trip, then served to this thread
 * without further round trips until the scope is closed.
 *
 * <pre>{@code
 * try (Preload scope = cache.preload("note:312:markup", "note:312:comments")) {
 *   String markup = cache.get("note:312:markup", String.class);   // no round trip
 *   String comments = cache.get("note:312:comments", String.class); // none, even if missing
 * }
 * }</pre>
 *
 * <p>Semantics:
 * <ul>
 *   <li>Opening makes one bulk read of the keys not already known to an enclosing scope.</li>
 *   <li>A read of a preloaded key is answered from the scope, whether the scope found a value
 *       or found the key missing; it is counted in {@link CacheStats#preloadHits()}. The
 *       exception: over a store whose reads return fresh arrays, the first {@code byte[]}
 *       read of a key in a listed scope is handed the scope's own array, not a copy, and a
 *       second {@code byte[]} read of that key in the scope goes to the store.</li>
 *   <li>A write, delete, increment, compare-and-set or clear made through the same cache on
 *       this thread updates every open scope of this thread that holds the key, so the scope
 *       never answers with a value this thread has replaced. Writes by other threads or
 *       processes are not seen: a scope is a snapshot, meant to last one request, except for a
 *       second {@code byte[]} read of a key handed over (above), which reads the store as it
 *       is then: it may see a newer value or a miss, or, failing closed, throw.</li>
 *   <li>Scopes nest; an inner scope's keys are visible only while it is open.</li>
 *   <li>Scopes belong to the thread that opened them; other threads never see them. Any
 *       thread may close a scope (an async request may end elsewhere); from then on its
 *       thread no longer reads from it.</li>
 * </ul>
 *
 * <p>Always use try-with-resources, so the scope is closed even when the block throws.
 */
public interface Preload extends AutoCloseable {

  /**
   * Returns the keys this scope was opened with, as the caller gave them.
   *
   * @return the keys, unmodifiable
   */
  Set<String> keys();

  /**
   * Closes the scope; later reads go to the store again. Idempotent, and safe to call from
   * any thread.
   */
  @Override
  void close();
}
