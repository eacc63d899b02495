package io.larder.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.CacheConnectionException;
import io.larder.testkit.RedisServer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** A Boot application whose Redis is down: fail-open starts and reports DOWN; fail-closed explains. */
class LarderStoreDownIT {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LarderAutoConfiguration.class,
          CacheAutoConfiguration.class));

  @Test
  void failOpenStartsWithRedisStoppedAndReportsItDown() {
    try (RedisServer redis = RedisServer.start()) {
      String url = redis.url();
      runner.withPropertyValues("larder.url=" + url).run(context -> {
        assertThat(context).hasNotFailed();
        assertThat(context.getBean(LarderHealthIndicator.class).health().getStatus())
            .isEqualTo(Status.UP);
      });
      redis.kill();
      runner.withPropertyValues("larder.url=" + url).run(context -> {
        assertThat(context).hasNotFailed();
        io.larder.Cache cache = context.getBean(io.larder.Cache.class);
        cache.set("k", "v");
        assertThat(cache.get("k", String.class)).isNull();
        assertThat(cache.stats().storeErrors()).isPositive();
        assertThat(context.getBean(LarderHealthIndicator.class).health().getStatus())
            .isEqualTo(Status.DOWN);
      });
    }
  }

  @Test
  void failClosedFailsFastWithAFailureAnalysis() {
    try (RedisServer redis = RedisServer.start()) {
      String url = redis.url();
      redis.kill();
      runner.withPropertyValues("larder.url=" + url + "?failOpen=false").run(context -> {
        assertThat(context).hasFailed();
        Throwable failure = context.getStartupFailure();
        FailureAnalysis analysis = new LarderFailureAnalyzer().analyze(failure);
        assertThat(analysis).isNotNull();
        assertThat(analysis.getCause()).isInstanceOf(CacheConnectionException.class);
        assertThat(analysis.getDescription()).contains("Larder could not connect");
        assertThat(analysis.getAction()).contains("larder.url");
      });
    }
  }
}
