package io.larder.redis.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLException;

/** Explains why opening a connection failed, in terms of the URL the user wrote. */
final class OpenErrors {
  private OpenErrors() {}

  /**
   * Translates a failure to connect.
   *
   * @param e what Lettuce threw
   * @param config the URL
   * @return the exception to throw: a {@link CacheConnectionException} naming the cause
   */
  static CacheException translate(RuntimeException e, RedisConfig config) {
    if (e instanceof IllegalArgumentException) {
      throw e;
    }
    String server = config.redacted();
    String reply = find(e, "WRONGPASS", "ERR INVALID PASSWORD", "ERR INVALID USERNAME");
    if (reply != null) {
      return new CacheConnectionException("cannot open " + server + ": the server refused the"
          + " user or password (" + reply + "); check the credentials in the URL,"
          + " redis://user:password@host:port/db", e);
    }
    reply = find(e, "NOAUTH", "ERR AUTH", "ERR CLIENT SENT AUTH");
    if (reply != null) {
      // without a password the hint says it all; the reply only retells HELLO's syntax
      return new CacheConnectionException("cannot open " + server + ": "
          + (config.password() == null ? "the server requires a password; give it in the URL,"
              + " redis://:password@host:port/db or redis://user:password@host:port/db"
              : "authentication failed (" + reply + ")"), e);
    }
    reply = find(e, "NOPERM");
    if (reply != null) {
      return new CacheConnectionException("cannot open " + server + ": the user may not run"
          + " the commands this store needs (" + reply + "); see docs/redis.md for the ACL", e);
    }
    reply = find(e, "ERR DB INDEX IS OUT OF RANGE", "ERR SELECT IS NOT ALLOWED");
    if (reply != null) {
      return new CacheConnectionException("cannot open " + server + ": database "
          + config.database() + " cannot be selected (" + reply + ")", e);
    }
    Throwable tls = cause(e, SSLException.class);
    if (tls != null) {
      String m = String.valueOf(tls.getMessage());
      String hint;
      if (m.contains("certificate_required") || m.contains("bad_certificate")) {
        hint = config.tlsCertFile() == null
            ? "the server wants a client certificate: give tlsCertFile and tlsKeyFile"
            : "the server refused the client certificate";
      } else if (m.contains("No name matching") || m.contains("No subject alternative")) {
        hint = "the server's certificate is not issued for that host: connect by a name it"
            + " lists, or check only the CA with tlsVerify=ca";
      } else if (config.tlsCaFile() == null) {
        hint = "if the server's certificate is signed by your own CA, give it with"
            + " tlsCaFile=/path/ca.pem";
      } else {
        hint = "check that tlsCaFile holds the CA that signed the server's certificate";
      }
      return new CacheConnectionException("cannot open " + server + ": the TLS handshake failed ("
          + m + "); " + hint, e);
    }
    reply = find(e, "CLUSTER SUPPORT DISABLED");
    if (reply != null) {
      return new CacheConnectionException("cannot open " + server + ": the server is not a"
          + " Redis Cluster node (" + reply + "); for a single server write redis://", e);
    }
    return new CacheConnectionException("cannot connect to " + server + ": " + reason(e)
        + (config.tls() ? " (is TLS enabled on that port?)" : ""), e);
  }

  /** Says in words why a connection could not be made; the causes stay chained for logs. */
  private static String reason(Throwable e) {
    // Netty's connect timeout is a ConnectException too, so it is asked about first
    if (cause(e, ConnectTimeoutException.class) != null) {
      return "no answer within connectTimeout";
    }
    if (cause(e, UnknownHostException.class) != null) {
      return "unknown host";
    }
    if (cause(e, ConnectException.class) != null) {
      return "connection refused (is a server listening on that port?)";
    }
    // Lettuce writes an address it did not resolve as host/<unresolved>:port
    return chain(e).replace("/<unresolved>", "");
  }

  /** Finds an error reply starting with one of {@code prefixes}, anywhere in the causes. */
  private static String find(Throwable e, String... prefixes) {
    for (Throwable t : all(e)) {
      String m = t.getMessage();
      if (m == null) {
        continue;
      }
      String upper = m.toUpperCase(Locale.ROOT);
      for (String p : prefixes) {
        int i = upper.indexOf(p);
        if (i >= 0) {
          return m.substring(i).strip();
        }
      }
    }
    return null;
  }

  private static Throwable cause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t : all(e)) {
      if (type.isInstance(t)) {
        return t;
      }
    }
    return null;
  }

  /** The exception, its causes and everything suppressed in them (cluster seeds each add one). */
  private static Iterable<Throwable> all(Throwable e) {
    Set<Throwable> seen = new HashSet<>();
    Deque<Throwable> todo = new ArrayDeque<>();
    Deque<Throwable> out = new ArrayDeque<>();
    todo.add(e);
    while (!todo.isEmpty()) {
      Throwable t = todo.poll();
      if (t == null || !seen.add(t)) {
        continue;
      }
      out.add(t);
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      for (Throwable s : t.getSuppressed()) {
        todo.add(s);
      }
    }
    return out;
  }

  /** The distinct messages of the exception, its causes and what they suppressed. */
  private static String chain(Throwable e) {
    StringBuilder sb = new StringBuilder();
    Set<String> said = new HashSet<>();
    for (Throwable t : all(e)) {
      String m = t.getMessage();
      if (m != null && said.add(m) && sb.indexOf(m) < 0) {
        sb.append(sb.length() == 0 ? "" : "; ").append(m);
      }
    }
    return sb.length() > 600 ? sb.substring(0, 600) + "…" : sb.toString();
  }
}
