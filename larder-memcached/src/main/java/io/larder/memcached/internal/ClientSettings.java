package io.larder.memcached.internal;

import io.larder.memcached.MemcachedStore;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * Turns the public builder's settings into a connected store. Not public API.
 */
public final class ClientSettings {
  private ClientSettings() {}

  /**
   * Opens a store; see {@code MemcachedStores.Builder}.
   *
   * @param host the host
   * @param port the port
   * @param timeout the request timeout
   * @param connectTimeout the connection attempt timeout
   * @param credentials {@code "<user> <password>"} in UTF-8, or {@code null}
   * @param tlsMode {@code null} (plain), {@code "system"}, {@code "ca"} or {@code "insecure"}
   * @param tlsCaFile the PEM file for {@code "ca"}
   * @param namespaceCacheTime how long generations are trusted
   * @param awaitConnection whether to wait for the first connection
   * @return the store
   * @throws IllegalArgumentException if the CA file holds no usable certificate
   * @throws io.larder.CacheConnectionException if waiting and the connection fails
   */
  public static MemcachedStore open(String host, int port, Duration timeout,
      Duration connectTimeout, byte[] credentials, String tlsMode, Path tlsCaFile,
      Duration namespaceCacheTime, boolean awaitConnection) {
    ClientOptions options = new ClientOptions(timeout, connectTimeout, credentials,
        tlsMode == null ? null : sslContext(tlsMode, tlsCaFile),
        tlsMode == null && credentials == null);
    return new DefaultMemcachedStore(host, port, options, namespaceCacheTime, awaitConnection);
  }

  static SslContext sslContext(String mode, Path caFile) {
    try {
      SslContextBuilder builder = SslContextBuilder.forClient();
      switch (mode) {
        case "insecure" -> builder.trustManager(InsecureTrustManagerFactory.INSTANCE)
            .endpointIdentificationAlgorithm(null);
        case "ca" -> builder.trustManager(caFile.toFile()).endpointIdentificationAlgorithm("HTTPS");
        case "system" -> builder.endpointIdentificationAlgorithm("HTTPS");
        default -> throw new IllegalArgumentException("unknown TLS mode " + mode);
      }
      return builder.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot set up TLS"
          + (caFile == null ? "" : " with CA file " + caFile) + ": " + e.getMessage(), e);
    }
  }
}
