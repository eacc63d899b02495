package io.larder.spring.boot;

import io.larder.spring.LarderCacheManager;

/**
 * Customizes the {@link LarderCacheManager} the auto-configuration builds, after the
 * {@code larder.*} properties are applied: declare beans of this type to configure caches in
 * Java (a generic JSON type, a codec of your own).
 *
 * <pre>{@code
 * @Bean
 * LarderCacheManagerCustomizer bookLists() {
 *   return builder -> builder.cache("book-lists", LarderCacheConfig.defaults()
 *       .codec(JsonCodec.of(new TypeReference<List<Book>>() {})));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface LarderCacheManagerCustomizer {

  /**
   * Customizes the builder.
   *
   * @param builder the builder, with the caches of {@code larder.caches.*} configured
   */
  void customize(LarderCacheManager.Builder builder);
}
