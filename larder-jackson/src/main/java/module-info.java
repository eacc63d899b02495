/** Larder's JSON codec on Jackson, in {@code io.larder.jackson}. */
module io.larder.jackson {
  requires transitive io.larder;
  requires transitive com.fasterxml.jackson.databind;

  exports io.larder.jackson;
}
