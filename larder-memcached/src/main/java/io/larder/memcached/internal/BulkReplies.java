package io.larder.memcached.internal;

import io.netty.handler.codec.DecoderException;

/**
 * Checks each reply of a bulk read as it arrives, on the thread that reads the connection,
 * before it is handed to the request: a reply that answers no key the request asked for means
 * that replies and requests are no longer paired on this connection, so it fails with a
 * {@link DecoderException}, which closes the connection and fails every request waiting on it.
 *
 * <p>It knows the keys of the request's classic {@code get} lines, in the order they were
 * written, and the {@code O<index>} of its quiet {@code mg} commands. A {@code VALUE} is
 * matched to the next key of that order with its text (memcached answers a line's hits in the
 * line's order and skips misses) and marked with the key's position in {@link Reply#opaque};
 * a {@code VA} must carry one of the indexes asked for.
 *
 * <p>An error line where a classic {@code get}'s {@code VALUE} or {@code END} is due is not a
 * per-command error: memcached 1.6's {@code process_get_command} ({@code proto_text.c}) jumps
 * to {@code stop:} when a key is too long ({@code CLIENT_ERROR bad command line format}) or a
 * response object cannot be made ({@code SERVER_ERROR out of memory writing get response},
 * also an extstore read that fails), and there calls {@code conn_release_items(c)} ("Kill any
 * stacked responses we had"), which culls every unsent response of the connection
 * ({@code memcached.c}): replies to earlier pipelined commands of other callers may be gone.
 * An error answering a meta command ({@code SERVER_ERROR object too large for cache} for an
 * {@code ms}) is the answer to that command alone and is left to it.
 */
final class BulkReplies {
  /** The keys of the classic {@code get} lines, in the order written. */
  private final String[] classicKeys;
  private final int classicLines;
  /** Which {@code O<index>} a {@code VA} may carry; {@code null} for none. */
  private final boolean[] metaIndexes;
  private int nextKey;
  private int ends;

  /**
   * Makes the check of one request.
   *
   * @param classicKeys the keys of its classic {@code get} lines, in the order written
   * @param classicLines how many {@code get} lines they were written on (each ends with
   *     {@code END})
   * @param metaIndexes which {@code O<index>} its quiet {@code mg} commands carry, or
   *     {@code null} if it has none
   */
  BulkReplies(String[] classicKeys, int classicLines, boolean[] metaIndexes) {
    this.classicKeys = classicKeys;
    this.classicLines = classicLines;
    this.metaIndexes = metaIndexes;
  }

  /**
   * Tells whether the line is one that {@code process_get_command} writes when it stops in the
   * middle of a classic {@code get} and culls the connection's unsent responses (see above).
   */
  static boolean isGetAbort(Reply reply) {
    return reply.code == Reply.TEXT
        && (reply.text.equals("SERVER_ERROR out of memory writing get response")
            || reply.text.equals("CLIENT_ERROR bad command line format"));
  }

  /** Tells whether a classic {@code get} line of the request is still to be answered. */
  boolean classicDue() {
    return ends < classicLines;
  }

  /**
   * Checks the next reply, marking a {@code VALUE} with its key's position in the classic
   * order.
   *
   * @param reply the reply, in the order it arrived
   * @throws DecoderException if it answers no key asked for, comes out of order, or is an
   *     error line where a classic {@code get}'s answer is due
   */
  void check(Reply reply) {
    boolean classicDue = classicDue();
    switch (reply.code) {
      case Reply.VALUE -> {
        while (classicDue && nextKey < classicKeys.length
            && !classicKeys[nextKey].equals(reply.key)) {
          nextKey++;
        }
        if (!classicDue || nextKey == classicKeys.length) {
          throw new DecoderException("memcached sent '" + reply
              + "' for a key not asked for, or out of order");
        }
        reply.opaque = nextKey++;
      }
      case Reply.VA -> {
        if (classicDue || metaIndexes == null || reply.opaque < 0
            || reply.opaque >= metaIndexes.length || !metaIndexes[reply.opaque]) {
          throw new DecoderException("memcached sent '" + reply + " O" + reply.opaque
              + "' for a key not asked for, or out of order");
        }
      }
      case Reply.TEXT -> {
        if ("END".equals(reply.text)) {
          ends++;
        } else if (classicDue) {
          throw new DecoderException("memcached answered a classic get with '" + reply.text
              + "', after which it may have dropped the replies of earlier requests");
        }
      }
      default -> {
        if (classicDue) {
          throw new DecoderException("memcached sent '" + reply
              + "' where a classic get's VALUE or END was due");
        }
      }
    }
  }
}
