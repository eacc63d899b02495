package io.larder.pebble;

import io.pebbletemplates.pebble.error.ParserException;
import io.pebbletemplates.pebble.lexer.Token;
import io.pebbletemplates.pebble.lexer.TokenStream;
import io.pebbletemplates.pebble.node.BodyNode;
import io.pebbletemplates.pebble.node.RenderableNode;
import io.pebbletemplates.pebble.node.expression.Expression;
import io.pebbletemplates.pebble.parser.Parser;
import io.pebbletemplates.pebble.tokenParser.TokenParser;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code {% cache NAME [TTL [VARY...]] [admit BOOL] [tagged TAGS] %}...{% endcache %}} and
 * {@code {% cache delete NAME [VARY...] %}}.
 */
final class CacheTagParser implements TokenParser {
  private final LarderExtension extension;

  CacheTagParser(LarderExtension extension) {
    this.extension = extension;
  }

  @Override
  public String getTag() {
    return "cache";
  }

  @Override
  public RenderableNode parse(Token token, Parser parser) {
    TokenStream stream = parser.getStream();
    int line = token.getLineNumber();
    stream.next(); // the 'cache' token

    // "delete" followed by more is the delete form; alone, it is a variable naming the fragment
    boolean delete = stream.current().test(Token.Type.NAME, "delete")
        && !stream.peek().test(Token.Type.EXECUTE_END);
    if (delete) {
      stream.next();
    }
    Expression<?> name = parser.getExpressionParser().parseExpression();
    List<Expression<?>> rest = new ArrayList<>();
    Expression<?> tags = null;
    Expression<?> admit = null;
    while (!stream.current().test(Token.Type.EXECUTE_END)) {
      if (stream.current().test(Token.Type.NAME, "admit") && admit == null) {
        stream.next();
        admit = parser.getExpressionParser().parseExpression();
        continue;
      }
      if (stream.current().test(Token.Type.NAME, "tagged")) {
        stream.next();
        tags = parser.getExpressionParser().parseExpression();
        if (!stream.current().test(Token.Type.EXECUTE_END)) {
          throw new ParserException(null, "'tagged' and its tags must come last in {% cache %}",
              stream.current().getLineNumber(), stream.getFilename());
        }
        break;
      }
      rest.add(parser.getExpressionParser().parseExpression());
    }
    stream.expect(Token.Type.EXECUTE_END);

    if (delete) {
      return new FragmentNode(line, extension, name, null, rest, tags, null, null);
    }
    Expression<?> ttl = rest.isEmpty() ? null : rest.remove(0);
    BodyNode body = parser.subparse(t -> t.test(Token.Type.NAME, "endcache"));
    stream.next(); // the 'endcache' token
    stream.expect(Token.Type.EXECUTE_END);
    return new FragmentNode(line, extension, name, ttl, rest, tags, admit, body);
  }
}
