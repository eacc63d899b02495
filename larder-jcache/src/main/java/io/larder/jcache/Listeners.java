package io.larder.jcache;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Factory;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.event.EventType;

/**
 * The listeners registered on one cache, and the delivery of this JVM's events to them:
 * synchronous listeners before the operation returns (their exceptions reach the caller),
 * asynchronous ones in order on the cache's event thread (their exceptions are logged).
 */
final class Listeners<K, V> {
  private static final System.Logger LOG = System.getLogger(Listeners.class.getName());

  private record Registration<K, V>(CacheEntryListenerConfiguration<K, V> config,
      CacheEntryListener<? super K, ? super V> listener,
      CacheEntryEventFilter<? super K, ? super V> filter) {}

  private final List<Registration<K, V>> registrations = new CopyOnWriteArrayList<>();
  private final Executor async;

  Listeners(Executor async) {
    this.async = async;
  }

  /**
   * Registers a listener, creating it and its filter from the configuration's factories.
   *
   * @param config the listener's configuration
   * @throws IllegalArgumentException if the same configuration is registered already
   */
  void register(CacheEntryListenerConfiguration<K, V> config) {
    for (Registration<K, V> r : registrations) {
      if (r.config.equals(config)) {
        throw new IllegalArgumentException("listener configuration registered already: " + config);
      }
    }
    Factory<javax.cache.event.CacheEntryListener<? super K, ? super V>> lf =
        config.getCacheEntryListenerFactory();
    Factory<CacheEntryEventFilter<? super K, ? super V>> ff =
        config.getCacheEntryEventFilterFactory();
    registrations.add(new Registration<>(config, lf.create(), ff == null ? null : ff.create()));
  }

  /**
   * Removes a listener registered with this configuration, if any.
   *
   * @param config the configuration it was registered with
   */
  void deregister(CacheEntryListenerConfiguration<K, V> config) {
    registrations.removeIf(r -> r.config.equals(config));
  }

  /** Whether anyone listens: spares building events when no one does. */
  boolean any() {
    return !registrations.isEmpty();
  }

  /** Whether a listener wants old values, so the operation must read the one it replaces. */
  boolean anyWantsOldValue() {
    for (Registration<K, V> r : registrations) {
      if (r.config.isOldValueRequired()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Delivers events to every listener of their type whose filter accepts them.
   *
   * @param events the events of one operation, in order
   * @throws CacheEntryListenerException if a synchronous listener or filter throws
   */
  void fire(List<JCacheEvent<K, V>> events) {
    if (events.isEmpty()) {
      return;
    }
    for (Registration<K, V> r : registrations) {
      if (r.config.isSynchronous()) {
        deliver(r, events);
      } else {
        async.execute(() -> {
          try {
            deliver(r, events);
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "an asynchronous cache entry listener failed", e);
          }
        });
      }
    }
  }

  /** Closes the listeners and filters that are {@link java.io.Closeable}, as the cache closes. */
  void close() {
    for (Registration<K, V> r : registrations) {
      for (Object o : new Object[] {r.listener, r.filter}) {
        if (o instanceof java.io.Closeable c) {
          try {
            c.close();
          } catch (java.io.IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "closing cache entry listener " + o + " failed", e);
          }
        }
      }
    }
    registrations.clear();
  }

  @SuppressWarnings("unchecked")
  private static <K, V> void deliver(Registration<K, V> r, List<JCacheEvent<K, V>> events) {
    for (JCacheEvent<K, V> e : events) {
      JCacheEvent<K, V> event = r.config.isOldValueRequired() ? e : e.withoutOldValue();
      try {
        if (!wants(r.listener, e.getEventType())
            || (r.filter != null && !r.filter.evaluate(event))) {
          continue;
        }
        List<javax.cache.event.CacheEntryEvent<? extends K, ? extends V>> one = List.of(event);
        switch (e.getEventType()) {
          case CREATED -> ((CacheEntryCreatedListener<K, V>) r.listener).onCreated(one);
          case UPDATED -> ((CacheEntryUpdatedListener<K, V>) r.listener).onUpdated(one);
          case REMOVED -> ((CacheEntryRemovedListener<K, V>) r.listener).onRemoved(one);
          case EXPIRED -> ((CacheEntryExpiredListener<K, V>) r.listener).onExpired(one);
        }
      } catch (CacheEntryListenerException ex) {
        throw ex;
      } catch (RuntimeException ex) {
        throw new CacheEntryListenerException(ex);
      }
    }
  }

  private static boolean wants(CacheEntryListener<?, ?> listener, EventType type) {
    return switch (type) {
      case CREATED -> listener instanceof CacheEntryCreatedListener;
      case UPDATED -> listener instanceof CacheEntryUpdatedListener;
      case REMOVED -> listener instanceof CacheEntryRemovedListener;
      case EXPIRED -> listener instanceof CacheEntryExpiredListener;
    };
  }
}
