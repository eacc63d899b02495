package io.larder.facade;

import io.larder.Cache;
import io.larder.Larder;
import java.util.ArrayList;
import java.util.List;

/**
 * Run by {@link PlainReadTest} in a JVM of its own with a small heap: writes one large
 * {@code byte[]} to a cache over the memory store that fails open, then reads it, keeping every
 * copy, until a read answers {@code null} (the copy could not be made) or throws. Prints one
 * line per read and the cache's stats last.
 */
final class FailedCopyReads {
  private FailedCopyReads() {}

  /** Runs the reads; {@code args[0]}: the value's size in MiB, {@code args[1]}: most reads. */
  public static void main(String[] args) {
    int mib = Integer.parseInt(args[0]);
    int most = Integer.parseInt(args[1]);
    List<byte[]> kept = new ArrayList<>(most);
    try (Cache cache = Larder.open("mem:?failOpen=true&maxBytes=" + (4L * mib) + "m")) {
      cache.set("big", new byte[mib << 20]);
      for (int i = 0; i < most; i++) {
        byte[] read;
        try {
          read = cache.get("big", byte[].class);
        } catch (Throwable e) {
          kept.clear();
          System.out.println("threw " + e.getClass().getName());
          break;
        }
        if (read == null) {
          System.out.println("null");
          break;
        }
        kept.add(read);
        System.out.println("copy");
      }
      kept.clear();
      var stats = cache.stats();
      System.out.println("hits=" + stats.hits() + " misses=" + stats.misses()
          + " decodeErrors=" + stats.decodeErrors());
    }
  }
}
