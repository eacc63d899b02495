package io.larder.redis;

import io.larder.spi.Store;
import io.larder.testkit.ManualClock;
import io.larder.testkit.RedisServer;
import io.larder.testkit.ServerRequests;
import io.larder.testkit.StoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The whole store contract over TLS, against a redis-server whose certificate is signed by a
 * CA made for the test; the client checks the certificate fully (CA and host).
 */
class RedisTlsContractIT extends StoreContract {
  private static Path dir;
  private static TestTls tls;
  private static RedisServer redis;

  @BeforeAll
  static void startServer() throws Exception {
    dir = Files.createTempDirectory("larder-redis-tls");
    tls = TestTls.create(dir);
    redis = RedisServer.builder().tls(tls.serverCert, tls.serverKey, tls.caCert)
        .args("--tls-auth-clients", "no").start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    redis.stop();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Override
  protected Store createStore(ManualClock clock) {
    // generous timeouts, as in RedisStoreContractIT
    return RedisStores.open(redis.tlsUrl() + "?tlsCaFile=" + tls.caCert
        + "&timeout=5s&writeTimeout=5s");
  }

  @Override
  protected ServerRequests serverRequests() {
    return ServerRequests.redis(redis);
  }

  @Override
  protected boolean usesInjectedClock() {
    return false;
  }

  @Override
  protected Duration ttlUnit() {
    return Duration.ofMillis(250);
  }
}
