package io.larder.jcache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;
import javax.cache.CacheException;

/**
 * Copies keys and values in and out of the store as bytes (store-by-value), with Java
 * serialization behind an allow-list: the configured key and value types, the JDK's value
 * types, and the class patterns of the provider's {@code larder.jcache.allow} property. Any
 * other class in the stream is rejected, as are streams too deep or too large.
 */
final class Serializer {
  /** Classes every cache may hold: the JDK's value and collection types. */
  static final String BUILT_IN =
      "java.lang.*;java.util.*;java.time.*;java.math.*;java.net.URI;java.io.Serializable";
  private static final String LIMITS = "maxdepth=64;maxrefs=1000000;maxbytes=67108864";

  private final ObjectInputFilter filter;
  private final ClassLoader classLoader;

  /**
   * Makes a serializer that accepts the built-in classes, {@code types} and {@code patterns}.
   *
   * @param patterns {@link ObjectInputFilter.Config#createFilter} class patterns separated by
   *     {@code ;}, such as {@code com.example.**}; may be empty
   * @param types further classes to accept (the cache's configured key and value types)
   * @param classLoader resolves classes while reading
   */
  Serializer(String patterns, Set<Class<?>> types, ClassLoader classLoader) {
    Set<String> allowed = new LinkedHashSet<>();
    allowed.add(BUILT_IN);
    for (Class<?> t : types) {
      if (t != Object.class) {
        allowed.add(t.getName());
      }
    }
    for (String p : patterns.split(";")) {
      if (!p.isBlank()) {
        if (p.strip().startsWith("!") || p.contains("=")) {
          throw new IllegalArgumentException("larder.jcache.allow takes class patterns only, was '"
              + p.strip() + "'");
        }
        allowed.add(p.strip());
      }
    }
    this.filter = ObjectInputFilter.Config.createFilter(
        LIMITS + ";" + String.join(";", allowed) + ";!*");
    this.classLoader = classLoader;
  }

  /**
   * Serializes a value.
   *
   * @param value the value
   * @return its bytes
   * @throws IllegalArgumentException if the value (or something it holds) is not serializable
   */
  byte[] toBytes(Object value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
      oos.writeObject(value);
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException("cannot store a " + value.getClass().getName()
          + " by value: " + e.getMessage() + " is not Serializable", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Deserializes bytes written by {@link #toBytes}.
   *
   * @param bytes the bytes
   * @return a fresh copy of the value
   * @throws CacheException if the stream holds a class not allowed, or is corrupt
   */
  Object fromBytes(byte[] bytes) {
    String[] rejected = new String[1];
    try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes), classLoader)) {
      in.setObjectInputFilter(info -> {
        Class<?> c = info.serialClass();
        while (c != null && c.isArray()) {
          c = c.getComponentType();
        }
        if (c != null && c.isPrimitive()) {
          // arrays of primitives: only the limits apply
          return info.depth() > 64 ? ObjectInputFilter.Status.REJECTED : ObjectInputFilter.Status.ALLOWED;
        }
        ObjectInputFilter.Status status = filter.checkInput(info);
        if (status == ObjectInputFilter.Status.REJECTED && c != null) {
          rejected[0] = c.getName();
        }
        return status;
      });
      return in.readObject();
    } catch (InvalidClassException e) {
      throw new CacheException(rejected[0] != null
          ? "a cached value holds " + rejected[0] + ", a class not allowed; allow it with the"
              + " provider property " + LarderCachingProvider.ALLOW_PROPERTY
          : "a cached value is too large or too deep to read: " + e.getMessage(), e);
    } catch (IOException | ClassNotFoundException e) {
      throw new CacheException("cannot read a cached value: " + e, e);
    }
  }

  /**
   * Encodes a key as a store key: readable for strings and numbers, serialized otherwise.
   * Equal keys of these kinds give equal strings; two different keys never give the same one.
   *
   * @param key the key
   * @return the store key
   * @throws IllegalArgumentException if the key is not serializable
   */
  String encodeKey(Object key) {
    if (key instanceof String s) {
      return "s" + s;
    }
    if (key instanceof Long n) {
      return "l" + n;
    }
    if (key instanceof Integer n) {
      return "i" + n;
    }
    return "o" + Base64.getUrlEncoder().withoutPadding().encodeToString(toBytes(key));
  }

  /**
   * Decodes a store key made by {@link #encodeKey}.
   *
   * @param encoded the store key
   * @return a fresh copy of the key
   * @throws CacheException if the key cannot be read
   */
  Object decodeKey(String encoded) {
    String rest = encoded.substring(1);
    return switch (encoded.charAt(0)) {
      case 's' -> rest;
      case 'l' -> Long.valueOf(rest);
      case 'i' -> Integer.valueOf(rest);
      default -> fromBytes(Base64.getUrlDecoder().decode(rest));
    };
  }

  /** Resolves classes through the cache manager's class loader first. */
  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      try {
        return Class.forName(desc.getName(), false, loader);
      } catch (ClassNotFoundException e) {
        return super.resolveClass(desc);
      }
    }
  }
}
