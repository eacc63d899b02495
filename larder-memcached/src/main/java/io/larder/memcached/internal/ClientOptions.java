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
 */
record ClientOptions(Duration timeout, Duration connectTimeout, byte[] credentials,
    SslContext ssl) {}
