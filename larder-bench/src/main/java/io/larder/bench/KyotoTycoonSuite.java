package io.larder.bench;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.KyotoTycoonServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kt}: single-key get and set of 1 kB values at 1 and 16 threads on one Kyoto Tycoon
 * server, Larder as it ships (concurrent calls merged into one {@code get_bulk} /
 * {@code set_bulk} per round trip) beside the same cache with {@code merge=false} (each call
 * its own request on the same pipelined connection). Kyoto Tycoon has no Java client to
 * compare with. Skipped when no {@code ktserver} is found, as the tests find it.
 */
final class KyotoTycoonSuite implements Suite {
  private static final int KEYS = 1_000;

  @Override
  public String name() {
    return "kt";
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    List<Result> results = new ArrayList<>();
    if (KyotoTycoonServer.locate().isEmpty()) {
      System.err.println("kt: skipped: no ktserver found ($"
          + KyotoTycoonServer.EXECUTABLE_VARIABLE + ", PATH, or shared/kyototycoon/bin/ktserver"
          + " above " + Path.of("").toAbsolutePath() + ")");
      return results;
    }
    byte[] value = Harness.value(1_024);
    List<String> keys = MemcachedSuite.keys("k");
    Map<String, Object> all = new LinkedHashMap<>();
    keys.forEach(k -> all.put(k, value));
    try (KyotoTycoonServer kt = KyotoTycoonServer.start();
         Cache merged = Larder.open(kt.url() + "?prefix=merged&failOpen=false&timeout=10s");
         Cache plain = Larder.open(kt.url()
             + "?prefix=plain&merge=false&failOpen=false&timeout=10s")) {
      merged.setMany(all);
      plain.setMany(all);
      for (int threads : new int[] {1, 16}) {
        compare(results, settings, "get 1kB, " + threads + " thr", threads,
            r -> Harness.require(merged.get(keys.get(r.nextInt(KEYS)), byte[].class), value),
            r -> Harness.require(plain.get(keys.get(r.nextInt(KEYS)), byte[].class), value));
        compare(results, settings, "set 1kB, " + threads + " thr", threads,
            r -> merged.set(keys.get(r.nextInt(KEYS)), value),
            r -> plain.set(keys.get(r.nextInt(KEYS)), value));
      }
    }
    return results;
  }

  private static void compare(List<Result> out, Harness.Settings settings, String name,
      int threads, Harness.Work merged, Harness.Work plain) throws InterruptedException {
    Map<String, Harness.Work> contenders = new LinkedHashMap<>();
    contenders.put("merged", merged);
    contenders.put("plain", plain);
    Harness.Measurement m = Harness.throughput(settings, threads, contenders);
    out.add(m.rate(name, "merged", "plain", "Larder with merge=false",
        "ops/s"));
  }
}
