package io.larder.jackson;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.larder.CacheCodecException;
import io.larder.Codec;
import java.io.IOException;
import java.util.Objects;

/**
 * A codec that stores values as JSON (UTF-8), with Jackson, for records and plain objects.
 *
 * <pre>{@code
 * Codec<Stock> stock = JsonCodec.of(Stock.class);
 * cache.set("stock:312", new Stock(312, 9), stock, Duration.ofMinutes(5));
 * Stock s = cache.get("stock:312", stock);
 *
 * Codec<List<Book>> books = JsonCodec.of(new TypeReference<List<Book>>() {});
 * }</pre>
 *
 * <p>Values are read back as the declared type only: no type names are stored and none are
 * read, so bytes from a shared server can never choose which class is instantiated (unless
 * the {@link ObjectMapper} given has polymorphic "default typing" turned on, which this
 * codec does not do and which should not be turned on for a shared cache).
 *
 * <p>Bytes that are not JSON of the declared type (malformed, trailing content, a JSON
 * {@code null}; with the default mapper also a property the type does not have) fail to
 * decode with
 * {@link CacheCodecException}; a cache reads them as a miss and counts them in
 * {@link io.larder.CacheStats#decodeErrors()}. Encoding refuses a value that is not an
 * instance of the declared type, since it could not be read back as one.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param <T> the value type
 */
public final class JsonCodec<T> implements Codec<T> {
  private static final ObjectMapper DEFAULT_MAPPER = JsonMapper.builder().findAndAddModules().build();

  private final JavaType type;
  private final ObjectReader reader;
  private final ObjectWriter writer;

  private JsonCodec(JavaType type, ObjectMapper mapper) {
    this.type = type;
    this.reader = mapper.readerFor(type)
        .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    this.writer = mapper.writerFor(type);
  }

  /**
   * Returns a codec for a class, with a default {@link ObjectMapper} (Jackson's defaults, plus
   * the modules found on the class path, such as {@code jackson-datatype-jsr310}).
   *
   * @param type the value class: a record, a bean, or a type Jackson reads and writes
   * @param <T> the value type
   * @return the codec
   * @throws NullPointerException if {@code type} is null
   */
  public static <T> JsonCodec<T> of(Class<T> type) {
    return of(type, DEFAULT_MAPPER);
  }

  /**
   * Returns a codec for a generic type, such as {@code List<Book>}, with the default mapper.
   *
   * <pre>{@code
   * Codec<List<Book>> books = JsonCodec.of(new TypeReference<List<Book>>() {});
   * }</pre>
   *
   * @param type the value type
   * @param <T> the value type
   * @return the codec
   * @throws NullPointerException if {@code type} is null
   */
  public static <T> JsonCodec<T> of(TypeReference<T> type) {
    return of(type, DEFAULT_MAPPER);
  }

  /**
   * Returns a codec for a class with the given mapper (for example the application's, so
   * that the cache writes JSON as the rest of the application does).
   *
   * @param type the value class
   * @param mapper the mapper; it is not changed, and must not be reconfigured afterwards
   * @param <T> the value type
   * @return the codec
   * @throws NullPointerException if an argument is null
   */
  public static <T> JsonCodec<T> of(Class<T> type, ObjectMapper mapper) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(mapper, "mapper");
    return new JsonCodec<>(mapper.constructType(type), mapper);
  }

  /**
   * Returns a codec for a generic type with the given mapper.
   *
   * @param type the value type
   * @param mapper the mapper
   * @param <T> the value type
   * @return the codec
   * @throws NullPointerException if an argument is null
   */
  public static <T> JsonCodec<T> of(TypeReference<T> type, ObjectMapper mapper) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(mapper, "mapper");
    return new JsonCodec<>(mapper.constructType(type), mapper);
  }

  /**
   * Returns a codec for a type built with the mapper's {@code TypeFactory}, for frameworks
   * that know a type only at run time.
   *
   * @param type the value type
   * @param mapper the mapper
   * @param <T> the value type, unchecked: the caller vouches that {@code type} is a {@code T}
   * @return the codec
   * @throws NullPointerException if an argument is null
   */
  public static <T> JsonCodec<T> of(JavaType type, ObjectMapper mapper) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(mapper, "mapper");
    return new JsonCodec<>(type, mapper);
  }

  /**
   * Writes a value as JSON.
   *
   * @param value the value, never {@code null}
   * @return the UTF-8 JSON bytes
   * @throws CacheCodecException if the value is not of the declared type or Jackson cannot
   *     write it
   */
  @Override
  public byte[] encode(T value) {
    Objects.requireNonNull(value, "value");
    if (!type.getRawClass().isInstance(value) && !boxes(type.getRawClass(), value)) {
      throw new CacheCodecException("cannot write a " + value.getClass().getName() + " with "
          + this + ": it would not read back as a " + type.getRawClass().getName());
    }
    try {
      return writer.writeValueAsBytes(value);
    } catch (IOException | RuntimeException e) {
      throw new CacheCodecException("cannot write a " + value.getClass().getName()
          + " as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Reads JSON bytes as the declared type.
   *
   * @param bytes the stored bytes, never {@code null}
   * @return the value, never {@code null}
   * @throws CacheCodecException if the bytes are not JSON of the declared type, or are a JSON
   *     {@code null}
   */
  @Override
  public T decode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    T value;
    try {
      value = reader.readValue(bytes);
    } catch (IOException | RuntimeException e) {
      throw new CacheCodecException("bytes are not JSON of " + type + ": "
          + (e instanceof JacksonException je ? je.getOriginalMessage() : e.getMessage()), e);
    }
    if (value == null) {
      throw new CacheCodecException("bytes are a JSON null, not a " + type);
    }
    return value;
  }

  private static boolean boxes(Class<?> primitive, Object value) {
    return primitive.isPrimitive()
        && com.fasterxml.jackson.databind.util.ClassUtil.wrapperType(primitive).isInstance(value);
  }

  @Override
  public String toString() {
    return "json(" + type.toCanonical() + ")";
  }
}
