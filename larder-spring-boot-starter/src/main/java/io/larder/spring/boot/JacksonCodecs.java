package io.larder.spring.boot;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.larder.Codec;
import io.larder.jackson.JsonCodec;
import java.util.function.Function;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.util.ClassUtils;

/** JSON codecs, kept apart so that Jackson is loaded only by caches that ask for JSON. */
final class JacksonCodecs {
  private static final String OBJECT_MAPPER = "com.fasterxml.jackson.databind.ObjectMapper";

  private JacksonCodecs() {}

  /**
   * Returns a factory of JSON codecs that use the application's {@link ObjectMapper} bean
   * when there is one (so the cache writes JSON as the application does), else Jackson's
   * defaults; or, without Jackson, one that explains what is missing.
   */
  static Function<Class<?>, Codec<?>> factory(BeanFactory beans) {
    ClassLoader loader = beans instanceof ConfigurableBeanFactory configurable
        ? configurable.getBeanClassLoader() : JacksonCodecs.class.getClassLoader();
    if (!ClassUtils.isPresent(OBJECT_MAPPER, loader)) {
      return type -> {
        throw new IllegalStateException("JSON caches need Jackson: add"
            + " com.fasterxml.jackson.core:jackson-databind (spring-boot-starter-json)");
      };
    }
    return Jackson.factory(beans);
  }

  /** Loaded only when Jackson is present. */
  private static final class Jackson {
    static Function<Class<?>, Codec<?>> factory(BeanFactory beans) {
      ObjectProvider<ObjectMapper> mappers = beans.getBeanProvider(ObjectMapper.class);
      return type -> {
        ObjectMapper mapper = mappers.getIfUnique();
        return mapper != null ? JsonCodec.of(type, mapper) : JsonCodec.of(type);
      };
    }
  }
}
