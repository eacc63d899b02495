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
  /**
   * A call timeout of 5 s and a connect timeout of 10 s, appended to a URL that has options
   * already: the defaults (500 ms, 2 s) and the short ones an application might set are less
   * than a connect and its {@code version}/{@code stats} can take on a loaded machine, where a
   * test that checks something else than timeouts then fails.
   */
  static final String PATIENT = "&timeout=5s&connectTimeout=10s";

  private TestStores() {}

  /**
   * Appends the {@link #PATIENT} timeouts to a URL, with or without options.
   *
   * @param url a {@code memcached://} URL
   * @return the URL with the two options
   */
  static String patient(String url) {
    return url + (url.contains("?") ? PATIENT : "?" + PATIENT.substring(1));
  }

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
