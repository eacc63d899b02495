package io.larder.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A response the application produced, as the page cache captured it.
 *
 * @param status the status code
 * @param fields the header fields set by the application, in order
 * @param body the whole body, or {@code null} if it was not captured (see {@code passedReason})
 * @param passedReason why the response went to the client before it ended, so that it cannot
 *     be stored ({@code flushBuffer}, {@code sendError}, a body over the size limit...), or
 *     {@code null} if it was captured whole
 * @param setsCookie whether the response sets a cookie, including a new session's
 */
record PageResponse(int status, List<Field> fields, byte[] body, String passedReason,
    boolean setsCookie) {

  PageResponse {
    fields = List.copyOf(fields);
    if ((body == null) == (passedReason == null)) {
      throw new IllegalArgumentException("give exactly one of a body and a reason it was passed");
    }
  }

  /** Returns every value of a header field, in order. */
  List<String> values(String name) {
    Objects.requireNonNull(name, "name");
    List<String> values = new ArrayList<>();
    for (Field f : fields) {
      if (f.is(name)) {
        values.add(f.value());
      }
    }
    return values;
  }
}
