package io.larder.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What Larder's provider adds to the TCK's checks: URLs, the Larder cache underneath, types. */
class LarderJCacheTest {
  private final CachingProvider provider =
      Caching.getCachingProvider(LarderCachingProvider.class.getName());
  private final List<CacheManager> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(CacheManager::close);
  }

  private CacheManager manager(String uri, Properties props) {
    CacheManager m = provider.getCacheManager(URI.create(uri), provider.getDefaultClassLoader(), props);
    opened.add(m);
    return m;
  }

  @Test
  void aCacheIsANamespaceOfTheLarderCacheOfItsManagersUrl() {
    Properties props = new Properties();
    props.setProperty("larder.url", "mem:?prefix=shop");
    CacheManager manager = manager("larder:shop-test", props);
    Cache<String, String> books = manager.createCache("books", new MutableConfiguration<>());
    books.put("312", "Dune");

    io.larder.Cache larder = manager.unwrap(io.larder.Cache.class);
    assertThat(larder.namespace("jcache").namespace("books").exists("s312")).isTrue();
    assertThat(books.unwrap(io.larder.Cache.class).exists("s312")).isTrue();
    assertThat(books.unwrap(LarderJCache.class)).isSameAs(books);
    assertThatThrownBy(() -> books.unwrap(String.class)).isInstanceOf(IllegalArgumentException.class);

    manager.destroyCache("books");
    assertThat(larder.namespace("jcache").namespace("books").exists("s312")).isFalse();
  }

  @Test
  void aLarderUriNamesTheStore_andAnUnknownSchemeIsRejected() {
    CacheManager manager = manager("larder:mem:?maxBytes=1m", new Properties());
    assertThat(manager.unwrap(io.larder.Cache.class)).isNotNull();
    assertThatThrownBy(() -> manager("larder:reddis://127.0.0.1:6379/0", new Properties()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reddis");
  }

  @Test
  void keysAndValuesThatCannotBeStoredFailClearly() {
    // a URI that is only a name: the default store, mem:
    CacheManager manager = manager("test:types", new Properties());
    Cache<Object, Object> any = manager.createCache("any", new MutableConfiguration<>());
    assertThatThrownBy(() -> any.put("k", new Object()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Object");
    assertThatThrownBy(() -> any.put(new Object(), "v"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(any.containsKey("k")).isFalse();

    @SuppressWarnings({"rawtypes", "unchecked"})
    Cache<Object, Object> typed = (Cache) manager.createCache("typed",
        new MutableConfiguration<String, Long>().setTypes(String.class, Long.class));
    assertThatThrownBy(() -> typed.put("k", "not a long")).isInstanceOf(ClassCastException.class);
    assertThatThrownBy(() -> typed.put(1, 1L)).isInstanceOf(ClassCastException.class);
  }
}
