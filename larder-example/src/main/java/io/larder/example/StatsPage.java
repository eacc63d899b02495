package io.larder.example;

import io.larder.CacheStats;
import io.larder.web.PageCacheStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds what {@code /stats} shows: per part of the page its hits, misses, computations and
 * the time its hits saved (measured, see docs/example.md); round trips per request as
 * distributions; the store's counters and what it holds.
 */
final class StatsPage {
  private StatsPage() {}

  /**
   * One line of the table.
   *
   * @param part what was cached
   * @param how through which Larder feature
   * @param hits reads answered by the cache
   * @param misses reads that found nothing
   * @param computed how often the work ran ({@code -} where not counted)
   * @param hitRatio hits over all reads
   * @param saved the time the hits saved, measured
   */
  record Row(String part, String how, String hits, String misses, String computed,
      String hitRatio, String saved) {}

  /**
   * Round trips per request of one kind, over the last requests.
   *
   * @param kind which requests
   * @param requests how many there were since start
   * @param window how many of the last the numbers are over
   * @param p50 the median
   * @param p95 the 95th percentile
   * @param max the most
   */
  record Trips(String kind, String requests, String window, long p50, long p95, long max) {}

  static Map<String, Object> model(ExampleApp app) {
    Map<String, Object> m = new HashMap<>();
    List<Row> rows = new ArrayList<>();
    Duration total = Duration.ZERO;

    if (app.pages() != null) {
      PageCacheStats pages = app.pages().stats();
      Duration saved = app.requestLog().pageTimeSaved();
      rows.add(new Row("whole pages", "PageCacheFilter", count(pages.hits()),
          count(pages.misses()), count(pages.stores()), percent(pages.hitRatio()),
          millis(saved)));
      total = total.plus(saved);
    }

    for (CachedLibrary.FunctionRow f : app.library().stats()) {
      CacheStats c = f.cache();
      if (c == null) {
        rows.add(new Row(f.calls().name(), "called directly", "-", "-",
            count(f.calls().computes()), "-", "-"));
        continue;
      }
      Duration saved = Duration.ofMillis(c.timeSavedMillis());
      rows.add(new Row(f.calls().name(), "memoize", count(c.hits()), count(c.misses()),
          count(f.calls().computes()), percent(c.hitRatio()), millis(saved)));
      total = total.plus(saved);
    }

    if (app.fragments() != null) {
      CacheStats fragments = app.fragments().stats();
      Duration saved = Duration.ofMillis(fragments.timeSavedMillis());
      rows.add(new Row("comments block", "{% cache %} fragment", count(fragments.hits()),
          count(fragments.misses()), "-", percent(fragments.hitRatio()), millis(saved)));
      total = total.plus(saved);
    }
    m.put("rows", rows);
    m.put("saved", millis(total));

    RequestLog log = app.requestLog();
    m.put("requests", count(log.requests()));
    m.put("trips", List.of(trips("page from the cache (HIT)", log.hitTrips()),
        trips("page rendered (MISS)", log.missTrips()),
        trips("other (counter, forms, bypassing routes)", log.otherTrips())));
    m.put("chart", Svg.roundTrips(log.last()));
    m.put("queries", count(app.library().library().queries()));
    m.put("queryTime", millis(Duration.ofNanos(app.library().library().queryNanos())));
    m.put("views", views(app));

    if (app.cache() != null) {
      CacheStats all = app.cache().stats();
      m.put("hits", count(all.hits()));
      m.put("misses", count(all.misses()));
      m.put("hitRatio", percent(all.hitRatio()));
      m.put("preloadHits", count(all.preloadHits()));
      m.put("writes", count(all.writes()));
      m.put("errors", count(all.storeErrors() + all.decodeErrors()));
      m.put("roundTrips", count(all.roundTrips()));
      m.put("counterWrites", count(app.counters().stats().writes()));
    }
    return m;
  }

  private static Trips trips(String kind, Recent.Summary s) {
    return new Trips(kind, count(s.count()), count(s.window()), s.p50(), s.p95(), s.max());
  }

  /** Each book's hit counter, read in one round trip. */
  private static Map<String, Long> views(ExampleApp app) {
    Book[] books = app.library().books();
    List<Long> ids = new ArrayList<>();
    for (Book b : books) {
      ids.add(b.id());
    }
    Map<Long, Long> counts = app.views(ids);
    Map<String, Long> byTitle = new LinkedHashMap<>();
    for (Book b : books) {
      byTitle.put(b.title(), counts.getOrDefault(b.id(), 0L));
    }
    return byTitle;
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  static String percent(double ratio) {
    return String.format(Locale.ROOT, "%.0f %%", ratio * 100);
  }

  static String millis(Duration d) {
    double ms = d.toNanos() / 1e6;
    return ms >= 10_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000)
        : String.format(Locale.ROOT, "%.0f ms", ms);
  }
}
