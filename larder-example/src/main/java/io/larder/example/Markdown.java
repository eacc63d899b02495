package io.larder.example;

import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/** Renders markdown to HTML, escaping any HTML in the source and any unsafe link. */
final class Markdown {
  private final Parser parser = Parser.builder().build();
  private final HtmlRenderer renderer = HtmlRenderer.builder().escapeHtml(true)
      .sanitizeUrls(true).build();

  String render(String markdown) {
    return renderer.render(parser.parse(markdown));
  }
}
