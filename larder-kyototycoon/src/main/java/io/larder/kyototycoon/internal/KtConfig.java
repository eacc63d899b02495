package io.larder.kyototycoon.internal;

import io.larder.spi.HostPort;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of one Kyoto Tycoon store, already checked by the builder or the URL parser.
 * Not public API.
 *
 * @param host the server's host name or address
 * @param port its port, 1 to 32767
 * @param db the database index, 0 to 65535
 * @param timeout how long a call waits for the server
 * @param noReplyWrites whether {@code set} and {@code setMany} use the no-reply flag
 * @param merge whether concurrent single-key {@code get}s and {@code set}s are merged
 *     ({@link Merger})
 * @param direct whether a blocking call made while the shared connection is idle uses a
 *     blocking connection of its own ({@link DirectConnection})
 */
public record KtConfig(String host, int port, int db, Duration timeout, boolean noReplyWrites,
    boolean merge, boolean direct) {
  /**
   * Creates the settings.
   *
   * @param host the server's host name or address
   * @param port its port
   * @param db the database index
   * @param timeout how long a call waits
   * @param noReplyWrites whether plain writes are fire-and-forget
   * @param merge whether concurrent single-key calls are merged
   * @param direct whether a lone blocking call reads its reply on its own thread
   * @throws NullPointerException if {@code host} or {@code timeout} is null
   */
  public KtConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * Creates the settings with the direct connection on.
   *
   * @param host the server's host name or address
   * @param port its port
   * @param db the database index
   * @param timeout how long a call waits
   * @param noReplyWrites whether plain writes are fire-and-forget
   * @param merge whether concurrent single-key calls are merged
   * @throws NullPointerException if {@code host} or {@code timeout} is null
   */
  public KtConfig(String host, int port, int db, Duration timeout, boolean noReplyWrites,
      boolean merge) {
    this(host, port, db, timeout, noReplyWrites, merge, true);
  }

  /**
   * Creates the settings with concurrent calls merged and the direct connection on.
   *
   * @param host the server's host name or address
   * @param port its port
   * @param db the database index
   * @param timeout how long a call waits
   * @param noReplyWrites whether plain writes are fire-and-forget
   * @throws NullPointerException if {@code host} or {@code timeout} is null
   */
  public KtConfig(String host, int port, int db, Duration timeout, boolean noReplyWrites) {
    this(host, port, db, timeout, noReplyWrites, true);
  }

  /**
   * Returns {@code host:port}, for messages; an IPv6 address is bracketed.
   *
   * @return the server's address as a URL would write it
   */
  public String server() {
    return new HostPort(host, port).toString();
  }
}
