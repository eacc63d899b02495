/** Larder's servlet filters: the page cache and request-scoped preloads, in {@code io.larder.web}. */
module io.larder.web {
  requires transitive io.larder;
  requires transitive jakarta.servlet;

  exports io.larder.web;
}
