package io.larder.redis.internal;

import io.larder.CacheConnectionException;
import io.larder.redis.RedisCacheStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A Redis store that is opened in the background ({@code connect=background} in the URL): until
 * the server first answers, every call fails at once with a {@link CacheConnectionException}
 * (a fail-open cache reads misses) while a daemon thread tries to connect once a second; from
 * then on calls go to the connected store. {@code traits()} answers before the connection,
 * since every Redis store has the same traits.
 */
final class BackgroundConnect implements InvocationHandler {
  /** Seconds between attempts to connect. */
  static final long RETRY_SECONDS = 1;

  private final Supplier<RedisStore> opener;
  private final String server;
  private final ScheduledExecutorService retries;
  private volatile RedisStore connected;
  private volatile RuntimeException lastFailure;
  private boolean closed;

  private BackgroundConnect(Supplier<RedisStore> opener, String server,
      RuntimeException first) {
    this.opener = opener;
    this.server = server;
    this.lastFailure = first;
    this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "larder-redis-connect");
      t.setDaemon(true);
      return t;
    });
    retries.scheduleWithFixedDelay(this::tryConnect, RETRY_SECONDS, RETRY_SECONDS,
        TimeUnit.SECONDS);
  }

  /**
   * Connects now if the server answers, else returns a store that keeps trying in the
   * background.
   *
   * @param opener connects and returns the store, or throws
   * @param server the server as messages name it (redacted)
   * @return the connected store, or one that connects later
   */
  static RedisCacheStore open(Supplier<RedisStore> opener, String server) {
    try {
      return opener.get();
    } catch (CacheConnectionException e) {
      BackgroundConnect pending = new BackgroundConnect(opener, server, e);
      return (RedisCacheStore) Proxy.newProxyInstance(RedisCacheStore.class.getClassLoader(),
          new Class<?>[] {RedisCacheStore.class}, pending);
    }
  }

  /** Tries once to connect, unless connected or closed; the background thread calls this. */
  synchronized void tryConnect() {
    if (connected != null || closed) {
      return;
    }
    try {
      connected = opener.get();
      retries.shutdown();
    } catch (RuntimeException e) {
      lastFailure = e;
    }
  }

  /** Answers a call on the store: traits at once, the rest once connected. */
  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    switch (method.getName()) {
      case "traits":
        if (method.getParameterCount() == 0) {
          return RedisStore.TRAITS;
        }
        break;
      case "close":
        if (method.getParameterCount() == 0) {
          close();
          return null;
        }
        break;
      case "toString":
        return "RedisStore(" + server + (connected == null ? ", connecting" : "") + ")";
      case "hashCode":
        return System.identityHashCode(proxy);
      case "equals":
        return proxy == args[0];
      default:
        break;
    }
    RedisStore store = connected;
    if (store == null) {
      throw new CacheConnectionException("Redis " + server + " not connected yet (retrying "
          + "every " + RETRY_SECONDS + " s): " + lastFailure.getMessage());
    }
    try {
      return method.invoke(store, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private synchronized void close() {
    closed = true;
    retries.shutdownNow();
    if (connected != null) {
      connected.close();
    }
  }
}
