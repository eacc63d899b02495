package io.larder.kyototycoon.internal;

import java.util.List;

/** A reply of the binary protocol, as {@link ReplyDecoder} reads it. */
sealed interface Reply {

  /**
   * The reply to {@code set_bulk} or {@code remove_bulk}.
   *
   * @param magic {@link BinaryProtocol#SET_BULK} or {@link BinaryProtocol#REMOVE_BULK}
   * @param hits how many records were stored or removed
   */
  record Count(int magic, long hits) implements Reply {}

  /**
   * The reply to {@code get_bulk}.
   *
   * @param records the records found, in the order of the request
   */
  record Records(List<BinaryProtocol.Found> records) implements Reply {}

  /** The server's error reply, {@code 0xBF}: it says no more. */
  record Error() implements Reply {}
}
