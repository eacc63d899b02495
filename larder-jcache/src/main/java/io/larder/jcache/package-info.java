/**
 * A JCache (JSR-107) provider over Larder: {@link io.larder.jcache.LarderCachingProvider}.
 * Everything else in this package is its implementation and package-private.
 */
package io.larder.jcache;
