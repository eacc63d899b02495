package io.larder.memcached.internal;

/**
 * One reply from memcached: a meta reply ({@code VA}, {@code HD}, {@code EN}, {@code NF},
 * {@code NS}, {@code EX}, {@code MN}) with the return flags Larder asks for, a classic
 * {@code get}'s {@code VALUE} with its data, or any other line ({@code STAT ...},
 * {@code END}, {@code VERSION ...}, {@code OK}, {@code STORED}, and the error lines) as text.
 *
 * <p>Created by {@link ReplyDecoder} on the event loop and read by the waiting caller after
 * the request completes, which publishes it safely.
 */
final class Reply {
  /** Any reply that is not a meta reply; see {@link #text}. */
  static final int TEXT = 0;
  /** {@code VA <size> <flags>*}: a value follows. */
  static final int VA = 1;
  /** {@code HD}: success without a value. */
  static final int HD = 2;
  /** {@code EN}: a miss. */
  static final int EN = 3;
  /** {@code NF}: not found. */
  static final int NF = 4;
  /** {@code NS}: not stored. */
  static final int NS = 5;
  /** {@code EX}: the compare-and-swap token did not match. */
  static final int EX = 6;
  /** {@code MN}: the end of a pipelined batch. */
  static final int MN = 7;
  /**
   * {@code VALUE <key> <flags> <bytes>}: a hit of a classic {@code get}, its data block in
   * {@link #value} and its key in {@link #key}; the client flags are not kept.
   */
  static final int VALUE = 8;

  /** Marks an absent {@code t} flag ({@code -1} means "never expires"). */
  static final int NO_TTL = Integer.MIN_VALUE;

  final int code;
  /** The whole line for {@link #TEXT} replies; {@code null} otherwise. */
  final String text;
  /** The data block of a {@code VA} or {@code VALUE} reply; {@code null} otherwise. */
  byte[] value;
  /** The key of a {@code VALUE} reply, as the server wrote it; {@code null} otherwise. */
  String key;
  /** The {@code c} flag: the item's CAS unique, as unsigned 64 bits. */
  long cas;
  boolean hasCas;
  /** The {@code t} flag: seconds to live, {@code -1} for never, {@link #NO_TTL} if absent. */
  int ttl = NO_TTL;
  /** The {@code O} flag as a number, or {@code -1}. */
  int opaque = -1;
  /** The {@code s} flag: the item's value size, or {@code -1}. */
  int size = -1;
  /** {@code W}: this client won the right to recache the item. */
  boolean won;
  /** {@code X}: the item is stale. */
  boolean stale;
  /** {@code Z}: another client already won the right to recache the item. */
  boolean winSent;

  Reply(int code, String text) {
    this.code = code;
    this.text = text;
  }

  /** Tells whether this is an error line: {@code ERROR}, {@code CLIENT_ERROR} or {@code SERVER_ERROR}. */
  boolean isError() {
    return code == TEXT
        && (text.startsWith("SERVER_ERROR") || text.startsWith("CLIENT_ERROR")
            || text.equals("ERROR") || text.startsWith("ERROR "));
  }

  /**
   * Tells whether this reply describes the empty placeholder that {@code mg N} creates on a
   * miss: no data, a win token handed out, not stale. Plain reads treat it as a miss.
   */
  boolean isVivifiedStub() {
    boolean empty = code == VA ? value.length == 0 : size == 0;
    return empty && (won || winSent) && !stale;
  }

  @Override
  public String toString() {
    return switch (code) {
      case VA -> "VA " + value.length;
      case HD -> "HD";
      case EN -> "EN";
      case NF -> "NF";
      case NS -> "NS";
      case EX -> "EX";
      case MN -> "MN";
      case VALUE -> "VALUE " + key + " " + value.length;
      default -> text;
    };
  }
}
