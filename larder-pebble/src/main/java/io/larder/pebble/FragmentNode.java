package io.larder.pebble;

import io.larder.Memoized;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.NodeVisitor;
import io.pebbletemplates.pebble.node.AbstractRenderableNode;
import io.pebbletemplates.pebble.node.BodyNode;
import io.pebbletemplates.pebble.node.expression.Expression;
import io.pebbletemplates.pebble.template.EvaluationContextImpl;
import io.pebbletemplates.pebble.template.PebbleTemplateImpl;
import io.pebbletemplates.pebble.utils.LimitedSizeWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@code {% cache %}} tag in a template: renders its body through Larder, or deletes it. */
final class FragmentNode extends AbstractRenderableNode {
  private final LarderExtension extension;
  private final Expression<?> name;
  private final Expression<?> ttl;
  private final List<Expression<?>> vary;
  private final Expression<?> tags;
  /** Whether the fragment goes through admission; {@code null} to follow the cache. */
  private final Expression<?> admit;
  /** The body, or {@code null} for the delete form. */
  private final BodyNode body;

  FragmentNode(int line, LarderExtension extension, Expression<?> name, Expression<?> ttl,
      List<Expression<?>> vary, Expression<?> tags, Expression<?> admit, BodyNode body) {
    super(line);
    this.extension = extension;
    this.name = name;
    this.ttl = ttl;
    this.vary = List.copyOf(vary);
    this.tags = tags;
    this.admit = admit;
    this.body = body;
  }

  @Override
  public void render(PebbleTemplateImpl self, Writer writer, EvaluationContextImpl context)
      throws IOException {
    String fragment = name(self, context);
    List<Object> values = new ArrayList<>(vary.size());
    for (Expression<?> e : vary) {
      values.add(e.evaluate(self, context));
    }
    List<Object> args = FragmentValues.of(values);
    List<String> tagList = tags(self, context, fragment);
    Duration time = body == null ? null : ttl(self, context, fragment);
    if (body == null || (time != null && (time.isZero() || time.isNegative()))) {
      Memoized<List<Object>, String> stored = extension.memoized(fragment, null, List.of(), null,
          null);
      checkKey(stored, args, self, fragment);
      stored.bust(args);
      if (body != null) {
        body.render(self, writer, context);
      }
      return;
    }
    Memoized<List<Object>, String> cached = extension.memoized(fragment, time, tagList,
        admit(self, context, fragment), a -> renderBody(self, context));
    checkKey(cached, args, self, fragment);
    try {
      writer.write(cached.apply(args));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private void checkKey(Memoized<List<Object>, String> m, List<Object> args,
      PebbleTemplateImpl self, String fragment) {
    try {
      m.key(args);
    } catch (IllegalArgumentException e) {
      throw new PebbleException(e, "cannot cache fragment '" + fragment + "': " + e.getMessage()
          + " (vary on plain values such as note.id, not on note)", getLineNumber(),
          self.getName());
    }
  }

  private String renderBody(PebbleTemplateImpl self, EvaluationContextImpl context) {
    try {
      Writer out = LimitedSizeWriter.from(new StringWriter(), context);
      body.render(self, out, context);
      return out.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String name(PebbleTemplateImpl self, EvaluationContextImpl context) {
    Object n = name.evaluate(self, context);
    if (!(n instanceof String s) || s.isEmpty()) {
      throw new PebbleException(null, "{% cache %} needs a fragment name (a non-empty string), got "
          + n, getLineNumber(), self.getName());
    }
    return s;
  }

  private Boolean admit(PebbleTemplateImpl self, EvaluationContextImpl context, String fragment) {
    if (admit == null) {
      return null;
    }
    Object a = admit.evaluate(self, context);
    if (a instanceof Boolean b) {
      return b;
    }
    throw new PebbleException(null, "admit of fragment '" + fragment
        + "' must be true or false, got " + a, getLineNumber(), self.getName());
  }

  private Duration ttl(PebbleTemplateImpl self, EvaluationContextImpl context, String fragment) {
    if (ttl == null) {
      return null;
    }
    Object t = ttl.evaluate(self, context);
    if (t instanceof Duration d) {
      return d;
    }
    if (t instanceof Number n) {
      return Duration.ofMillis(Math.round(n.doubleValue() * 1000));
    }
    throw new PebbleException(null, "the TTL of fragment '" + fragment
        + "' must be a number of seconds or a Duration, got " + t, getLineNumber(), self.getName());
  }

  private List<String> tags(PebbleTemplateImpl self, EvaluationContextImpl context, String fragment) {
    if (tags == null) {
      return List.of();
    }
    Object t = tags.evaluate(self, context);
    List<String> out = new ArrayList<>();
    if (t instanceof Iterable<?> many) {
      for (Object o : many) {
        out.add(tag(o, self, fragment));
      }
    } else {
      out.add(tag(t, self, fragment));
    }
    return out;
  }

  private String tag(Object o, PebbleTemplateImpl self, String fragment) {
    if (o instanceof String s && !s.isEmpty()) {
      return s;
    }
    throw new PebbleException(null, "the tags of fragment '" + fragment
        + "' must be non-empty strings, got " + o, getLineNumber(), self.getName());
  }

  @Override
  public void accept(NodeVisitor visitor) {
    visitor.visit(this);
    if (body != null) {
      body.accept(visitor);
    }
  }
}
