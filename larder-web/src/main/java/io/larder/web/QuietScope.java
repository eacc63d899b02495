package io.larder.web;

import io.larder.Cache;
import io.larder.CacheException;
import io.larder.Preload;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Set;

/**
 * A learned preload scope whose failures (a fail-closed cache whose store is down) are
 * logged instead of thrown: a page must render without its scope rather than fail.
 */
final class QuietScope implements Preload {
  private static final Logger LOG = System.getLogger(QuietScope.class.getName());

  private final Preload scope;

  private QuietScope(Preload scope) {
    this.scope = scope;
  }

  /** Opens a learned scope, or returns {@code null} (nothing to close) if that fails. */
  static Preload open(Cache cache, String name) {
    try {
      return new QuietScope(cache.learnedPreload(name));
    } catch (CacheException e) {
      LOG.log(Level.WARNING, "opening preload scope '" + name + "' failed; going on without", e);
      return null;
    }
  }

  /**
   * Opens a request scope that gathers writes ({@link Cache#gatherWrites}), or returns
   * {@code null} if that fails; a failed flush when it closes is logged, not thrown.
   */
  static Preload gathering(Cache cache) {
    try {
      return new QuietScope(cache.gatherWrites());
    } catch (CacheException | IllegalStateException e) {
      LOG.log(Level.WARNING, "opening a request scope failed; writing at once", e);
      return null;
    }
  }

  @Override
  public Set<String> keys() {
    return scope.keys();
  }

  @Override
  public void close() {
    try {
      scope.close();
    } catch (CacheException e) {
      LOG.log(Level.WARNING, "closing a preload scope failed", e);
    }
  }
}
