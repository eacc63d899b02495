package io.larder;

import io.larder.spi.StoreUrl;
import java.util.Locale;

/** Reads a URL's {@code admit}, {@code admitKeys} and {@code admitWindow} options. */
final class AdmitOption {
  private AdmitOption() {}

  /**
   * Returns the admission the URL asks for, or {@code null} if it says nothing.
   *
   * @throws IllegalArgumentException if a value is invalid
   */
  static Admission parse(StoreUrl url) {
    String admit = url.option("admit").orElse(null);
    Long keys = url.sizeOption("admitKeys").orElse(null);
    Long window = url.sizeOption("admitWindow").orElse(null);
    if (admit == null && keys == null && window == null) {
      return null;
    }
    Admission a;
    String value = admit == null ? "off" : admit.toLowerCase(Locale.ROOT);
    switch (value) {
      case "off": case "false": case "no":
        a = Admission.off(); // the sketch options still serve per-use opt-ins
        break;
      case "on": case "true": case "yes": case "":
        a = Admission.sketch();
        break;
      default:
        try {
          a = Admission.sketch().minMisses(Integer.parseInt(value));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("option 'admit' must be on, off or a number of "
              + "misses from 1 to 15, was '" + admit + "' in '" + url.redacted() + "'");
        }
    }
    if (keys != null) {
      a = a.keys((int) Math.min(keys, Integer.MAX_VALUE));
    }
    if (window != null) {
      a = a.window(window);
    }
    return a;
  }
}
