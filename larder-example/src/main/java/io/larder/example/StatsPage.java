package io.larder.example;

import io.larder.Cache;
import io.larder.CacheStats;
import io.larder.web.PageCacheStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds what {@code /stats} shows: hit ratios, round trips per request, time saved. */
final class StatsPage {
  private StatsPage() {}

  /**
   * One line of the table.
   *
   * @param part what was cached
   * @param how through which Larder feature
   * @param hits reads answered by the cache
   * @param misses reads that had to compute
   * @param hitRatio hits over all reads
   * @param saved the time the hits saved
   */
  record Row(String part, String how, String hits, String misses, String hitRatio, String saved) {}

  static Map<String, Object> model(ExampleApp app) {
    Map<String, Object> m = new HashMap<>();
    List<Row> rows = new ArrayList<>();
    Duration total = Duration.ZERO;

    PageCacheStats pages = app.pages().stats();
    rows.add(new Row("whole pages", "PageCacheFilter", count(pages.hits()), count(pages.misses()),
        percent(pages.hitRatio()), millis(pages.timeSaved())));
    total = total.plus(pages.timeSaved());

    for (FunctionStats.Snapshot f : app.library().stats()) {
      rows.add(new Row(f.name(), "memoize", count(f.hits()), count(f.computes()),
          percent(f.hitRatio()), millis(f.timeSaved())));
      total = total.plus(f.timeSaved());
    }

    CacheStats fragments = app.fragments().stats();
    // the comments fragment's cost is its query: each hit saved a mean comments query
    Duration fragmentSaved = Duration.ofNanos(
        (long) (app.library().library().meanCommentQueryNanos() * fragments.hits()));
    rows.add(new Row("comments block", "{% cache %} fragment", count(fragments.hits()),
        count(fragments.misses()), percent(fragments.hitRatio()), millis(fragmentSaved)));
    total = total.plus(fragmentSaved);

    CacheStats counters = app.counters().stats();

    CacheStats all = app.cache().stats();
    m.put("store", app.storeDescription());
    m.put("rows", rows);
    m.put("hits", count(all.hits()));
    m.put("misses", count(all.misses()));
    m.put("hitRatio", percent(all.hitRatio()));
    m.put("preloadHits", count(all.preloadHits()));
    m.put("writes", count(all.writes()));
    m.put("errors", count(all.storeErrors() + all.decodeErrors()));
    m.put("roundTrips", count(all.roundTrips()));
    m.put("counterWrites", count(counters.writes()));
    long requests = app.requestLog().requests();
    m.put("requests", count(requests));
    m.put("tripsPerRequest", requests == 0 ? "-"
        : String.format(Locale.ROOT, "%.2f", (double) app.requestLog().roundTrips() / requests));
    m.put("queries", count(app.library().library().queries()));
    m.put("queryTime", millis(Duration.ofNanos(app.library().library().queryNanos())));
    m.put("saved", millis(total));
    m.put("chart", Svg.roundTrips(app.requestLog().last()));
    m.put("recent", app.requestLog().last());
    m.put("views", views(app));
    admission(app, pages, m);
    return m;
  }

  /**
   * What admission did for pages (issue 19): misses that were one-hit wonders, and the page
   * writes it saved. Only with admission on ({@code --cache "mem:?admit=on"}).
   */
  private static void admission(ExampleApp app, PageCacheStats pages, Map<String, Object> m) {
    io.larder.AdmissionStats a = app.cache().admissionStats();
    m.put("admissionOn", app.cache().admission().isOn());
    m.put("pageMisses", count(pages.misses()));
    m.put("pagesNotAdmitted", count(pages.notAdmitted()));
    m.put("oneHitWonders", count(a.oneHitWonders()));
    m.put("admitted", count(a.admitted()));
  }

  /** Each book's hit counter, read in one round trip. */
  private static Map<String, Long> views(ExampleApp app) {
    Book[] books = app.library().books();
    List<String> keys = new ArrayList<>();
    for (Book b : books) {
      keys.add(ExampleApp.viewsKey(b.id()));
    }
    Map<String, Long> counts = app.counters().getMany(keys, Long.class);
    Map<String, Long> byTitle = new LinkedHashMap<>();
    for (Book b : books) {
      byTitle.put(b.title(), counts.getOrDefault(ExampleApp.viewsKey(b.id()), 0L));
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
