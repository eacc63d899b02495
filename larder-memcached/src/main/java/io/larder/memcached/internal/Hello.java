package io.larder.memcached.internal;

import io.larder.CacheConnectionException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The opening exchange on a new connection: {@code version} (which also tells whether the
 * server wants ASCII authentication), the authentication {@code set} if it does, then
 * {@code stats settings} for the item size limit and {@code stats} for the server's clock.
 *
 * <p>Credentials are sent only to a server that asked for them by answering {@code version}
 * with {@code CLIENT_ERROR unauthenticated}: to a server without {@code -Y} the
 * authentication {@code set} would be an ordinary write of the password under a key.
 */
final class Hello {
  private Hello() {}

  /**
   * Starts the exchange on a connected channel; runs on its event loop.
   *
   * @return the server's description, or a failure naming the problem
   */
  static CompletableFuture<ServerInfo> start(Channel ch, String server, byte[] credentials) {
    Request version = line("version");
    ch.writeAndFlush(version);
    return version.result().thenCompose(replies -> {
      String answer = replies.get(0).toString();
      if (!(answer.startsWith("CLIENT_ERROR") && answer.contains("unauthenticated"))) {
        checkVersion(server, answer);
        return describe(ch, versionOf(answer));
      }
      if (credentials == null) {
        throw new CacheConnectionException("memcached " + server + " requires authentication "
            + "(-Y); give a user and password: memcached://user:password@" + server);
      }
      // memcached drops whatever an unauthenticated connection pipelines after a command, so
      // the authentication goes alone
      ByteBuf buf = Connection.buffer(64);
      MetaCommands.authenticate(buf, credentials);
      Request auth = Request.counted("authentication", buf, 1);
      ch.writeAndFlush(auth);
      return auth.result().thenCompose(authReplies -> {
        String result = authReplies.get(0).toString();
        if (!result.equals("STORED")) {
          throw new CacheConnectionException("memcached " + server
              + " refused the user name or password: " + result);
        }
        Request again = line("version");
        ch.writeAndFlush(again);
        return again.result().thenCompose(versionReplies -> {
          String v = versionReplies.get(0).toString();
          checkVersion(server, v);
          return describe(ch, versionOf(v));
        });
      });
    });
  }

  /** Asks for the item size limit and the server's clock, in one round trip. */
  private static CompletableFuture<ServerInfo> describe(Channel ch, String version) {
    Request settings = stats("stats settings");
    Request stats = stats("stats");
    ch.write(settings);
    ch.writeAndFlush(stats);
    return stats.result().thenCombine(settings.result(), (general, limits) ->
        info(version, limits, general, System.currentTimeMillis()));
  }

  private static Request line(String command) {
    ByteBuf buf = Connection.buffer(16);
    MetaCommands.line(buf, command);
    return Request.counted(command, buf, 1);
  }

  private static Request stats(String command) {
    ByteBuf buf = Connection.buffer(16);
    MetaCommands.line(buf, command);
    return Request.stats(command, buf);
  }

  /**
   * Checks a {@code VERSION x.y.z} answer: the meta protocol needs memcached 1.6.
   *
   * @throws CacheConnectionException if the answer is something else or the version older
   */
  static void checkVersion(String server, String answer) {
    if (!answer.startsWith("VERSION ")) {
      throw new CacheConnectionException("memcached " + server
          + " did not answer 'version' as memcached does: " + answer);
    }
    String version = versionOf(answer);
    String[] parts = version.split("[.-]");
    try {
      int major = Integer.parseInt(parts[0]);
      int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      if (major < 1 || (major == 1 && minor < 6)) {
        throw new CacheConnectionException("memcached " + server + " is version " + version
            + "; Larder speaks the meta protocol, which needs memcached 1.6 or later");
      }
    } catch (NumberFormatException e) {
      // a proxy or fork with its own numbering: let the meta commands speak for themselves
    }
  }

  private static String versionOf(String answer) {
    return answer.startsWith("VERSION ") ? answer.substring("VERSION ".length()).trim() : "?";
  }

  /** Builds the server description from {@code stats settings} and {@code stats} lines. */
  static ServerInfo info(String version, List<Reply> settings, List<Reply> stats,
      long nowMillis) {
    long itemSizeMax = ServerInfo.DEFAULT_ITEM_SIZE_MAX;
    String size = stat(settings, "item_size_max");
    if (size != null) {
      try {
        itemSizeMax = Long.parseLong(size);
      } catch (NumberFormatException e) {
        // keep the default
      }
    }
    long offset = 0;
    String time = stat(stats, "time");
    if (time != null) {
      try {
        offset = Long.parseLong(time) - Math.floorDiv(nowMillis, 1000);
      } catch (NumberFormatException e) {
        // assume the clocks agree
      }
    }
    return new ServerInfo(version, itemSizeMax, offset);
  }

  /** The value of {@code STAT name value} among {@code lines}, or null if none. */
  static String stat(List<Reply> lines, String name) {
    String prefix = "STAT " + name + " ";
    for (Reply r : lines) {
      if (r.text != null && r.text.startsWith(prefix)) {
        return r.text.substring(prefix.length()).trim();
      }
    }
    return null;
  }
}
