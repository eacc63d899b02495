package io.larder.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback TCP relay in front of a server that passes requests on at once and can hold back
 * the replies: each reply chunk is passed on a fixed delay after it left the server (an added
 * round-trip latency the same for every client), and, while {@link #holdReplies held}, only
 * once a shared gate is open. Several relays sharing one gate hold every server's replies until
 * every server has received a request: a client that sends one server its request only after
 * another server's reply then never gets that reply.
 *
 * <pre>{@code
 * CountDownLatch everyoneAsked = new CountDownLatch(2);
 * relayA.holdReplies(everyoneAsked);
 * relayB.holdReplies(everyoneAsked);
 * pool.getMany(keysOnBoth);   // answered only if both requests went out before any reply was read
 * }</pre>
 *
 * <p>Each relayed connection uses three daemon threads. Thread-safe; {@link #close()} stops
 * listening and drops every relayed connection.
 */
public final class ReplyRelay implements AutoCloseable {
  private static final byte[] STOP = new byte[0];

  private final String targetHost;
  private final int targetPort;
  private final long delayNanos;
  private final LoopbackRelay relay;
  /** Counted down by the first request bytes after {@link #holdReplies}, then cleared. */
  private final AtomicReference<CountDownLatch> toCount = new AtomicReference<>();
  /** Replies wait until this opens; {@code null} when not held. */
  private volatile CountDownLatch gate;

  private ReplyRelay(String targetHost, int targetPort, Duration replyDelay,
      LoopbackRelay relay) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.delayNanos = replyDelay.toNanos();
    this.relay = relay;
  }

  /**
   * Starts a relay on a free loopback port in front of a server.
   *
   * @param targetHost the server's host, a loopback address
   * @param targetPort the server's port
   * @param replyDelay how long each reply chunk is held after it left the server; zero for none
   * @return the running relay
   * @throws NullPointerException if {@code targetHost} or {@code replyDelay} is null
   * @throws IllegalArgumentException if {@code replyDelay} is negative, or {@code targetHost}
   *     is not a loopback address (tests never reach outside the machine)
   * @throws IllegalStateException if no loopback port can be bound
   */
  public static ReplyRelay start(String targetHost, int targetPort, Duration replyDelay) {
    Objects.requireNonNull(targetHost, "targetHost");
    Objects.requireNonNull(replyDelay, "replyDelay");
    if (replyDelay.isNegative()) {
      throw new IllegalArgumentException("replyDelay must not be negative, was " + replyDelay);
    }
    if (!isLoopback(targetHost)) {
      throw new IllegalArgumentException("targetHost must be a loopback address, was "
          + targetHost);
    }
    ReplyRelay started = new ReplyRelay(targetHost, targetPort, replyDelay,
        LoopbackRelay.bind("reply-relay", targetHost, targetPort));
    started.relay.accept(started::pipes);
    return started;
  }

  /**
   * Starts a relay on a free loopback port in front of a test server.
   *
   * @param server the server to relay to
   * @param replyDelay how long each reply chunk is held after it left the server; zero for none
   * @return the running relay
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code replyDelay} is negative, or the server's host is
   *     not a loopback address
   * @throws IllegalStateException if no loopback port can be bound
   */
  public static ReplyRelay start(TestServer server, Duration replyDelay) {
    Objects.requireNonNull(server, "server");
    return start(server.host(), server.port(), replyDelay);
  }

  /**
   * Returns the host the relay listens on.
   *
   * @return always {@code "127.0.0.1"}
   */
  public String host() {
    return TestServer.HOST;
  }

  /**
   * Returns the port to point the client at.
   *
   * @return the relay's port
   */
  public int port() {
    return relay.port();
  }

  /**
   * From now on, counts {@code gate} down once when the next request bytes arrive (on any of
   * this relay's connections), and holds every reply until {@code gate} is open.
   *
   * @param gate the gate, shared by the relays that must all be asked before any answers
   * @throws NullPointerException if {@code gate} is null
   */
  public void holdReplies(CountDownLatch gate) {
    Objects.requireNonNull(gate, "gate");
    this.gate = gate;
    toCount.set(gate);
  }

  /** Stops holding replies: those held so far go on, and the ones after them at once. */
  public void release() {
    toCount.set(null);
    gate = null;
  }

  /** Stops listening and drops every relayed connection. Idempotent. */
  @Override
  public void close() {
    relay.close();
    release();
  }

  @Override
  public String toString() {
    return "ReplyRelay[" + port() + " -> " + targetHost + ":" + targetPort + "]";
  }

  /** Relays one connection: requests on at once, replies through a queue that holds them. */
  private void pipes(Socket client, Socket upstream) {
    BlockingQueue<Chunk> replies = new LinkedBlockingQueue<>();
    int clientPort = client.getPort();
    LoopbackRelay.daemon(relay.threadName(clientPort, "requests"),
        () -> requests(client, upstream));
    LoopbackRelay.daemon(relay.threadName(clientPort, "replies-in"),
        () -> repliesIn(upstream, client, replies));
    LoopbackRelay.daemon(relay.threadName(clientPort, "replies-out"),
        () -> repliesOut(client, upstream, replies));
  }

  /**
   * Passes requests on as they come. When the client is done sending, so is the relay: the
   * server still answers what it got, and {@link #repliesOut} closes both sockets once those
   * replies are passed on.
   */
  private void requests(Socket client, Socket upstream) {
    byte[] buf = new byte[64 * 1024];
    try {
      InputStream in = client.getInputStream();
      OutputStream out = upstream.getOutputStream();
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
        out.flush();
        CountDownLatch count = toCount.getAndSet(null);
        if (count != null) {
          count.countDown();
        }
      }
      upstream.shutdownOutput();
    } catch (IOException e) {
      relay.drop(client, upstream); // a reset, or a socket closed: nothing more gets through
    }
  }

  /** Reads replies as they leave the server and stamps them for {@link #repliesOut}. */
  private void repliesIn(Socket upstream, Socket client, BlockingQueue<Chunk> replies) {
    byte[] buf = new byte[64 * 1024];
    try {
      InputStream in = upstream.getInputStream();
      for (int n; (n = in.read(buf)) >= 0; ) {
        replies.add(new Chunk(System.nanoTime(), Arrays.copyOf(buf, n)));
      }
    } catch (IOException e) {
      // closed; repliesOut stops at the STOP, or already has on a closed client
    } finally {
      // the replies queued so far still go out, the last one (say "ERROR Too many open
      // connections" before memcached hangs up) included; repliesOut then closes both
      replies.add(new Chunk(0, STOP));
    }
  }

  /**
   * Passes each reply chunk on once its delay has passed and the gate, if any, is open; at the
   * server's end of the stream, after the last chunk, closes both sockets.
   */
  private void repliesOut(Socket client, Socket upstream, BlockingQueue<Chunk> replies) {
    try {
      OutputStream out = client.getOutputStream();
      while (true) {
        Chunk chunk = replies.take();
        if (chunk.bytes == STOP) {
          return;
        }
        for (CountDownLatch g = gate; g != null && !relay.isClosed(); g = gate) {
          if (g.await(10, TimeUnit.MILLISECONDS)) {
            break;
          }
        }
        for (long left; (left = chunk.receivedNanos + delayNanos - System.nanoTime()) > 0; ) {
          LockSupport.parkNanos(left);
        }
        out.write(chunk.bytes);
        out.flush();
      }
    } catch (IOException e) {
      // one side closed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      relay.drop(client, upstream);
    }
  }

  private record Chunk(long receivedNanos, byte[] bytes) {}

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
