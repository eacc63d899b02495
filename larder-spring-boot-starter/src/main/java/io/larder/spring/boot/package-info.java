/**
 * Spring Boot auto-configuration for Larder: set {@code larder.url} and the application gets a
 * Larder {@link io.larder.Cache} bean and a {@link io.larder.spring.LarderCacheManager}; see
 * {@link io.larder.spring.boot.LarderProperties} for the properties.
 */
package io.larder.spring.boot;
