package io.larder.memcached;

import io.larder.spi.Store;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import io.larder.testkit.MemcachedServer;
import java.time.InstantSource;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Opens stores from URLs the way {@code Larder.open} does, for tests that need the store. */
final class TestStores {
  private TestStores() {}

  /** Opens a {@code memcached://} URL through the registered provider. */
  static Store open(String url) {
    StoreUrl parsed = StoreUrl.parse(url);
    for (StoreProvider p : ServiceLoader.load(StoreProvider.class)) {
      if (p.schemes().contains(parsed.scheme())) {
        Store store = p.open(parsed, InstantSource.system());
        if (!parsed.unreadOptions().isEmpty()) {
          store.close();
          throw new IllegalArgumentException("unknown options " + parsed.unreadOptions());
        }
        return store;
      }
    }
    throw new IllegalStateException("no provider for " + url);
  }

  /** Returns {@code memcached://h1:p1,h2:p2,...} for servers. */
  static String poolUrl(List<MemcachedServer> servers) {
    return "memcached://" + servers.stream().map(s -> s.host() + ":" + s.port())
        .collect(Collectors.joining(","));
  }
}
