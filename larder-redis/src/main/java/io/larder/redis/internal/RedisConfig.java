package io.larder.redis.internal;

import io.larder.spi.HostPort;
import io.larder.spi.StoreUrl;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What a Redis URL says, parsed and checked without any I/O.
 *
 * <p>URLs: {@code redis://[user:password@]host[:port][/db]},
 * {@code rediss://…} (TLS) and {@code redis-cluster://[user:password@]h1:p1,h2:p2} (the seed
 * nodes). Options: {@code timeout}, {@code writeTimeout}, {@code connectTimeout},
 * {@code tls} (cluster only), {@code tlsVerify}, {@code tlsCaFile}, {@code tlsCertFile},
 * {@code tlsKeyFile} and {@code hashTag}. The facade's options ({@code prefix}, {@code ttl},
 * {@code compress}, {@code failOpen}) are never read here.
 *
 * @param cluster whether the URL names a Redis Cluster
 * @param hosts the server, or the cluster's seed nodes
 * @param user the ACL user, or {@code null} for the default user
 * @param password the password, or {@code null} for none
 * @param database the database number (always 0 for a cluster)
 * @param tls whether to speak TLS
 * @param tlsVerify how much of the server's certificate to check
 * @param tlsCaFile PEM file of the CAs to trust, or {@code null} for the JVM's
 * @param tlsCertFile PEM client certificate for mutual TLS, or {@code null}
 * @param tlsKeyFile PEM (PKCS#8) key of the client certificate, or {@code null}
 * @param readTimeout the bound on each read call
 * @param writeTimeout the bound on each write call
 * @param connectTimeout the bound on opening a connection, and on each reconnection attempt
 * @param hashTag whether keys of a namespace are kept in one cluster slot
 * @param redacted the URL with its password hidden, for messages
 */
record RedisConfig(
    boolean cluster,
    List<HostPort> hosts,
    String user,
    String password,
    int database,
    boolean tls,
    TlsVerify tlsVerify,
    Path tlsCaFile,
    Path tlsCertFile,
    Path tlsKeyFile,
    Duration readTimeout,
    Duration writeTimeout,
    Duration connectTimeout,
    HashTag hashTag,
    String redacted) {

  /** The default {@link #readTimeout}. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(250);
  /** The default {@link #writeTimeout}. */
  static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofMillis(500);
  /** The default {@link #connectTimeout}. */
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  static final int DEFAULT_PORT = 6379;
  private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

  /** How much of the server's certificate is checked. */
  enum TlsVerify {
    /** Signed by a trusted CA and issued to the host in the URL. */
    FULL,
    /** Signed by a trusted CA, for any host. */
    CA,
    /** Nothing: any certificate is accepted. For tests only. */
    NONE
  }

  /** Whether keys are rewritten so that a namespace lives in one cluster slot. */
  enum HashTag {
    /** Keys are stored as the facade gives them. */
    NONE,
    /** {@code ~shop:notes::312} is stored as {@code ~{shop:notes}::312}. */
    NAMESPACE
  }

  /**
   * Parses a {@code redis:}, {@code rediss:} or {@code redis-cluster:} URL and reads every
   * option this store knows.
   *
   * @param url the parsed URL
   * @return the configuration
   * @throws IllegalArgumentException if the URL or an option is malformed, naming it
   */
  static RedisConfig parse(StoreUrl url) {
    Objects.requireNonNull(url, "url");
    String scheme = url.scheme();
    boolean cluster = scheme.equals("redis-cluster");
    if (!cluster && !scheme.equals("redis") && !scheme.equals("rediss")) {
      throw new IllegalArgumentException("not a Redis URL: '" + url.redacted() + "'");
    }
    String body = url.body();
    if (!body.startsWith("//")) {
      throw new IllegalArgumentException("Redis URL '" + url.redacted() + "' must start with "
          + scheme + "://, e.g. " + scheme + "://" + (cluster ? "h1:7000,h2:7001" : "localhost:6379/0"));
    }
    String rest = body.substring(2);
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);
    StoreUrl.Authority parts = url.authority(authority);
    String hostList = parts.hosts();
    // redis://:secret@host gives a password alone; redis://user@host a user with no password
    String user = parts.user() == null || parts.user().isEmpty() ? null : parts.user();
    String password = parts.password() != null ? parts.password() : user == null ? null : "";

    List<HostPort> hosts = new ArrayList<>();
    for (String hp : hostList.split(",", -1)) {
      hosts.add(HostPort.parse(hp, DEFAULT_PORT, url.redacted()));
    }
    if (!cluster && hosts.size() > 1) {
      throw new IllegalArgumentException("Redis URL '" + url.redacted() + "' names several "
          + "hosts; for a Redis Cluster write redis-cluster://" + hostList);
    }

    int database = database(path, cluster, url);

    Duration read = timeout(url, "timeout", DEFAULT_TIMEOUT);
    Duration write = timeout(url, "writeTimeout", DEFAULT_WRITE_TIMEOUT);
    Duration connect = timeout(url, "connectTimeout", DEFAULT_CONNECT_TIMEOUT);

    Optional<Boolean> tlsOption = url.booleanOption("tls");
    if (tlsOption.isPresent() && !cluster) {
      throw new IllegalArgumentException("option 'tls' applies to redis-cluster:// only; "
          + "for one server write rediss:// instead of redis:// in '" + url.redacted() + "'");
    }
    boolean tls = scheme.equals("rediss") || tlsOption.orElse(false);
    TlsVerify verify = url.option("tlsVerify").map(v -> tlsVerify(v, url)).orElse(null);
    Path ca = url.option("tlsCaFile").map(v -> readableFile("tlsCaFile", v, url)).orElse(null);
    Path cert = url.option("tlsCertFile").map(v -> readableFile("tlsCertFile", v, url)).orElse(null);
    Path key = url.option("tlsKeyFile").map(v -> readableFile("tlsKeyFile", v, url)).orElse(null);
    if (!tls && (verify != null || ca != null || cert != null || key != null)) {
      throw new IllegalArgumentException("TLS options need TLS: write rediss:// (or add tls=true "
          + "to a redis-cluster:// URL) in '" + url.redacted() + "'");
    }
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("options 'tlsCertFile' and 'tlsKeyFile' go together "
          + "(a client certificate and its key) in '" + url.redacted() + "'");
    }
    HashTag hashTag = url.option("hashTag").map(v -> hashTag(v, url)).orElse(HashTag.NONE);

    return new RedisConfig(cluster, List.copyOf(hosts), user, password, database, tls,
        verify == null ? TlsVerify.FULL : verify, ca, cert, key, read, write, connect, hashTag,
        url.redacted());
  }

  private static int database(String path, boolean cluster, StoreUrl url) {
    if (path.isEmpty()) {
      return 0;
    }
    if (path.length() > 9 || !path.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("bad database '" + path + "' in '" + url.redacted()
          + "' (expected a number such as /0)");
    }
    int db = Integer.parseInt(path);
    if (cluster && db != 0) {
      throw new IllegalArgumentException("a Redis Cluster has only database 0, not " + db
          + ", in '" + url.redacted() + "'");
    }
    return db;
  }

  private static Duration timeout(StoreUrl url, String name, Duration fallback) {
    Duration d = url.durationOption(name).orElse(fallback);
    if (d.isZero() || d.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException("option '" + name + "' must be between 1ms and 1h, was "
          + d.toMillis() + "ms in '" + url.redacted() + "'");
    }
    return d;
  }

  private static TlsVerify tlsVerify(String value, StoreUrl url) {
    switch (value.toLowerCase(Locale.ROOT)) {
      case "full": return TlsVerify.FULL;
      case "ca": return TlsVerify.CA;
      case "none": return TlsVerify.NONE;
      default:
        throw new IllegalArgumentException("option 'tlsVerify' must be full, ca or none, was '"
            + value + "' in '" + url.redacted() + "'");
    }
  }

  private static HashTag hashTag(String value, StoreUrl url) {
    switch (value.toLowerCase(Locale.ROOT)) {
      case "none": return HashTag.NONE;
      case "namespace": return HashTag.NAMESPACE;
      default:
        throw new IllegalArgumentException("option 'hashTag' must be none or namespace, was '"
            + value + "' in '" + url.redacted() + "'");
    }
  }

  private static Path readableFile(String option, String value, StoreUrl url) {
    Path file;
    try {
      file = Path.of(value);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("option '" + option + "' is not a path: '" + value
          + "' in '" + url.redacted() + "'", e);
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException("option '" + option + "' names no readable file: '"
          + value + "' in '" + url.redacted() + "'");
    }
    return file;
  }

  /**
   * Describes the target for messages, without the password.
   *
   * @return the redacted URL
   */
  @Override
  public String toString() {
    return redacted;
  }
}
