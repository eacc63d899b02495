package io.larder.jcache;

import io.larder.Larder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.WeakHashMap;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.OptionalFeature;
import javax.cache.spi.CachingProvider;

/**
 * The JCache (JSR-107) provider of Larder: its cache managers keep their caches in any Larder
 * store, named by a URL.
 *
 * <p>Which store a cache manager uses, first match wins:
 * <ol>
 *   <li>the property {@code larder.url} passed to {@link #getCacheManager(URI, ClassLoader,
 *       Properties)} (or found in a {@code .properties} file named by the URI);
 *   <li>a URI of the form {@code larder:URL}, such as {@code larder:redis://cache:6379/0}, or
 *       a URI whose scheme is a Larder store's, such as {@code redis://cache:6379/0};
 *   <li>the system property {@code larder.jcache.url}, else {@code mem:}: so for the default
 *       URI, {@code larder:default}, and for any other URI.
 * </ol>
 *
 * <p>Values and keys are stored by value with Java serialization, and read back only for
 * allowed classes: the JDK's value types, the cache's configured key and value types, and the
 * class patterns (as {@link java.io.ObjectInputFilter.Config#createFilter} writes them, for
 * example {@code com.example.**}) of the property or system property {@code
 * larder.jcache.allow}. Store-by-reference is not supported.
 */
public final class LarderCachingProvider implements CachingProvider {
  /** The property naming the store URL of a cache manager. */
  public static final String URL_PROPERTY = "larder.url";
  /** The property (or system property) listing the class patterns values may hold. */
  public static final String ALLOW_PROPERTY = "larder.jcache.allow";
  /** The system property naming the default store URL. */
  public static final String DEFAULT_URL_PROPERTY = "larder.jcache.url";

  private static final URI DEFAULT_URI = URI.create("larder:default");

  private final Map<ClassLoader, Map<URI, LarderCacheManager>> managers = new WeakHashMap<>();

  /** Creates the provider; {@link javax.cache.Caching} does, through the service loader. */
  public LarderCachingProvider() {}

  /**
   * Returns the cache manager for a URI and class loader, opening its store the first time.
   *
   * @throws CacheException if the store cannot be opened
   * @throws IllegalArgumentException if the store URL is malformed or names an unknown store
   */
  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader, Properties properties) {
    URI u = uri != null ? uri : getDefaultURI();
    ClassLoader loader = classLoader != null ? classLoader : getDefaultClassLoader();
    Properties props = properties != null ? properties : new Properties();
    synchronized (managers) {
      Map<URI, LarderCacheManager> byUri = managers.computeIfAbsent(loader, l -> new HashMap<>());
      LarderCacheManager m = byUri.get(u);
      if (m == null || m.isClosed()) {
        Properties file = fileProperties(u, loader);
        String url = firstNonNull(props.getProperty(URL_PROPERTY), file.getProperty(URL_PROPERTY),
            storeUrl(u));
        String allow = String.join(";", nonNull(System.getProperty(ALLOW_PROPERTY)),
            nonNull(file.getProperty(ALLOW_PROPERTY)), nonNull(props.getProperty(ALLOW_PROPERTY)));
        m = new LarderCacheManager(this, u, loader, props, url, allow, InstantSource.system());
        byUri.put(u, m);
      }
      return m;
    }
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  private static String firstNonNull(String a, String b, String c) {
    return a != null ? a : b != null ? b : c;
  }

  /** The store URL a URI names by itself, or the default one. */
  private static String storeUrl(URI uri) {
    if ("larder".equals(uri.getScheme()) && !DEFAULT_URI.equals(uri)) {
      return uri.getRawSchemeSpecificPart();
    }
    if (uri.getScheme() != null && Larder.schemes().contains(uri.getScheme())) {
      return uri.toString();
    }
    return defaultUrl();
  }

  private static String defaultUrl() {
    return System.getProperty(DEFAULT_URL_PROPERTY, "mem:");
  }

  /** Reads a {@code .properties} file (or class path resource) the URI names; else nothing. */
  private static Properties fileProperties(URI uri, ClassLoader loader) {
    Properties p = new Properties();
    String s = uri.toString();
    if (!s.endsWith(".properties")) {
      return p;
    }
    try (InputStream in = s.startsWith("classpath:")
        ? loader.getResourceAsStream(s.substring("classpath:".length()).replaceFirst("^/", ""))
        : uri.toURL().openStream()) {
      if (in == null) {
        throw new CacheException("no configuration file at " + uri);
      }
      p.load(in);
    } catch (IOException | IllegalArgumentException e) {
      throw new CacheException("cannot read the configuration file " + uri + ": " + e, e);
    }
    return p;
  }

  /** Returns the class loader that loaded this provider. */
  @Override
  public ClassLoader getDefaultClassLoader() {
    return getClass().getClassLoader();
  }

  /**
   * Returns {@code larder:default}: the store of the system property {@code
   * larder.jcache.url}, or {@code mem:}. (The URI names no URL itself, as a URL's options would
   * make the management beans' names, which hold the URI, patterns.)
   */
  @Override
  public URI getDefaultURI() {
    return DEFAULT_URI;
  }

  /** Returns no properties: a cache manager needs none (see the class comment for those it takes). */
  @Override
  public Properties getDefaultProperties() {
    return new Properties();
  }

  /**
   * Returns the cache manager for a URI and class loader, with no properties.
   *
   * @throws CacheException if the store cannot be opened
   * @throws IllegalArgumentException if the store URL is malformed or names an unknown store
   */
  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader) {
    return getCacheManager(uri, classLoader, getDefaultProperties());
  }

  /**
   * Returns the default cache manager: {@code larder:default} with the default class loader.
   *
   * @throws CacheException if the store cannot be opened
   * @throws IllegalArgumentException if {@code larder.jcache.url} is malformed or names an
   *     unknown store
   */
  @Override
  public CacheManager getCacheManager() {
    return getCacheManager(getDefaultURI(), getDefaultClassLoader());
  }

  /** Closes every cache manager of this provider, and so their caches and stores. */
  @Override
  public void close() {
    for (LarderCacheManager m : snapshot(null, null)) {
      m.close();
    }
  }

  /** Closes the cache managers of a class loader ({@code null}: the default one). */
  @Override
  public void close(ClassLoader classLoader) {
    ClassLoader loader = classLoader != null ? classLoader : getDefaultClassLoader();
    for (LarderCacheManager m : snapshot(loader, null)) {
      m.close();
    }
  }

  /** Closes the cache manager of a URI and class loader, if it is open. */
  @Override
  public void close(URI uri, ClassLoader classLoader) {
    ClassLoader loader = classLoader != null ? classLoader : getDefaultClassLoader();
    URI u = uri != null ? uri : getDefaultURI();
    for (LarderCacheManager m : snapshot(loader, u)) {
      m.close();
    }
  }

  private java.util.List<LarderCacheManager> snapshot(ClassLoader loader, URI uri) {
    java.util.List<LarderCacheManager> out = new java.util.ArrayList<>();
    synchronized (managers) {
      for (Map.Entry<ClassLoader, Map<URI, LarderCacheManager>> e : managers.entrySet()) {
        if (loader == null || e.getKey() == loader) {
          for (Map.Entry<URI, LarderCacheManager> m : e.getValue().entrySet()) {
            if (uri == null || m.getKey().equals(uri)) {
              out.add(m.getValue());
            }
          }
        }
      }
    }
    return out;
  }

  /** Called by a cache manager as it closes. */
  void forget(LarderCacheManager manager) {
    synchronized (managers) {
      Map<URI, LarderCacheManager> byUri = managers.get(manager.getClassLoader());
      if (byUri != null) {
        byUri.remove(manager.getURI(), manager);
      }
    }
  }

  /** Only the optional feature store-by-reference exists, and Larder stores by value. */
  @Override
  public boolean isSupported(OptionalFeature optionalFeature) {
    Objects.requireNonNull(optionalFeature, "optionalFeature");
    return false;
  }
}
