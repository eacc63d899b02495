package io.larder.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which query parameters go into a page's key: every parameter but the ignored ones, or only
 * the kept ones. A pattern is a parameter name, or a prefix ending in {@code *}
 * ({@code utm_*}). Names are compared after percent-decoding, so every spelling of a name is
 * one name. Immutable and pure.
 */
final class QueryRule {
  /** Tracking parameters that analytics and ad platforms add to links; ignored by default. */
  static final List<String> TRACKING = List.of("utm_*", "fbclid", "gclid", "gclsrc", "dclid",
      "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl", "igshid", "yclid",
      "twclid", "ttclid", "li_fat_id", "mkt_tok", "_hsenc", "_hsmi", "oly_anon_id",
      "oly_enc_id", "vero_id", "rb_clickid", "s_cid", "ref_src");

  /** Every parameter is part of the key, tracking parameters too. */
  static final QueryRule ALL = new QueryRule(false, List.of(), false);
  /** Every parameter but the tracking ones is part of the key: the default. */
  static final QueryRule DEFAULT = new QueryRule(false, List.of(), true);

  private final boolean only;
  private final List<String> patterns;
  private final boolean ignoreTracking;

  private QueryRule(boolean only, List<String> patterns, boolean ignoreTracking) {
    this.only = only;
    this.patterns = List.copyOf(patterns);
    this.ignoreTracking = ignoreTracking;
  }

  /** Returns a rule that also leaves the given patterns out of the key. */
  QueryRule ignoring(List<String> more) {
    if (only) {
      throw new IllegalStateException("ignoreParams cannot be combined with onlyParams");
    }
    List<String> all = new ArrayList<>(patterns);
    all.addAll(checked(more));
    return new QueryRule(false, all, ignoreTracking);
  }

  /** Returns a rule that keys only the given patterns; none at all for an empty list. */
  QueryRule only(List<String> kept) {
    if (only || !patterns.isEmpty()) {
      throw new IllegalStateException("onlyParams cannot be combined with ignoreParams");
    }
    return new QueryRule(true, checked(kept), ignoreTracking);
  }

  /** Returns this rule with the default tracking list switched on or off. */
  QueryRule ignoringTracking(boolean on) {
    return new QueryRule(only, patterns, on);
  }

  boolean ignoresTracking() {
    return ignoreTracking;
  }

  /** Tells whether a (decoded) parameter name is part of the key. */
  boolean keys(String name) {
    if (only) {
      return matches(patterns, name);
    }
    return !matches(patterns, name) && !(ignoreTracking && matches(TRACKING, name));
  }

  private static boolean matches(List<String> patterns, String name) {
    for (String p : patterns) {
      if (p.endsWith("*") ? name.startsWith(p.substring(0, p.length() - 1)) : name.equals(p)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> checked(List<String> patterns) {
    for (String p : patterns) {
      Objects.requireNonNull(p, "parameter");
      if (p.isEmpty() || p.equals("*") || p.indexOf('*') != p.length() - 1 && p.contains("*")) {
        throw new IllegalArgumentException("a parameter pattern is a name or a prefix ending in "
            + "'*', was '" + p + "'");
      }
    }
    return patterns;
  }

  @Override
  public String toString() {
    return (only ? "only" : "ignore") + patterns + (ignoreTracking ? "+tracking" : "");
  }
}
