package io.larder.jcache;

import io.larder.testkit.RedisServer;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Starts one {@code redis-server} for a whole test run when the system property {@code
 * larder.jcache.tck.redis} is {@code true}, and makes it the provider's default store: how the
 * unmodified JSR-107 TCK (which only ever asks for the default cache manager) runs on Redis.
 * Does nothing otherwise.
 */
public final class RedisForTck implements LauncherSessionListener {
  private RedisServer redis;

  /** Creates the listener; the JUnit Platform does, through the service loader. */
  public RedisForTck() {}

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    if (Boolean.getBoolean("larder.jcache.tck.redis")) {
      redis = RedisServer.start();
      // generous timeouts: the machine that runs the suite may be busy
      String url = redis.url() + "?timeout=5s&writeTimeout=5s";
      System.setProperty(LarderCachingProvider.DEFAULT_URL_PROPERTY, url);
      System.err.println("RedisForTck: the default cache manager's store is " + url);
    }
  }

  @Override
  public void launcherSessionClosed(LauncherSession session) {
    if (redis != null) {
      System.err.println("RedisForTck: stopping " + redis.url());
      redis.stop();
      redis = null;
    }
  }
}
