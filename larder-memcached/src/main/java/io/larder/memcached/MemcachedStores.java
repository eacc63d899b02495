package io.larder.memcached;

import io.larder.memcached.internal.ClientSettings;
import io.larder.spi.Durations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Factories for memcached stores.
 *
 * <pre>{@code
 * MemcachedStore store = MemcachedStores.builder("cache1", 11211)
 *     .timeout(Duration.ofMillis(200))
 *     .build();
 * Cache cache = Larder.builder().store(store).build();   // the cache borrows the store
 * }</pre>
 *
 * <p>Most applications open a URL instead: {@code Larder.open("memcached://cache1:11211")};
 * see {@code docs/memcached.md}.
 */
public final class MemcachedStores {
  /** How long a request waits for its reply unless told otherwise: 500 ms. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);
  /** How long a connection attempt may take unless told otherwise: 2 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /** How long a namespace generation read from the server is trusted: 1 s. */
  public static final Duration DEFAULT_NAMESPACE_CACHE_TIME = Duration.ofSeconds(1);

  private MemcachedStores() {}

  /**
   * Connects to one server with the default settings.
   *
   * @param host the server's host name or address, as other clients name it
   * @param port its port, usually 11211
   * @return the connected store
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if the host is blank or the port out of range
   * @throws io.larder.CacheConnectionException if the server cannot be reached
   */
  public static MemcachedStore open(String host, int port) {
    return builder(host, port).build();
  }

  /**
   * Returns a builder for a store on one server.
   *
   * @param host the server's host name or address, as other clients name it
   * @param port its port, usually 11211
   * @return the builder
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if the host is blank or holds a space, or the port is
   *     out of range
   */
  public static Builder builder(String host, int port) {
    return new Builder(host, port);
  }

  /**
   * Builds a {@link MemcachedStore} for one server. Each option may be set once; arguments are
   * checked at once.
   */
  public static final class Builder {
    private final String host;
    private final int port;
    private Duration timeout;
    private Duration connectTimeout;
    private Duration namespaceCacheTime;
    private String user;
    private String password;
    private String tlsMode; // "system", "ca", "insecure"
    private Path tlsCaFile;
    private Boolean awaitConnection;

    private Builder(String host, int port) {
      Objects.requireNonNull(host, "host");
      if (host.isBlank() || host.chars().anyMatch(c -> c <= ' ')) {
        throw new IllegalArgumentException("host must be a host name or address, was '" + host
            + "'");
      }
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("port must be 1 to 65535, was " + port);
      }
      this.host = host;
      this.port = port;
    }

    private static void once(Object current, String option) {
      if (current != null) {
        throw new IllegalStateException(option + " was already set");
      }
    }

    /**
     * Sets how long a request waits for its reply before failing with
     * {@link io.larder.CacheTimeoutException}; {@link #DEFAULT_TIMEOUT} by default. If a
     * request waits this long without a single byte arriving from the server, the connection
     * is closed and reopened.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is not positive
     * @throws IllegalStateException if already set
     */
    public Builder timeout(Duration timeout) {
      once(this.timeout, "timeout");
      this.timeout = Durations.requirePositive(timeout, "timeout");
      return this;
    }

    /**
     * Sets how long a connection attempt (TCP, TLS, authentication, the opening
     * {@code version} and {@code stats}) may take; {@link #DEFAULT_CONNECT_TIMEOUT} by default.
     *
     * @param connectTimeout a positive duration
     * @return this builder
     * @throws NullPointerException if {@code connectTimeout} is null
     * @throws IllegalArgumentException if it is not positive
     * @throws IllegalStateException if already set
     */
    public Builder connectTimeout(Duration connectTimeout) {
      once(this.connectTimeout, "connectTimeout");
      this.connectTimeout = Durations.requirePositive(connectTimeout, "connectTimeout");
      return this;
    }

    /**
     * Sets how long a namespace generation read from the server is trusted;
     * {@link #DEFAULT_NAMESPACE_CACHE_TIME} by default. A namespace cleared by another client
     * is seen as cleared within this time; a clear by this store is seen at once. Zero reads
     * the generations on every call that touches a namespace (one more round trip each).
     *
     * @param time zero or a positive duration
     * @return this builder
     * @throws NullPointerException if {@code time} is null
     * @throws IllegalArgumentException if it is negative
     * @throws IllegalStateException if already set
     */
    public Builder namespaceCacheTime(Duration time) {
      once(this.namespaceCacheTime, "namespaceCacheTime");
      this.namespaceCacheTime = Durations.requireNonNegative(time, "namespaceCacheTime");
      return this;
    }

    /**
     * Sets the user and password for a server started with {@code -Y} (ASCII
     * authentication). They are sent only to a server that asks for them.
     *
     * @param user the user name
     * @param password the password
     * @return this builder
     * @throws NullPointerException if either is null
     * @throws IllegalArgumentException if either is empty or holds a space or control
     *     character, which the protocol cannot carry
     * @throws IllegalStateException if already set
     */
    public Builder credentials(String user, String password) {
      once(this.user, "credentials");
      this.user = credential(user, "user");
      this.password = credential(password, "password");
      return this;
    }

    private static String credential(String s, String what) {
      Objects.requireNonNull(s, what);
      if (s.isEmpty() || s.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
        throw new IllegalArgumentException(what + " must be non-empty without spaces or control "
            + "characters");
      }
      return s;
    }

    /**
     * Connects over TLS, trusting the JDK's default certificate authorities and checking that
     * the server's certificate names the host.
     *
     * @return this builder
     * @throws IllegalStateException if TLS was already set
     */
    public Builder tls() {
      once(tlsMode, "tls");
      tlsMode = "system";
      return this;
    }

    /**
     * Connects over TLS, trusting the certificate authorities in a PEM file and checking that
     * the server's certificate names the host.
     *
     * @param caCertificates a PEM file of CA (or self-signed server) certificates
     * @return this builder
     * @throws NullPointerException if {@code caCertificates} is null
     * @throws IllegalArgumentException if it is not a readable file
     * @throws IllegalStateException if TLS was already set
     */
    public Builder tls(Path caCertificates) {
      Objects.requireNonNull(caCertificates, "caCertificates");
      once(tlsMode, "tls");
      if (!Files.isReadable(caCertificates) || !Files.isRegularFile(caCertificates)) {
        throw new IllegalArgumentException("tls CA file is not a readable file: "
            + caCertificates);
      }
      tlsMode = "ca";
      tlsCaFile = caCertificates;
      return this;
    }

    /**
     * Connects over TLS without checking the server's certificate: encrypted, but open to
     * anyone who can intercept the connection. For tests and development only.
     *
     * @return this builder
     * @throws IllegalStateException if TLS was already set
     */
    public Builder tlsInsecure() {
      once(tlsMode, "tls");
      tlsMode = "insecure";
      return this;
    }

    /**
     * Sets whether {@link #build()} waits for the first connection and throws if it fails
     * ({@code true}, the default), or returns at once and connects in the background, requests
     * failing with {@link io.larder.CacheConnectionException} until connected (for a server
     * of a pool, which may be down when the application starts).
     *
     * @param await whether to wait
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder awaitConnection(boolean await) {
      once(awaitConnection, "awaitConnection");
      awaitConnection = await;
      return this;
    }

    /**
     * Creates the store and connects.
     *
     * @return the store
     * @throws io.larder.CacheConnectionException if waiting for the connection (the default)
     *     and the server cannot be reached, refuses the credentials, fails the TLS handshake or
     *     is older than memcached 1.6
     * @throws IllegalArgumentException if the TLS CA file cannot be read as certificates
     */
    public MemcachedStore build() {
      byte[] credentials = user == null ? null
          : (user + " " + password).getBytes(StandardCharsets.UTF_8);
      return ClientSettings.open(host, port,
          timeout == null ? DEFAULT_TIMEOUT : timeout,
          connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout,
          credentials, tlsMode, tlsCaFile,
          namespaceCacheTime == null ? DEFAULT_NAMESPACE_CACHE_TIME : namespaceCacheTime,
          awaitConnection == null || awaitConnection);
    }
  }
}
