package io.larder.memcached.internal;

import io.larder.memcached.MemcachedStore;
import io.larder.memcached.MemcachedStores;
import io.larder.spi.Store;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Opens {@code memcached://} and {@code memcacheds://} (TLS) URLs. Not public API; found by
 * {@link java.util.ServiceLoader}. See {@code docs/memcached.md} for the options.
 *
 * <p>The clock is not used: memcached expires entries by its own clock.
 */
public final class MemcachedStoreProvider implements StoreProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public MemcachedStoreProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of("memcached", "memcacheds");
  }

  @Override
  public Store open(StoreUrl url, InstantSource clock) {
    MemcachedUrl parsed = MemcachedUrl.parse(url);
    Settings settings = Settings.read(url, parsed);
    List<MemcachedUrl.Server> servers = parsed.servers();
    if (servers.size() == 1) {
      MemcachedUrl.Server s = servers.get(0);
      return settings.builder(s, true).build();
    }
    return Pools.open(url, servers, settings);
  }

  /** The options common to every server of a URL. */
  record Settings(Duration timeout, Duration connectTimeout, Duration namespaceCacheTime,
      String user, String password, String tls, Path tlsCa) {

    static Settings read(StoreUrl url, MemcachedUrl parsed) {
      Duration timeout = url.durationOption("timeout").orElse(null);
      Duration connectTimeout = url.durationOption("connectTimeout").orElse(null);
      Duration namespaceCache = url.durationOption("namespaceCache").orElse(null);
      boolean tlsScheme = url.scheme().equals("memcacheds");
      boolean tlsOption = url.booleanOption("tls").orElse(false);
      String tlsCa = url.option("tlsCa").orElse(null);
      boolean insecure = url.booleanOption("tlsInsecure").orElse(false);
      boolean tls = tlsScheme || tlsOption || tlsCa != null || insecure;
      if (tlsCa != null && insecure) {
        throw new IllegalArgumentException("give either tlsCa or tlsInsecure, not both, in '"
            + url.redacted() + "'");
      }
      if (tlsCa != null && tlsCa.isEmpty()) {
        throw new IllegalArgumentException("option 'tlsCa' needs a file in '" + url.redacted()
            + "'");
      }
      String mode = !tls ? null : insecure ? "insecure" : tlsCa != null ? "ca" : "system";
      return new Settings(timeout, connectTimeout, namespaceCache, parsed.user(),
          parsed.password(), mode, tlsCa == null ? null : Path.of(tlsCa));
    }

    MemcachedStores.Builder builder(MemcachedUrl.Server server, boolean await) {
      MemcachedStores.Builder b = MemcachedStores.builder(server.host(), server.port())
          .awaitConnection(await);
      if (timeout != null) {
        b.timeout(timeout);
      }
      if (connectTimeout != null) {
        b.connectTimeout(connectTimeout);
      }
      if (namespaceCacheTime != null) {
        b.namespaceCacheTime(namespaceCacheTime);
      }
      if (user != null) {
        b.credentials(user, password);
      }
      if (tls != null) {
        switch (tls) {
          case "insecure" -> b.tlsInsecure();
          case "ca" -> b.tls(tlsCa);
          default -> b.tls();
        }
      }
      return b;
    }
  }

  /** Opens the servers of a pool; closes the opened ones if one fails. */
  static List<MemcachedStore> openAll(List<MemcachedUrl.Server> servers, Settings settings) {
    List<MemcachedStore> stores = new ArrayList<>();
    try {
      for (MemcachedUrl.Server s : servers) {
        stores.add(settings.builder(s, false).build());
      }
      return stores;
    } catch (RuntimeException e) {
      stores.forEach(MemcachedStore::close);
      throw e;
    }
  }
}
