package io.larder;

import java.util.List;

/**
 * What an engine needs to know of the view that calls it, passed down with every call: where
 * the view's keys live, where its counts go, and the tags its writes carry. Engines never hold
 * a view, and never a reference back to the facade.
 *
 * @param prefix the namespace prefix of the view's keys ({@link Keys#prefixOf}); "" for none
 * @param stats the view's counters, which also reach every ancestor's
 * @param tags the tags of a {@link Cache#tagged} view; empty for an ordinary view
 */
record View(String prefix, StatsCounter stats, List<String> tags) {
  View {
    tags = List.copyOf(tags);
  }

  /** Whether the view's writes carry tags and its reads check them. */
  boolean tagged() {
    return !tags.isEmpty();
  }
}
