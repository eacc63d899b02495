package io.larder.web;

import java.util.List;
import java.util.Objects;

/**
 * What the page cache keeps under a key: either a page, or (under the base key of a
 * response that had a {@code Vary} header) the list of request headers its variants depend on.
 */
sealed interface StoredPage {

  /**
   * A stored response.
   *
   * @param status the status code
   * @param fields the header fields to replay, without those made per response (length,
   *     date, age, ETag, cookies, hop-by-hop fields)
   * @param body the body
   * @param etag the entity tag, with its quotes (and {@code W/} if the application gave a
   *     weak one)
   * @param storedAtMillis when it was stored, in epoch milliseconds
   */
  record Page(int status, List<Field> fields, byte[] body, String etag, long storedAtMillis)
      implements StoredPage {
    public Page {
      fields = List.copyOf(fields);
      Objects.requireNonNull(body, "body");
      Objects.requireNonNull(etag, "etag");
    }
  }

  /**
   * The request headers (lower case, sorted) whose values select a variant of the page.
   *
   * @param headerNames the names listed in the response's {@code Vary}
   */
  record Variants(List<String> headerNames) implements StoredPage {
    public Variants {
      headerNames = List.copyOf(headerNames);
    }
  }
}
