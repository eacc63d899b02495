package io.larder.example;

import java.util.List;
import java.util.Locale;

/** The example's drawings, as SVG text: the hit counter badge and the round-trip chart. */
final class Svg {
  private Svg() {}

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  /** A hit counter badge: "1,234 views". */
  static String counter(long views) {
    String text = String.format(Locale.ROOT, "%,d view%s", views, views == 1 ? "" : "s");
    int width = 16 + text.length() * 7;
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"22\""
        + " role=\"img\" aria-label=\"" + text + "\">"
        + "<rect width=\"" + width + "\" height=\"22\" rx=\"4\" fill=\"#37474f\"/>"
        + "<text x=\"8\" y=\"15\" fill=\"#fff\" font-family=\"monospace\" font-size=\"12\">"
        + text + "</text></svg>";
  }

  /**
   * A bar per request, as tall as its round trips, green for a page-cache hit, orange for
   * a miss, grey for the rest; the numbers are on each bar.
   */
  static String roundTrips(List<RequestLog.Entry> entries) {
    int width = 720;
    int height = 220;
    int top = 20;
    int bottom = 40;
    int left = 36;
    long max = 1;
    for (RequestLog.Entry e : entries) {
      max = Math.max(max, e.roundTrips());
    }
    int slots = Math.max(entries.size(), 10);
    double slot = (double) (width - left - 10) / slots;
    double plot = height - top - bottom;
    StringBuilder sb = new StringBuilder();
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(width)
        .append(' ').append(height).append("\" class=\"chart\" role=\"img\""
            + " aria-label=\"store round trips per request\">");
    sb.append("<line x1=\"").append(left).append("\" y1=\"").append(height - bottom)
        .append("\" x2=\"").append(width - 10).append("\" y2=\"").append(height - bottom)
        .append("\" stroke=\"#999\"/>");
    sb.append("<text x=\"4\" y=\"").append(top + 4).append("\" font-size=\"11\">").append(max)
        .append("</text><text x=\"4\" y=\"").append(height - bottom)
        .append("\" font-size=\"11\">0</text>");
    for (int i = 0; i < entries.size(); i++) {
      RequestLog.Entry e = entries.get(i);
      double h = Math.max(2, plot * e.roundTrips() / max);
      double x = left + i * slot + slot * 0.15;
      double y = height - bottom - h;
      String color = switch (e.xCache()) {
        case "HIT" -> "#2e7d32";
        case "MISS" -> "#ef6c00";
        default -> "#90a4ae";
      };
      sb.append(String.format(Locale.ROOT,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
              + "<title>%s: %s, %d round trip%s, %.0f ms</title></rect>",
          x, y, slot * 0.7, h, color, escape(e.what()), e.xCache(), e.roundTrips(),
          e.roundTrips() == 1 ? "" : "s", e.millis()));
      sb.append(String.format(Locale.ROOT,
          "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%d</text>",
          x + slot * 0.35, y - 3, e.roundTrips()));
    }
    int legend = height - 14;
    sb.append("<rect x=\"").append(left).append("\" y=\"").append(legend - 9)
        .append("\" width=\"10\" height=\"10\" fill=\"#2e7d32\"/><text x=\"").append(left + 14)
        .append("\" y=\"").append(legend).append("\" font-size=\"11\">page from cache (HIT)</text>");
    sb.append("<rect x=\"").append(left + 170).append("\" y=\"").append(legend - 9)
        .append("\" width=\"10\" height=\"10\" fill=\"#ef6c00\"/><text x=\"").append(left + 184)
        .append("\" y=\"").append(legend).append("\" font-size=\"11\">page rendered (MISS)</text>");
    sb.append("<rect x=\"").append(left + 340).append("\" y=\"").append(legend - 9)
        .append("\" width=\"10\" height=\"10\" fill=\"#90a4ae\"/><text x=\"").append(left + 354)
        .append("\" y=\"").append(legend).append("\" font-size=\"11\">other (counter, forms)</text>");
    sb.append("</svg>");
    return sb.toString();
  }
}
