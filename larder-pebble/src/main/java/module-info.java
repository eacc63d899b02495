/** Larder's Pebble extension: the {@code cache} tag for fragments, in {@code io.larder.pebble}. */
module io.larder.pebble {
  requires transitive io.larder;
  requires transitive io.pebbletemplates;

  exports io.larder.pebble;
}
