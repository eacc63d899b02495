package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.StoreUrl;
import io.larder.testkit.RedisServer;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The caller-thread connection's timing when a batch is slow: a caller leading a batch held up
 * by a stopped server (SIGSTOP), callers queued behind it, and what each of them gets.
 */
class DirectConnectionIT {
  private static RedisServer redis;
  private static String pid;
  private DirectConnection connection;

  @BeforeAll
  static void startServer() throws Exception {
    redis = RedisServer.start();
    DirectConnection c = new DirectConnection(config(), ForkJoinPool.commonPool());
    c.connect();
    String info = new String((byte[]) c.run(far(), List.<byte[][]>of(command("INFO", "server"))).get(0),
        StandardCharsets.UTF_8);
    c.close();
    pid = info.lines().filter(l -> l.startsWith("process_id:")).findFirst().orElseThrow()
        .substring("process_id:".length()).trim();
  }

  @AfterAll
  static void stopServer() {
    redis.close();
  }

  @BeforeEach
  void open() {
    connection = new DirectConnection(config(), ForkJoinPool.commonPool());
    connection.connect();
  }

  @AfterEach
  void close() throws Exception {
    signal("CONT");
    connection.close();
  }

  @Test
  void aNearlyExpiredCallerInABatchDoesNotFailTheOthers() throws Exception {
    CompletableFuture<Object> leader;
    CompletableFuture<Object> nearlyExpired;
    CompletableFuture<Object> blocking;
    signal("STOP");
    try {
      leader = call(far(), "GET", "a");
      await(connection::busy);
      nearlyExpired = call(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500), "GET", "b");
      await(() -> connection.queued() == 1);
      // answered after a second, well within its own deadline, but after the other's
      blocking = call(far(), "BLPOP", "absent", "1");
      await(() -> connection.queued() == 2);
    } finally {
      signal("CONT");
    }
    assertThat(leader.get()).isEqualTo(single(null));
    nearlyExpired.handle((r, e) -> r).get(); // its value or its timeout: either is right
    assertThat(blocking.get()).as("not failed by the other caller's deadline")
        .isEqualTo(single(null));
    assertThat(connection.connected()).as("the connection was not dropped").isTrue();
  }

  @Test
  void closeReleasesQueuedCallersAtOnce() throws Exception {
    CompletableFuture<Object> leader;
    CompletableFuture<Object> queued;
    signal("STOP");
    try {
      leader = call(System.nanoTime() + TimeUnit.SECONDS.toNanos(20), "GET", "a");
      await(connection::busy);
      queued = call(far(), "GET", "b");
      await(() -> connection.queued() == 1);
      CompletableFuture.runAsync(connection::close);
      assertThat(queued.get()).as("told to go through Lettuce").isEqualTo("unavailable");
      assertThat(leader).as("released before the leader's batch is answered").isNotDone();
    } finally {
      signal("CONT");
    }
    leader.handle((r, e) -> r).get();
  }

  @Test
  void anInterruptedQueuedCallerGivesUpAtOnceAndKeepsItsFlag() throws Exception {
    CompletableFuture<Object> leader;
    AtomicReference<String> outcome = new AtomicReference<>();
    signal("STOP");
    try {
      leader = call(System.nanoTime() + TimeUnit.SECONDS.toNanos(20), "GET", "a");
      await(connection::busy);
      Thread queued = new Thread(() -> {
        try {
          connection.run(far(), List.<byte[][]>of(command("GET", "b")));
          outcome.set("returned");
        } catch (InterruptedIOException e) {
          outcome.set(e.getMessage() + ", interrupted " + Thread.currentThread().isInterrupted());
        } catch (Exception e) {
          outcome.set(e.toString());
        }
      });
      queued.start();
      await(() -> connection.queued() == 1);
      queued.interrupt();
      queued.join();
      assertThat(outcome.get()).isEqualTo("interrupted while waiting for Redis, interrupted true");
      assertThat(leader).as("left before the leader's batch is answered").isNotDone();
    } finally {
      signal("CONT");
    }
    assertThat(leader.get()).isEqualTo(single(null));
    assertThat(connection.run(far(), List.<byte[][]>of(command("GET", "b")))).isEqualTo(single(null));
  }

  /** Runs one command on its own thread; the future holds "unavailable" for a null answer. */
  private CompletableFuture<Object> call(long deadline, String... args) {
    CompletableFuture<Object> reply = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        List<Object> replies = connection.run(deadline, List.<byte[][]>of(command(args)));
        reply.complete(replies == null ? "unavailable" : replies);
      } catch (Throwable e) {
        reply.completeExceptionally(e);
      }
    });
    t.setDaemon(true);
    t.start();
    return reply;
  }

  /** Waits (yielding, no sleep) until another thread has reached the state a test needs. */
  private static void await(BooleanSupplier condition) {
    while (!condition.getAsBoolean()) {
      Thread.yield();
    }
  }

  private static void signal(String name) throws Exception {
    assertThat(new ProcessBuilder("kill", "-" + name, pid).start().waitFor()).isZero();
  }

  private static List<Object> single(Object reply) {
    List<Object> list = new ArrayList<>();
    list.add(reply);
    return list;
  }

  private static long far() {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
  }

  private static byte[][] command(String... args) {
    byte[][] bytes = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    return bytes;
  }

  private static RedisConfig config() {
    return RedisConfig.parse(StoreUrl.parse(redis.url()));
  }
}
