package io.larder.memcached.internal;

import io.netty.handler.ssl.SslContext;
import java.time.Duration;

/**
 * How a {@link Connection} connects and how long it waits.
 *
 * @param timeout the longest a request waits for its reply
 * @param connectTimeout the longest a connection attempt (TCP, TLS, authentication and the
 *     opening {@code version}/{@code stats}) may take
 * @param credentials {@code "<user> <password>"} for {@code memcached -Y}, or {@code null}
 * @param ssl the TLS context, or {@code null} for plain text
 * @param direct whether a blocking caller that finds it free uses a second, blocking
 *     connection ({@link DirectConnection}); only without TLS and credentials
 */
record ClientOptions(Duration timeout, Duration connectTimeout, byte[] credentials,
    SslContext ssl, boolean direct) {
  ClientOptions {
    if (direct && (ssl != null || credentials != null)) {
      throw new IllegalArgumentException("the direct connection is plain TCP without "
          + "authentication");
    }
  }
}
