/**
 * Spring's cache abstraction on Larder: {@link io.larder.spring.LarderCacheManager} and
 * {@link io.larder.spring.LarderCache}, configured per cache with
 * {@link io.larder.spring.LarderCacheConfig}.
 */
package io.larder.spring;
