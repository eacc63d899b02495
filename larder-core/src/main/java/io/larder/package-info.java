/**
 * Larder's API: open a {@link io.larder.Cache} from a URL with {@link io.larder.Larder}, store
 * values through {@link io.larder.Codec}s, and group reads with {@link io.larder.Preload}
 * scopes.
 */
package io.larder;
