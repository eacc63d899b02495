package io.larder.redis;

import static io.larder.redis.PatientTimeouts.PATIENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheConnectionException;
import io.larder.Larder;
import io.larder.testkit.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS options against a redis-server that requires a client certificate: how much of the
 * server's certificate is checked, and mutual TLS. Failures come at open, with a hint.
 */
class RedisTlsIT {
  private static Path dir;
  private static TestTls tls;
  private static RedisServer redis;

  @BeforeAll
  static void startServer() throws Exception {
    dir = Files.createTempDirectory("larder-redis-mtls");
    tls = TestTls.create(dir);
    redis = RedisServer.builder().tls(tls.serverCert, tls.serverKey, tls.caCert).start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    redis.stop();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private String clientCert() {
    return "&tlsCertFile=" + tls.clientCert + "&tlsKeyFile=" + tls.clientKey;
  }

  @Test
  void aClientCertificateSignedByTheCaIsAccepted() {
    try (Cache cache = Larder.open(redis.tlsUrl() + "?tlsCaFile=" + tls.caCert + clientCert()
        + "&prefix=mtls" + PATIENT)) {
      cache.set("k", "v");
      assertThat(cache.get("k", String.class)).isEqualTo("v");
      cache.clear();
    }
  }

  @Test
  void withoutAClientCertificateTheServerRefusesAtOpen() {
    assertThatThrownBy(() -> RedisStores.open(redis.tlsUrl() + "?tlsCaFile=" + tls.caCert))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("TLS handshake failed")
        .hasMessageContaining("give tlsCertFile and tlsKeyFile");
  }

  @Test
  void aServerCertificateFromAnUnknownCaIsRefusedAtOpenWithAHint() {
    assertThatThrownBy(() -> RedisStores.open(redis.tlsUrl() + "?" + clientCert().substring(1)))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("TLS handshake failed")
        .hasMessageContaining("tlsCaFile");
  }

  @Test
  void fullVerificationChecksTheHostNameAndCaVerificationDoesNot() {
    String byName = "rediss://localhost:" + redis.tlsPort() + "/0?tlsCaFile=" + tls.caCert
        + clientCert();
    assertThatThrownBy(() -> RedisStores.open(byName))
        .isInstanceOf(CacheConnectionException.class).hasMessageContaining("TLS handshake failed")
        .hasMessageContaining("tlsVerify=ca");
    try (RedisCacheStore store = RedisStores.open(byName + "&tlsVerify=ca" + PATIENT)) {
      store.set("k", "v".getBytes(), 0);
      assertThat(store.get("k")).isEqualTo("v".getBytes());
      store.delete("k");
    }
  }

  @Test
  void noVerificationTrustsAnyCertificate() {
    try (RedisCacheStore store = RedisStores.open(redis.tlsUrl() + "?tlsVerify=none"
        + PATIENT + clientCert())) {
      assertThat(store.exists("nothing")).isFalse();
    }
  }
}
