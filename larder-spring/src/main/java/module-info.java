/** Larder as Spring's {@code CacheManager}, in {@code io.larder.spring}. */
module io.larder.spring {
  requires transitive io.larder;
  requires transitive spring.context;
  requires spring.core;

  exports io.larder.spring;
}
