package io.larder.redis.internal;

import io.larder.CacheCodecException;
import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Maps Lettuce's failures onto the {@link CacheException} family. */
final class Errors {
  /** Error replies meaning the server cannot serve now, rather than that the command is wrong. */
  private static final String[] UNAVAILABLE = {
    "LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "NOAUTH", "READONLY"
  };

  private Errors() {}

  /**
   * Unwraps the wrappers futures add.
   *
   * @param t what a future failed with
   * @return the underlying failure
   */
  static Throwable unwrap(Throwable t) {
    while ((t instanceof ExecutionException || t instanceof CompletionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * Translates a failure of a call.
   *
   * @param failure what Lettuce or a future threw
   * @param what the call, for example {@code "GET of key 'x'"}
   * @param target the server's redacted URL
   * @param timeout the call's timeout, named in timeout messages
   * @return the exception to throw
   */
  static CacheException translate(Throwable failure, String what, String target,
      Duration timeout) {
    Throwable t = unwrap(failure);
    if (t instanceof CacheException c) {
      return c;
    }
    if (t instanceof RedisCommandTimeoutException
        || t instanceof java.util.concurrent.TimeoutException
        || t instanceof java.net.SocketTimeoutException) {
      return new CacheTimeoutException("Redis " + what + " on " + target + " timed out after "
          + timeout.toMillis() + "ms", t);
    }
    if (t instanceof RedisCommandExecutionException) {
      String reply = String.valueOf(t.getMessage());
      if (counterError(reply)) {
        return new CacheCodecException("Redis " + what + ": " + reply, t);
      }
      String head = reply.toUpperCase(Locale.ROOT);
      for (String code : UNAVAILABLE) {
        if (head.startsWith(code)) {
          return new CacheConnectionException("Redis " + what + " on " + target + " failed: "
              + reply, t);
        }
      }
      return new CacheException("Redis " + what + " on " + target + " failed: " + reply, t);
    }
    // anything else Lettuce reports is about the connection: refused, reset, closed,
    // disconnected, rejected while reconnecting, or a request queue full of unanswered calls
    if (t instanceof RedisException || t instanceof IOException
        || t instanceof CancellationException) {
      return new CacheConnectionException("Redis " + what + " on " + target + " failed: "
          + t.getMessage(), t);
    }
    return new CacheException("Redis " + what + " on " + target + " failed: " + t, t);
  }

  /** Whether an error reply says a counter is not an integer or would overflow. */
  static boolean counterError(String reply) {
    return reply.contains("not an integer or out of range") || reply.contains("would overflow");
  }

  /**
   * Tells whether an error reply is a cluster redirection.
   *
   * @param t a failure
   * @return {@code true} for {@code MOVED} and {@code ASK}
   */
  static boolean redirect(Throwable t) {
    Throwable u = unwrap(t);
    if (!(u instanceof RedisCommandExecutionException) || u.getMessage() == null) {
      return false;
    }
    return u.getMessage().startsWith("MOVED ") || u.getMessage().startsWith("ASK ");
  }

  /**
   * Tells whether a failure is Redis saying it does not know a script's SHA-1.
   *
   * @param t a failure
   * @return {@code true} for {@code NOSCRIPT}
   */
  static boolean noScript(Throwable t) {
    Throwable u = unwrap(t);
    return u instanceof io.lettuce.core.RedisNoScriptException
        || (u instanceof RedisCommandExecutionException && u.getMessage() != null
            && u.getMessage().startsWith("NOSCRIPT"));
  }
}
