package io.larder.spring.boot;

import io.larder.Codec;
import io.larder.spi.Durations;
import io.larder.spring.LarderCacheConfig;
import io.larder.spring.boot.LarderProperties.CacheSettings;
import io.larder.spring.boot.LarderProperties.CodecKind;
import io.larder.spring.boot.LarderProperties.DefaultSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Turns {@code larder.defaults.*} and {@code larder.caches.NAME.*} into a
 * {@link LarderCacheConfig}: a pure function, checked without a context.
 */
final class CacheSettingsResolver {
  private final DefaultSettings defaults;
  private final Function<Class<?>, Codec<?>> json;

  /**
   * @param json makes the JSON codec of a class; called only for caches that ask for JSON
   */
  CacheSettingsResolver(DefaultSettings defaults, Function<Class<?>, Codec<?>> json) {
    this.defaults = defaults;
    this.json = json;
  }

  /** The settings of every cache not configured by name. */
  LarderCacheConfig defaults() {
    return resolve("larder.defaults", new CacheSettings());
  }

  /**
   * The settings of one cache.
   *
   * @param prefix the property prefix, for messages: {@code larder.caches.books}
   * @throws IllegalArgumentException naming the property if the settings conflict
   */
  LarderCacheConfig resolve(String prefix, CacheSettings own) {
    LarderCacheConfig config = LarderCacheConfig.defaults();
    var ttl = own.getTtl() != null ? own.getTtl() : defaults.getTtl();
    if (ttl != null) {
      config = config.ttl(Durations.requirePositive(ttl, prefix + ".ttl"));
    }
    if (own.getNamespace() != null) {
      config = config.namespace(own.getNamespace());
    }
    Boolean nulls = own.getCacheNulls() != null ? own.getCacheNulls() : defaults.getCacheNulls();
    if (nulls != null) {
      config = config.cacheNulls(nulls);
    }
    var lease = own.getLease() != null ? own.getLease() : defaults.getLease();
    if (lease != null) {
      config = config.lease(Durations.requirePositive(lease, prefix + ".lease"));
    }
    boolean ownCodec = own.getCodec() != null || own.getType() != null
        || !own.getAllowedClasses().isEmpty();
    return codec(config, ownCodec ? own : defaults, ownCodec ? prefix : "larder.defaults");
  }

  private LarderCacheConfig codec(LarderCacheConfig config, DefaultSettings s, String prefix) {
    CodecKind kind = s.getCodec();
    if (kind == null) {
      kind = s.getType() != null ? CodecKind.JSON
          : !s.getAllowedClasses().isEmpty() ? CodecKind.SERIALIZED : CodecKind.DEFAULT;
    }
    switch (kind) {
      case JSON:
        if (s.getType() == null) {
          throw new IllegalArgumentException(prefix + ".codec=json needs " + prefix
              + ".type, the class of the values, such as com.example.Book");
        }
        if (!s.getAllowedClasses().isEmpty()) {
          throw new IllegalArgumentException(prefix + ".allowed-classes is for Java"
              + " serialization; JSON reads only " + prefix + ".type");
        }
        return config.codec(json.apply(s.getType()));
      case SERIALIZED:
        List<Class<?>> allowed = new ArrayList<>(s.getAllowedClasses());
        if (s.getType() != null) {
          allowed.add(s.getType());
        }
        if (allowed.isEmpty()) {
          throw new IllegalArgumentException(prefix + ".codec=serialized needs " + prefix
              + ".allowed-classes, the classes it may read back");
        }
        return config.serialized(allowed.toArray(new Class<?>[0]));
      default:
        if (s.getType() != null || !s.getAllowedClasses().isEmpty()) {
          throw new IllegalArgumentException(prefix + ".codec=default takes neither " + prefix
              + ".type nor " + prefix + ".allowed-classes");
        }
        return config;
    }
  }

}
