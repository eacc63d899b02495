package io.larder.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out loopback TCP ports that were free a moment ago.
 *
 * <p>A port is found by binding {@code 127.0.0.1:0} and closing the socket again, so another
 * process may take it before the server does; callers retry on "address already in use". Ports
 * handed out and not yet released are remembered, so that two launchers in one JVM never get
 * the same port, and a readiness probe never mistakes a neighbour's server for its own.
 */
final class FreePorts {
  /** 127.0.0.1, spelled out: {@code getLoopbackAddress()} may answer ::1. */
  static final InetAddress LOOPBACK = loopback();

  // JVM-wide on purpose: the ports are a JVM-wide (indeed machine-wide) resource.
  private static final Set<Integer> RESERVED = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError("a 4-byte address is always valid", e);
    }
  }

  /**
   * Reserves {@code count} distinct free loopback ports.
   *
   * @throws UncheckedIOException if no loopback socket can be bound at all
   * @throws IllegalStateException if every port offered is already reserved in this JVM
   */
  static int[] reserve(int count) {
    List<ServerSocket> open = new ArrayList<>();
    int[] ports = new int[count];
    try {
      int found = 0;
      // Holding all sockets open until the end keeps the ports of one call distinct.
      for (int tries = 0; found < count; tries++) {
        if (tries > 100) {
          throw new IllegalStateException("no free loopback port after 100 tries");
        }
        ServerSocket socket = new ServerSocket();
        open.add(socket);
        socket.bind(new InetSocketAddress(LOOPBACK, 0));
        int port = socket.getLocalPort();
        if (RESERVED.add(port)) {
          ports[found++] = port;
        }
      }
      return ports;
    } catch (IOException e) {
      release(ports);
      throw new UncheckedIOException("cannot bind a socket on " + LOOPBACK.getHostAddress(), e);
    } finally {
      for (ServerSocket socket : open) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // Closing an unconnected listening socket does not fail in practice.
        }
      }
    }
  }

  /**
   * Reserves {@code count} distinct free loopback ports no higher than {@code maxPort}, for
   * servers that refuse high ports (Kyoto Tycoon takes at most 32767). Linux hands out
   * ephemeral ports from 32768 up, so a bounded port is drawn at random from 10000 to
   * {@code maxPort} and kept if it can be bound.
   *
   * @throws IllegalArgumentException if {@code maxPort} is below 10000
   * @throws IllegalStateException if no free port is found in 1,000 tries
   */
  static int[] reserve(int count, int maxPort) {
    if (maxPort >= 65_535) {
      return reserve(count);
    }
    if (maxPort < 10_000) {
      throw new IllegalArgumentException("maxPort must be 10000 or more, was " + maxPort);
    }
    int[] ports = new int[count];
    int found = 0;
    for (int tries = 0; found < count; tries++) {
      if (tries > 1_000) {
        release(ports);
        throw new IllegalStateException("no free loopback port up to " + maxPort
            + " after 1000 tries");
      }
      int port = ThreadLocalRandom.current().nextInt(10_000, maxPort + 1);
      if (RESERVED.add(port)) {
        if (bindable(port)) {
          ports[found++] = port;
        } else {
          RESERVED.remove(port);
        }
      }
    }
    return ports;
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(LOOPBACK, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Returns ports from {@link #reserve} so they may be handed out again; zeros are ignored. */
  static void release(int... ports) {
    for (int port : ports) {
      if (port != 0) {
        RESERVED.remove(port);
      }
    }
  }
}
