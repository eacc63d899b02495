package io.larder.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A loopback relay in front of a real memcached that counts the commands passing through it:
 * each command by name ({@code "mg"}, {@code "ms"}, {@code "mn"}, {@code "get"}, ...),
 * {@code "quiet"} for meta commands with the {@code q} flag, and {@code "getKeys"} for the keys
 * of classic {@code get}/{@code gets} lines, and {@code "turns"} for round trips: on each
 * relayed connection, a turn begins when client bytes arrive after the server answered a
 * request the client had finished, that is when the client's previous bytes ended with a
 * whole command it waits for (not quiet, its data block complete) and server bytes went down
 * since (a client that waited for an answer before it wrote again); it is counted once, at
 * its first data command. Bytes that continue a command, or follow a quiet one, continue the
 * turn even if the server answered the commands before them: TCP may hand a large write (a
 * {@code get} line of many keys, a {@code setMany} of 100 kB) over in pieces, and the server
 * answers the first piece's hits while the rest is on its way. Only a piece that ends exactly
 * at the end of a command the client waits for, in the middle of its write, cannot be told
 * from a client that waited, and counts as a turn. A connection's opening
 * {@code version} is not a data command, and neither is the read of a namespace generation
 * ({@code ma ~@…}, counted as {@code "generationReads"}): the client caches generations for
 * {@code namespaceCache} and reads one ahead of a call when it has none. memcached itself counts keys read and written ({@code stats})
 * but not meta commands, batches or round trips; the tap tells one request from a request per
 * key, or per line. Point the store at {@link #port()}:
 *
 * <pre>{@code
 * MemcachedTap tap = MemcachedTap.start(server);
 * Store store = MemcachedStores.builder(tap.host(), tap.port()).build();
 * }</pre>
 *
 * <p>A command is counted before its bytes go on to the server, so by the time the client has
 * a reply the command is counted. Thread-safe; {@link #close()} drops every relayed
 * connection.
 */
public final class MemcachedTap implements AutoCloseable {
  private static final Set<String> STORAGE = Set.of("set", "add", "replace", "append", "prepend",
      "cas");
  /**
   * Classic commands other than {@link #STORAGE} ones that take {@code noreply} as their last
   * token; on the rest (a {@code get} line above all) a last token spelled so is a key.
   */
  private static final Set<String> ALSO_NOREPLY = Set.of("delete", "incr", "decr", "touch",
      "flush_all", "verbosity");
  /** Commands that read or write no item: they do not make a turn. */
  private static final Set<String> NOT_DATA = Set.of("version", "stats", "verbosity", "quit");

  private final MemcachedServer server;
  private final LoopbackRelay relay;
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  private MemcachedTap(MemcachedServer server, LoopbackRelay relay) {
    this.server = server;
    this.relay = relay;
  }

  /**
   * Starts a tap on a free loopback port in front of {@code server}.
   *
   * @param server the memcached to relay to
   * @return the running tap
   * @throws IllegalStateException if no loopback port can be bound
   */
  public static MemcachedTap start(MemcachedServer server) {
    MemcachedTap tap = new MemcachedTap(server,
        LoopbackRelay.bind("memcached-tap", server.host(), server.port()));
    tap.relay.accept(tap::pipes);
    return tap;
  }

  /**
   * Returns the host the tap listens on.
   *
   * @return always {@code "127.0.0.1"}
   */
  public String host() {
    return TestServer.HOST;
  }

  /**
   * Returns the port to point the store at.
   *
   * @return the tap's port
   */
  public int port() {
    return relay.port();
  }

  /**
   * Returns the server behind the tap.
   *
   * @return the server
   */
  public MemcachedServer server() {
    return server;
  }

  /**
   * Returns the commands counted so far.
   *
   * @return the counts by command name, {@code "quiet"}, {@code "getKeys"}, {@code "turns"}
   *     and {@code "generationReads"}
   */
  public RequestCounts counts() {
    Map<String, Long> snapshot = new TreeMap<>();
    counts.forEach((name, n) -> snapshot.put(name, n.sum()));
    return RequestCounts.of(snapshot);
  }

  /**
   * Reads the server's own {@code stats} counters ({@code cmd_get}, {@code get_hits},
   * {@code cmd_set}, ...) over a connection that bypasses the tap.
   *
   * @return the numeric stats, each under its own name
   * @throws IllegalStateException if the server cannot be reached
   */
  public RequestCounts serverStats() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(server.host(), server.port()), 5_000);
      s.setSoTimeout(5_000);
      s.getOutputStream().write("stats\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = new java.io.BufferedInputStream(s.getInputStream());
      Map<String, Long> stats = new TreeMap<>();
      for (String line = Lines.read(in); !line.equals("END"); line = Lines.read(in)) {
        String[] parts = line.split(" ");
        if (parts.length == 3 && parts[0].equals("STAT") && parts[2].matches("\\d+")) {
          stats.put(parts[1], Long.parseLong(parts[2]));
        }
      }
      return RequestCounts.of(stats);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read stats from memcached " + server, e);
    }
  }

  /** Stops listening and drops every relayed connection. Idempotent. */
  @Override
  public void close() {
    relay.close();
  }

  @Override
  public String toString() {
    return "MemcachedTap[" + port() + " -> " + server + "]";
  }

  /** Relays one connection: the client's bytes up, counted, and the server's down. */
  private void pipes(Socket client, Socket upstream) {
    AtomicBoolean answered = new AtomicBoolean(true); // the first bytes begin a turn
    copy("up", client, upstream, answered);
    copy("down", upstream, client, answered);
  }

  /**
   * Copies one direction of a relayed connection. Up, it counts the commands, and a turn when
   * {@code answered} says server bytes went down since the client's previous bytes and those
   * ended a request the client waits for; down, it sets {@code answered} before it passes the
   * bytes on.
   */
  private void copy(String direction, Socket from, Socket to, AtomicBoolean answered) {
    boolean up = direction.equals("up");
    LoopbackRelay.daemon(relay.threadName(direction), () -> {
      CommandCounter counter = up ? new CommandCounter() : null;
      byte[] buf = new byte[256 * 1024];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (counter != null) {
            // what the client wrote at once may arrive in parts: take all there is
            for (int more; n < buf.length && (more = in.available()) > 0; ) {
              n += in.read(buf, n, Math.min(more, buf.length - n));
            }
            counter.feed(buf, n, answered.getAndSet(false));
          } else {
            // before the client can have the reply: a client that read it and wrote again
            // always finds it set
            answered.set(true);
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed: close the other too
      } finally {
        relay.drop(from, to);
      }
    });
  }

  private void count(String name) {
    counts.computeIfAbsent(name, k -> new LongAdder()).increment();
  }

  /** Splits the client's byte stream into command lines, skipping the data blocks of stores. */
  private final class CommandCounter {
    private final StringBuilder line = new StringBuilder();
    private long skip;
    /** Whether the current turn has had a data command (and so was counted). */
    private boolean turnCounted;
    /** Whether the last whole command was one the client waits for: not quiet. */
    private boolean lastAnswered = true;

    /**
     * Counts the commands in the client's next bytes.
     *
     * @param answered whether server bytes went down since the client's previous bytes
     */
    void feed(byte[] buf, int n, boolean answered) {
      if (answered && waiting()) {
        turnCounted = false;
      }
      for (int i = 0; i < n; i++) {
        if (skip > 0) {
          long take = Math.min(skip, n - i);
          skip -= take;
          i += (int) take - 1;
          continue;
        }
        char c = (char) (buf[i] & 0xFF);
        if (c == '\n') {
          command(line.toString().strip());
          line.setLength(0);
        } else {
          line.append(c);
        }
      }
    }

    /**
     * Tells whether the client's bytes so far end with a whole request it waits for an answer
     * to: no command or data block half-sent, and the last command not quiet.
     */
    private boolean waiting() {
      return skip == 0 && line.length() == 0 && lastAnswered;
    }

    private void command(String text) {
      if (text.isEmpty()) {
        return;
      }
      String[] tokens = text.split(" ");
      String verb = tokens[0];
      count(verb);
      boolean quiet = false;
      boolean generation = verb.equals("ma") && tokens.length > 1 && tokens[1].startsWith("~@");
      if (generation) {
        count("generationReads");
      } else if (!turnCounted && !NOT_DATA.contains(verb)) {
        turnCounted = true;
        count("turns");
      }
      if (verb.equals("get") || verb.equals("gets")) {
        counts.computeIfAbsent("getKeys", k -> new LongAdder()).add(tokens.length - 1L);
      }
      if (verb.length() == 2 && verb.charAt(0) == 'm') {
        for (int t = 2; t < tokens.length; t++) {
          if (tokens[t].equals("q")) {
            count("quiet");
            quiet = true;
          }
        }
      }
      // a classic command with noreply is answered only when it fails, as a quiet meta one
      lastAnswered = !quiet && !(tokens.length > 1 && tokens[tokens.length - 1].equals("noreply")
          && (STORAGE.contains(verb) || ALSO_NOREPLY.contains(verb)));
      // a data block follows: ms <key> <datalen> ... and set <key> <flags> <exptime> <bytes>
      if (verb.equals("ms") && tokens.length > 2) {
        skip = Long.parseLong(tokens[2]) + 2;
      } else if (STORAGE.contains(verb) && tokens.length > 4) {
        skip = Long.parseLong(tokens[4]) + 2;
      }
    }
  }
}
