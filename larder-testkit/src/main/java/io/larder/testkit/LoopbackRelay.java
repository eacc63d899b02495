package io.larder.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The plumbing {@link ReplyRelay} and {@link MemcachedTap} share: a listener on a free loopback
 * port that, for each client it accepts, connects to one server and hands both sockets to the
 * owner's {@link Pipes}, which moves the bytes on threads of its own. It keeps every relayed
 * socket so that {@link #close()} drops them all; a server that is down makes the client's
 * connection drop, as it would without the relay. Thread-safe.
 */
final class LoopbackRelay implements AutoCloseable {
  /** Moves the bytes of one relayed connection, on threads it starts itself. */
  @FunctionalInterface
  interface Pipes {
    /**
     * Starts moving bytes between the client and the server; called on the accepting thread.
     *
     * @param client the accepted client socket
     * @param upstream the socket connected to the server
     */
    void start(Socket client, Socket upstream);
  }

  private final String name;
  private final String targetHost;
  private final int targetPort;
  private final ServerSocket listener;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private LoopbackRelay(String name, String targetHost, int targetPort, ServerSocket listener) {
    this.name = name;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.listener = listener;
  }

  /**
   * Binds a free loopback port; {@link #accept} then starts taking clients.
   *
   * @param name the prefix of its threads' names, for example {@code "memcached-tap"}
   * @param targetHost the server's host
   * @param targetPort the server's port
   * @return the bound relay
   * @throws IllegalStateException if no loopback port can be bound
   */
  static LoopbackRelay bind(String name, String targetHost, int targetPort) {
    try {
      ServerSocket listener = new ServerSocket();
      listener.bind(new InetSocketAddress(FreePorts.LOOPBACK, 0));
      return new LoopbackRelay(name, targetHost, targetPort, listener);
    } catch (IOException e) {
      throw new IllegalStateException("cannot bind a loopback port for a " + name, e);
    }
  }

  /**
   * Starts accepting clients on a daemon thread, each connection's bytes moved by {@code pipes}.
   * Called once.
   *
   * @param pipes what moves each connection's bytes
   */
  void accept(Pipes pipes) {
    daemon(threadName(), () -> acceptLoop(pipes));
  }

  /** Returns the port clients connect to. */
  int port() {
    return listener.getLocalPort();
  }

  /** Returns whether {@link #close()} ran. */
  boolean isClosed() {
    return closed;
  }

  /**
   * Returns a name for a thread of this relay: its prefix, its port and the parts given.
   *
   * @param parts what the thread does, for example {@code "up"}
   * @return the name
   */
  String threadName(Object... parts) {
    StringBuilder b = new StringBuilder(name).append('-').append(port());
    for (Object part : parts) {
      b.append('-').append(part);
    }
    return b.toString();
  }

  /** Closes both sockets of a relayed connection and forgets them. */
  void drop(Socket client, Socket upstream) {
    closeQuietly(client);
    closeQuietly(upstream);
    sockets.remove(client);
    sockets.remove(upstream);
  }

  /** Stops listening and drops every relayed connection. Idempotent. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(listener);
    sockets.forEach(LoopbackRelay::closeQuietly);
    sockets.clear();
  }

  /**
   * Starts a daemon thread.
   *
   * @param name its name
   * @param body what it runs
   */
  static void daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
  }

  private void acceptLoop(Pipes pipes) {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        closeQuietly(listener); // closed, or broken: either way no more clients
        return;
      }
      Socket upstream = new Socket();
      sockets.add(client);
      sockets.add(upstream);
      if (closed) { // close() ran between accept and add: it did not see these two
        drop(client, upstream);
        return;
      }
      try {
        upstream.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
      } catch (IOException e) {
        drop(client, upstream); // the server is down: the client sees its connection dropped
        continue;
      }
      pipes.start(client, upstream);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing is best effort
    }
  }
}
