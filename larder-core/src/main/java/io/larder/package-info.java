/**
 * Larder's API: open a {@link io.larder.Cache} from a URL with {@link io.larder.Larder}, store
 * values through {@link io.larder.Codec}s, and group reads with {@link io.larder.Preload}
 * scopes.
 *
 * <p>Every type is non-null unless annotated {@code @Nullable} (JSpecify).
 */
@NullMarked
package io.larder;

import org.jspecify.annotations.NullMarked;
