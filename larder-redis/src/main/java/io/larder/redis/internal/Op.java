package io.larder.redis.internal;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.util.function.Supplier;

/**
 * One Redis command to send: its type, arguments, a fresh output for each attempt, and the key
 * that routes it to a cluster node (or {@code null} for keyless commands).
 *
 * @param type the command
 * @param args its arguments, encoded again for a retry
 * @param output makes the output that decodes the reply
 * @param routingKey the key whose slot picks the node, or {@code null}
 * @param onNoScript for {@code EVALSHA}, the {@code EVAL} to send if the server does not know
 *     the script; otherwise {@code null}
 * @param <T> the reply's type
 */
record Op<T>(
    CommandType type,
    CommandArgs<byte[], byte[]> args,
    Supplier<CommandOutput<byte[], byte[], T>> output,
    byte[] routingKey,
    Op<T> onNoScript) {

  /**
   * Creates a command with no fallback.
   *
   * @param type the command
   * @param args its arguments
   * @param output makes the output that decodes the reply
   * @param routingKey the key whose slot picks the node, or {@code null}
   */
  Op(CommandType type, CommandArgs<byte[], byte[]> args,
      Supplier<CommandOutput<byte[], byte[], T>> output, byte[] routingKey) {
    this(type, args, output, routingKey, null);
  }

  /**
   * Runs a script by its SHA-1, with the full source as the fallback.
   *
   * @param script the script
   * @param keys its keys, all in one cluster slot
   * @param args its arguments
   * @param output makes the output that decodes the reply
   * @param <T> the reply's type
   * @return the {@code EVALSHA} command
   */
  static <T> Op<T> script(Script script, java.util.List<byte[]> keys,
      java.util.List<byte[]> args, Supplier<CommandOutput<byte[], byte[], T>> output) {
    CommandArgs<byte[], byte[]> bySha = newArgs().add(script.sha1());
    CommandArgs<byte[], byte[]> bySource = newArgs().add(script.source());
    for (CommandArgs<byte[], byte[]> a : java.util.List.of(bySha, bySource)) {
      a.add(keys.size());
      for (byte[] k : keys) {
        a.addKey(k);
      }
      for (byte[] arg : args) {
        a.addValue(arg);
      }
    }
    Op<T> eval = new Op<>(CommandType.EVAL, bySource, output, keys.get(0));
    return new Op<>(CommandType.EVALSHA, bySha, output, keys.get(0), eval);
  }

  /** Creates arguments for commands of this store. */
  static CommandArgs<byte[], byte[]> newArgs() {
    return new CommandArgs<>(ByteArrayCodec.INSTANCE);
  }

  /**
   * Makes a new command for one attempt.
   *
   * @return a command whose future completes with the reply
   */
  AsyncCommand<byte[], byte[], T> command() {
    return new AsyncCommand<>(new Command<>(type, output.get(), args));
  }

  /**
   * Describes the command for messages, without its arguments.
   *
   * @return for example {@code "MGET"}
   */
  @Override
  public String toString() {
    return type.name();
  }
}
