package io.larder.memcached;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheConnectionException;
import io.larder.Larder;
import io.larder.testkit.MemcachedServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS against {@code memcached -Z} with certificates made by {@code openssl} for the test, and
 * ASCII authentication against {@code memcached -Y}; both on one server, whose plain port
 * takes authentication without TLS.
 */
class MemcachedSecurityIT {
  @TempDir
  static Path dir;
  private static Path cert;
  private static Path otherCert;
  private static Path wrongHostCert;
  private static MemcachedServer server;
  private static MemcachedServer wrongHostServer;

  @BeforeAll
  static void startServers() throws Exception {
    cert = selfSigned("server", "IP:127.0.0.1");
    otherCert = selfSigned("other", "IP:127.0.0.1");
    wrongHostCert = selfSigned("wrong-host", "DNS:cache.example.org");
    Path auth = dir.resolve("auth");
    Files.writeString(auth, "larder:s3cret\n", StandardCharsets.US_ASCII);
    server = MemcachedServer.builder()
        .tls(cert, dir.resolve("server-key.pem"))
        .args("-Y", auth.toString())
        .start();
    wrongHostServer = MemcachedServer.builder()
        .tls(wrongHostCert, dir.resolve("wrong-host-key.pem"))
        .start();
  }

  @AfterAll
  static void stopServers() {
    server.stop();
    wrongHostServer.stop();
  }

  /** Writes {@code <name>-cert.pem} and {@code <name>-key.pem}, self-signed for a SAN. */
  private static Path selfSigned(String name, String san) throws IOException,
      InterruptedException {
    Path c = dir.resolve(name + "-cert.pem");
    Path k = dir.resolve(name + "-key.pem");
    Process openssl = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048",
        "-nodes", "-keyout", k.toString(), "-out", c.toString(), "-days", "2",
        "-subj", "/CN=larder-test", "-addext", "subjectAltName=" + san))
        .redirectErrorStream(true).start();
    String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (openssl.waitFor() != 0) {
      throw new IOException("openssl failed: " + output);
    }
    return c;
  }

  private static String tlsUrl(String userInfo, String options) {
    return "memcacheds://" + userInfo + "127.0.0.1:" + server.tlsPort() + "?timeout=5s&" + options;
  }

  private static void assertWorks(String url) {
    try (Cache cache = Larder.builder().url(url).failOpen(false).build()) {
      cache.set("greeting", "hello over " + url.substring(0, 11));
      assertThat(cache.get("greeting", String.class)).startsWith("hello");
      assertThat(cache.incr("n", -2)).isLessThanOrEqualTo(-2);
      cache.setMany(Map.of("a", "1", "b", "2"));
      assertThat(cache.getMany(List.of("a", "b"), String.class)).hasSize(2);
    }
  }

  @Test
  void tlsWithTheServersCertificateAndCredentialsWorks() {
    assertWorks(tlsUrl("larder:s3cret@", "tlsCa=" + cert));
  }

  @Test
  void credentialsWorkWithoutTlsOnThePlainPort() {
    assertWorks("memcached://larder:s3cret@127.0.0.1:" + server.port() + "?timeout=5s");
  }

  @Test
  void tlsIsAlsoAnOption() {
    assertWorks("memcached://larder:s3cret@127.0.0.1:" + server.tlsPort() + "?tls&timeout=5s&tlsCa=" + cert);
  }

  @Test
  void anUntrustedCertificateIsRefused() {
    assertThatThrownBy(() -> Larder.open(tlsUrl("larder:s3cret@", "tlsCa=" + otherCert)))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("127.0.0.1:" + server.tlsPort());
  }

  @Test
  void aCertificateForAnotherHostIsRefusedUnlessInsecure() {
    String base = "memcacheds://127.0.0.1:" + wrongHostServer.tlsPort();
    assertThatThrownBy(() -> Larder.open(base + "?tlsCa=" + wrongHostCert))
        .isInstanceOf(CacheConnectionException.class);
    assertWorks(base + "?tlsInsecure&timeout=5s");
  }

  @Test
  void theJdksDefaultTrustDoesNotTrustATestCertificate() {
    assertThatThrownBy(() -> Larder.open(tlsUrl("larder:s3cret@", "connectTimeout=5s")))
        .isInstanceOf(CacheConnectionException.class);
  }

  @Test
  void plainTextToTheTlsPortFailsToConnect() {
    assertThatThrownBy(() -> Larder.open("memcached://larder:s3cret@127.0.0.1:"
        + server.tlsPort() + "?connectTimeout=2s"))
        .isInstanceOf(CacheConnectionException.class);
  }

  @Test
  void aWrongPasswordIsRefusedByName() {
    assertThatThrownBy(() -> Larder.open(tlsUrl("larder:wrong@", "tlsCa=" + cert)))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("refused the user name or password")
        .hasMessageNotContaining("wrong");
  }

  @Test
  void noCredentialsForAServerThatWantsThemSaysSo() {
    assertThatThrownBy(() -> Larder.open("memcached://127.0.0.1:" + server.port()))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("requires authentication");
  }

  @Test
  void optionsThatConflictAreRefused() {
    assertThatThrownBy(() -> Larder.open(tlsUrl("", "tlsCa=" + cert + "&tlsInsecure")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tlsInsecure");
  }
}
