package io.larder.web;

import java.util.Objects;

/** One header field of a response, with the name as it was given. */
record Field(String name, String value) {
  Field {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }

  boolean is(String other) {
    return name.equalsIgnoreCase(other);
  }
}
