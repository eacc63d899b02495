package io.larder.example;

import io.larder.Cache;
import io.larder.CacheStats;
import io.larder.spi.StoreSize;
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
   * @param entries the entries the store holds for this part ({@code -} if it cannot count
   *     by prefix)
   * @param bytes their bytes, as the store counts them
   */
  record Row(String part, String how, String hits, String misses, String computed,
      String hitRatio, String saved, String entries, String bytes) {}

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
    Duration totalSaved = Duration.ZERO;

    // the store counts per prefix (memory, SQLite) or only everything it holds (Redis,
    // memcached): then the parts' sizes are left blank and the total says whose it is
    StoreSize total = app.cache() == null ? null : app.cache().storeSize();
    boolean perPart = total != null && !total.wholeStore() && total.entries() >= 0;

    if (app.pages() != null) {
      PageCacheStats pages = app.pages().stats();
      Duration saved = app.requestLog().pageTimeSaved();
      rows.add(row("whole pages", "PageCacheFilter", count(pages.hits()),
          count(pages.misses()), count(pages.stores()), percent(pages.hitRatio()), saved,
          perPart ? app.cache().namespace("pages") : null));
      totalSaved = totalSaved.plus(saved);
    }

    for (CachedLibrary.FunctionRow f : app.library().stats()) {
      Cache ns = f.namespace();
      if (ns == null) {
        rows.add(new Row(f.calls().name(), "called directly", "-", "-",
            count(f.calls().computes()), "-", "-", "-", "-"));
        continue;
      }
      CacheStats c = ns.stats();
      Duration saved = Duration.ofMillis(c.timeSavedMillis());
      rows.add(row(f.calls().name(), "memoize", count(c.hits()), count(c.misses()),
          count(f.calls().computes()), percent(c.hitRatio()), saved, perPart ? ns : null));
      totalSaved = totalSaved.plus(saved);
    }

    if (app.fragments() != null) {
      CacheStats fragments = app.fragments().stats();
      Duration saved = Duration.ofMillis(fragments.timeSavedMillis());
      rows.add(row("comments block", "{% cache %} fragment", count(fragments.hits()),
          count(fragments.misses()), "-", percent(fragments.hitRatio()), saved,
          perPart ? app.fragments() : null));
      totalSaved = totalSaved.plus(saved);
    }
    if (total != null) {
      m.put("entries", total.entries() < 0 ? "unknown" : count(total.entries()));
      m.put("bytes", total.bytes() < 0 ? "unknown" : bytes(total.bytes()));
      m.put("sizeOf", total.entries() < 0 ? "the store cannot tell"
          : total.wholeStore() ? "the whole server, the keys of other applications included"
          : "the keys of this cache");
    }
    m.put("rows", rows);
    m.put("saved", millis(totalSaved));

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
      if (app.pages() != null) {
        admission(app, app.pages().stats(), m);
      }
    }
    return m;
  }

  /** A row, with the part's entries and bytes when {@code ns} is given. */
  private static Row row(String part, String how, String hits, String misses, String computed,
      String hitRatio, Duration saved, Cache ns) {
    StoreSize size = ns == null ? StoreSize.UNKNOWN : ns.storeSize();
    return new Row(part, how, hits, misses, computed, hitRatio, millis(saved),
        size.entries() < 0 ? "-" : count(size.entries()),
        size.bytes() < 0 ? "-" : bytes(size.bytes()));
  }

  private static Trips trips(String kind, Recent.Summary s) {
    return new Trips(kind, count(s.count()), count(s.window()), s.p50(), s.p95(), s.max());
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

  static String bytes(long n) {
    return n >= 10L << 20 ? String.format(Locale.ROOT, "%.1f MB", n / 1048576.0)
        : n >= 10L << 10 ? String.format(Locale.ROOT, "%.1f kB", n / 1024.0)
        : count(n) + " B";
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
