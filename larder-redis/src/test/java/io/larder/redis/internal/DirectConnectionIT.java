package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.redis.RedisCacheStore;
import io.larder.redis.RedisStores;
import io.larder.spi.StoreUrl;
import io.larder.testkit.RedisServer;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
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
  private DirectConnection connection;

  @BeforeAll
  static void startServer() throws Exception {
    redis = RedisServer.start();
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
    redis.resume();
    connection.close();
  }

  @Test
  void aNearlyExpiredCallerInABatchDoesNotFailTheOthers() throws Exception {
    CompletableFuture<Object> leader;
    CompletableFuture<Object> nearlyExpired;
    CompletableFuture<Object> blocking;
    redis.pause();
    try {
      leader = call(far(), "GET", "a");
      await(connection::busy);
      nearlyExpired = call(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500), "GET", "b");
      await(() -> connection.queued() == 1);
      // answered after a second, well within its own deadline, but after the other's
      blocking = call(far(), "BLPOP", "absent", "1");
      await(() -> connection.queued() == 2);
    } finally {
      redis.resume();
    }
    assertThat(leader.get()).isEqualTo(single(null));
    nearlyExpired.handle((r, e) -> r).get(); // its value or its timeout: either is right
    assertThat(blocking.get()).as("not failed by the other caller's deadline")
        .isEqualTo(single(null));
    assertThat(connection.connected()).as("the connection was not dropped").isTrue();
  }

  @Test
  void callsQueuedBehindABulkCallAreSentBeforeItsLeaderReturns() throws Exception {
    CompletableFuture<Object> leader;
    CompletableFuture<Object> queued;
    CompletableFuture<Object> queuedToo;
    redis.pause();
    try {
      leader = onItsOwnThread(() -> {
        connection.run(far(), List.<byte[][]>of(command("SET", "sent first", "1")), true);
        return connection.queued(); // at once: a queued caller woken now would not have run yet
      });
      await(connection::busy);
      queued = call(far(), "GET", "sent first");
      queuedToo = call(far(), "GET", "sent with it");
      await(() -> connection.queued() == 2);
    } finally {
      redis.resume();
    }
    assertThat(leader.get()).as("the leader sent the queued calls before it returned").isEqualTo(0);
    assertThat(text(queued.get())).as("read by a caller of that batch").isEqualTo(List.of("1"));
    assertThat(queuedToo.get()).isEqualTo(single(null));
    await(() -> !connection.busy()); // the last reader released the connection
    assertThat(text(connection.run(far(), List.<byte[][]>of(command("GET", "sent first")))))
        .isEqualTo(List.of("1"));
  }

  @Test
  void aBulkBatchsReaderSendsTheNextBulkBatchBeforeItReturnsAndHandsItOn() throws Exception {
    Caller reader = readingABlockingPop("chained", "chain list", true);
    CompletableFuture<Object> bulk = onItsOwnThread(() -> connection.run(far(),
        List.<byte[][]>of(command("MGET", "chained", "absent")), true));
    CompletableFuture<Object> small = call(far(), "GET", "chained");
    await(() -> connection.queued() == 2);
    fromAnotherClient("LPUSH", "chain list", "pushed");
    assertThat(reader.outcome.get()).as("sent the next batch, then returned")
        .isEqualTo("[[chain list, pushed]] queued 0, interrupted false");
    assertThat(text(bulk.get())).isEqualTo(List.of(Arrays.asList("1", null)));
    assertThat(text(small.get())).isEqualTo(List.of("1"));
    await(() -> !connection.busy());
    assertThat(connection.connected()).isTrue();
  }

  @Test
  void aLoneBulkCallReturnsBeforeALargeQueuedBatchIsWrittenToAStoppedServer() throws Exception {
    Caller lone = caller(far(), true, "BLPOP", "lone list", "0");
    await(connection::busy);
    byte[] large = new byte[16 << 20]; // beyond the socket buffers: the write blocks
    CompletableFuture<Object> write = onItsOwnThread(() -> connection.run(far(),
        List.<byte[][]>of(new byte[][] {DirectConnection.ascii("SET"),
            DirectConnection.ascii("large"), large}), true));
    await(() -> connection.queued() == 1);
    fromAnotherClient("LPUSH", "lone list", "pushed"); // the BLPOP's reply is written with it
    redis.pause();
    try {
      assertThat(lone.outcome.get(30, TimeUnit.SECONDS))
          .as("its replies handed out while the server is stopped, not held by the large write")
          .matches("\\[\\[lone list, pushed]] queued [01], interrupted false");
    } finally {
      redis.resume();
    }
    assertThat(write.get()).isEqualTo(single("OK"));
    connection.run(far(), List.<byte[][]>of(command("UNLINK", "large")));
  }

  @Test
  void theLiveCallerWithTheLatestDeadlineReadsAndAnInterruptedOneGivesUpAtOnce()
      throws Exception {
    CompletableFuture<Object> leader;
    Caller first;
    CompletableFuture<Object> later;
    redis.pause();
    try {
      leader = onItsOwnThread(() -> connection.run(far(),
          List.<byte[][]>of(command("SET", "read by the later", "1")), true));
      await(connection::busy);
      first = caller(far(), false, "BLPOP", "reader list", "0");
      await(() -> connection.queued() == 1);
      later = call(far() + TimeUnit.SECONDS.toNanos(30), "GET", "read by the later");
      await(() -> connection.queued() == 2);
    } finally {
      redis.resume();
    }
    assertThat(leader.get()).isEqualTo(single("OK"));
    // both sent in one batch, which the GET's caller reads: the BLPOP holds it at the server
    first.thread.interrupt();
    try {
      assertThat(first.outcome.get(30, TimeUnit.SECONDS)).as("not the reader: it gives up")
          .isEqualTo("InterruptedIOException: interrupted while waiting for Redis, interrupted true");
      assertThat(later).as("the reader, still reading").isNotDone();
    } finally {
      fromAnotherClient("LPUSH", "reader list", "pushed");
    }
    assertThat(text(later.get())).isEqualTo(List.of("1"));
    await(() -> !connection.busy());
    assertThat(connection.connected()).isTrue();
  }

  @Test
  void anInterruptedReaderReadsItsBatchAndCloseWaitsForItButReleasesTheQueuedAtOnce()
      throws Exception {
    Caller reader = readingABlockingPop("closed while read", "closing list", false);
    CompletableFuture<Object> queued = call(far(), "GET", "closed while read");
    await(() -> connection.queued() == 1);
    reader.thread.interrupt();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(connection::close);
    try {
      assertThat(queued.get()).as("told to go through Lettuce").isEqualTo("unavailable");
      assertThat(closing).as("the reader still reads its batch").isNotDone();
    } finally {
      fromAnotherClient("LPUSH", "closing list", "pushed");
    }
    assertThat(reader.outcome.get()).as("a socket read is not interrupted: it returns its value")
        .isEqualTo("[[closing list, pushed]] queued 0, interrupted true");
    closing.get();
    assertThat(connection.connected()).isFalse();
  }

  @Test
  void closeReleasesQueuedCallersAtOnce() throws Exception {
    CompletableFuture<Object> leader;
    CompletableFuture<Object> queued;
    redis.pause();
    try {
      leader = call(System.nanoTime() + TimeUnit.SECONDS.toNanos(20), "GET", "a");
      await(connection::busy);
      queued = call(far(), "GET", "b");
      await(() -> connection.queued() == 1);
      CompletableFuture.runAsync(connection::close);
      assertThat(queued.get()).as("told to go through Lettuce").isEqualTo("unavailable");
      assertThat(leader).as("released before the leader's batch is answered").isNotDone();
    } finally {
      redis.resume();
    }
    leader.handle((r, e) -> r).get();
  }

  @Test
  void anInterruptedQueuedCallerGivesUpAtOnceAndKeepsItsFlag() throws Exception {
    CompletableFuture<Object> leader;
    AtomicReference<String> outcome = new AtomicReference<>();
    redis.pause();
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
      redis.resume();
    }
    assertThat(leader.get()).isEqualTo(single(null));
    assertThat(connection.run(far(), List.<byte[][]>of(command("GET", "b")))).isEqualTo(single(null));
  }

  @Test
  void smallCallsCombineOnTheFirstConnectionAndBulkCallsTakeAFreeOne() throws Exception {
    DirectConnections pool = new DirectConnections(config(), 2);
    pool.connect();
    try {
      for (String key : List.of("pool a", "pool b", "pool c", "pool d")) {
        pool.run(far(), List.<byte[][]>of(command("SET", key, "value of " + key)), false);
      }
      DirectConnection first = pool.connection(0);
      DirectConnection second = pool.connection(1);
      CompletableFuture<Object> a;
      CompletableFuture<Object> b;
      CompletableFuture<Object> c;
      CompletableFuture<Object> d;
      redis.pause();
      try {
        a = call(pool, false, "GET", "pool a");
        await(first::busy);
        b = call(pool, false, "GET", "pool b");
        await(() -> first.queued() == 1);
        assertThat(second.busy()).as("a small call does not spread to a free connection").isFalse();
        c = call(pool, true, "MGET", "pool c", "pool a");
        await(second::busy);
        assertThat(first.queued()).as("a bulk call does not queue behind a busy one").isEqualTo(1);
        d = call(pool, true, "MGET", "pool d", "pool b");
        await(() -> second.queued() == 1);
        assertThat(first.queued()).as("all busy: the shortest queue").isEqualTo(1);
      } finally {
        redis.resume();
      }
      assertThat(text(a.get())).isEqualTo(List.of("value of pool a"));
      assertThat(text(b.get())).isEqualTo(List.of("value of pool b"));
      assertThat(text(c.get())).isEqualTo(List.of(List.of("value of pool c", "value of pool a")));
      assertThat(text(d.get())).isEqualTo(List.of(List.of("value of pool d", "value of pool b")));
      CompletableFuture<Object> e;
      redis.pause();
      try {
        e = call(pool, true, "MGET", "pool a");
        await(second::busy);
        assertThat(first.busy()).as("a bulk call leaves the first free for small ones").isFalse();
      } finally {
        redis.resume();
      }
      assertThat(text(e.get())).isEqualTo(List.of(List.of("value of pool a")));
      pool.run(far(), List.<byte[][]>of(command("UNLINK", "pool a", "pool b", "pool c", "pool d")),
          false);
    } finally {
      pool.close();
    }
    assertThat(pool.connection(0).connected()).isFalse();
    assertThat(pool.connection(1).connected()).isFalse();
  }

  @Test
  void aBulkCallQueuesOnTheSecondWhenBothAreBusyWithEmptyQueues() throws Exception {
    DirectConnections pool = new DirectConnections(config(), 2);
    pool.connect();
    try {
      List<CompletableFuture<Object>> calls;
      redis.pause();
      try {
        calls = bothBusyAndABulkCallQueued(pool);
        assertThat(pool.connection(1).queued())
            .as("a tie goes to the second, away from small calls").isEqualTo(1);
      } finally {
        redis.resume();
      }
      assertThat(calls.get(0).get()).isEqualTo(single(null));
      assertThat(calls.get(1).get()).isEqualTo(List.of(single(null)));
      assertThat(calls.get(2).get()).isEqualTo(List.of(single(null)));
    } finally {
      pool.close();
    }
  }

  @Test
  void aSmallCallQueuedOnTheFirstWhenItClosesGoesToTheSecond() throws Exception {
    DirectConnections pool = new DirectConnections(config(), 2);
    pool.connect();
    try {
      pool.run(far(), List.<byte[][]>of(command("SET", "moved", "value of moved")), false);
      DirectConnection first = pool.connection(0);
      DirectConnection second = pool.connection(1);
      CompletableFuture<Object> leader;
      CompletableFuture<Object> queued;
      CompletableFuture<Void> closing;
      redis.pause();
      try {
        leader = call(pool, false, "GET", "moved");
        await(first::busy);
        queued = call(pool, false, "GET", "moved");
        await(() -> first.queued() == 1);
        closing = CompletableFuture.runAsync(first::close);
        await(second::busy); // given back unsent by the first, it waits for Redis on the second
        assertThat(queued).as("not sent through Lettuce").isNotDone();
      } finally {
        redis.resume();
      }
      assertThat(text(leader.get())).isEqualTo(List.of("value of moved"));
      assertThat(text(queued.get())).isEqualTo(List.of("value of moved"));
      closing.get();
      pool.run(far(), List.<byte[][]>of(command("UNLINK", "moved")), false);
    } finally {
      pool.close();
    }
  }

  @Test
  void eitherKindOfCallUsesTheOtherConnectionWhenOneIsDownAndNoneWhenBothAre() throws Exception {
    for (int down = 0; down < 2; down++) {
      DirectConnections pool = new DirectConnections(config(), 2);
      pool.connect();
      try {
        pool.connection(down).close();
        DirectConnection other = pool.connection(1 - down);
        CompletableFuture<Object> small;
        CompletableFuture<Object> bulk;
        redis.pause();
        try {
          small = call(pool, false, "GET", "down a");
          await(other::busy);
          bulk = call(pool, true, "MGET", "down b");
          await(() -> other.queued() == 1);
        } finally {
          redis.resume();
        }
        assertThat(small.get()).as("a small call with connection %d down", down)
            .isEqualTo(single(null));
        assertThat(bulk.get()).as("a bulk call with connection %d down", down)
            .isEqualTo(List.of(single(null)));
        other.close();
        assertThat(pool.run(far(), List.<byte[][]>of(command("GET", "down a")), false))
            .as("both down: through Lettuce").isNull();
        assertThat(pool.run(far(), List.<byte[][]>of(command("MGET", "down a")), true))
            .as("both down: through Lettuce").isNull();
      } finally {
        pool.close();
      }
    }
  }

  @Test
  void closingThePoolReleasesTheSecondsCallersWhileTheFirstsBatchIsInFlight() throws Exception {
    DirectConnections pool = new DirectConnections(config(), 2);
    pool.connect();
    List<CompletableFuture<Object>> calls;
    CompletableFuture<Void> closing;
    redis.pause();
    try {
      calls = bothBusyAndABulkCallQueued(pool);
      closing = CompletableFuture.runAsync(pool::close);
      assertThat(calls.get(2).get(30, TimeUnit.SECONDS)).as("told to go through Lettuce")
          .isNull();
      assertThat(calls.get(0)).as("released before the first's batch is answered").isNotDone();
    } finally {
      redis.resume();
    }
    assertThat(calls.get(0).get()).isEqualTo(single(null));
    assertThat(calls.get(1).get()).isEqualTo(List.of(single(null)));
    closing.get();
    assertThat(pool.connection(0).connected()).isFalse();
    assertThat(pool.connection(1).connected()).isFalse();
  }

  /**
   * With the server stopped: a small call leading a batch on the first connection, a bulk call
   * leading one on the second, then a bulk call queued on one of them, both queues having been
   * empty; returns the three calls.
   */
  private static List<CompletableFuture<Object>> bothBusyAndABulkCallQueued(
      DirectConnections pool) {
    DirectConnection first = pool.connection(0);
    DirectConnection second = pool.connection(1);
    CompletableFuture<Object> small = call(pool, false, "GET", "busy a");
    await(first::busy);
    CompletableFuture<Object> bulk = call(pool, true, "MGET", "busy b");
    await(second::busy);
    CompletableFuture<Object> queued = call(pool, true, "MGET", "busy c");
    await(() -> first.queued() + second.queued() == 1);
    return List.of(small, bulk, queued);
  }

  @Test
  void aStoreOpensTwoDirectConnectionsBesideLettucesAndClosesThem() throws Exception {
    int before = clients();
    RedisCacheStore store = RedisStores.open(redis.url() + "?timeout=5s");
    try {
      assertThat(clients()).as("Lettuce's connection and %d direct ones", DirectConnections.COUNT)
          .isEqualTo(before + 1 + DirectConnections.COUNT);
      store.getMany(List.of("x", "y"));
    } finally {
      store.close();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (clients() != before && System.nanoTime() - deadline < 0) {
      Thread.yield(); // the server drops a client when it reads the end of its socket
    }
    assertThat(clients()).as("every connection closed").isEqualTo(before);
  }

  /** How many of the server's clients are named {@code larder}, this test's own included. */
  private int clients() throws Exception {
    String list = new String((byte[]) connection.run(far(),
        List.<byte[][]>of(command("CLIENT", "LIST"))).get(0), StandardCharsets.UTF_8);
    return (int) list.lines().filter(line -> line.contains(" name=larder ")).count();
  }

  /** Runs one command through a pool on its own thread. */
  private static CompletableFuture<Object> call(DirectConnections pool, boolean bulk,
      String... args) {
    return onItsOwnThread(() -> pool.run(far(), List.<byte[][]>of(command(args)), bulk));
  }

  /** A reply with its values as text, to compare by content. */
  private static Object text(Object reply) {
    if (reply instanceof byte[] value) {
      return new String(value, StandardCharsets.UTF_8);
    }
    if (reply instanceof List<?> list) {
      return list.stream().map(DirectConnectionIT::text).toList();
    }
    return reply;
  }

  /**
   * With the server stopped, a bulk call that sets {@code key} to "1" leads, and a {@code BLPOP
   * list 0} queues behind it; once the server runs again the leader sends the BLPOP and hands
   * the connection to its caller, returned here, which then reads that batch until something is
   * pushed to {@code list}.
   */
  private Caller readingABlockingPop(String key, String list, boolean bulk) throws Exception {
    CompletableFuture<Object> leader;
    Caller reader;
    redis.pause();
    try {
      leader = onItsOwnThread(() -> connection.run(far(),
          List.<byte[][]>of(command("SET", key, "1")), true));
      await(connection::busy);
      reader = caller(far(), bulk, "BLPOP", list, "0");
      await(() -> connection.queued() == 1);
    } finally {
      redis.resume();
    }
    assertThat(leader.get()).isEqualTo(single("OK"));
    return reader;
  }

  /** A call on a thread of its own, kept so that a test can interrupt it. */
  private record Caller(Thread thread, CompletableFuture<String> outcome) {}

  /**
   * Runs one command on its own thread; the outcome is its replies as text (or its exception's
   * name and message), how many callers were queued when it returned, and its interrupt flag.
   */
  private Caller caller(long deadline, boolean bulk, String... args) {
    CompletableFuture<String> outcome = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      String result;
      try {
        result = text(connection.run(deadline, List.<byte[][]>of(command(args)), bulk))
            + " queued " + connection.queued();
      } catch (Exception e) {
        result = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
      outcome.complete(result + ", interrupted " + Thread.currentThread().isInterrupted());
    });
    t.setDaemon(true);
    t.start();
    return new Caller(t, outcome);
  }

  /**
   * Runs a command on a connection of its own, then a {@code PING}: once that is answered, the
   * replies Redis owed other clients for the command (a {@code BLPOP} it served) are written.
   */
  private static void fromAnotherClient(String... args) throws Exception {
    DirectConnection other = new DirectConnection(config(), ForkJoinPool.commonPool());
    other.connect();
    try {
      other.run(far(), List.<byte[][]>of(command(args)));
      other.run(far(), List.<byte[][]>of(command("PING")));
    } finally {
      other.close();
    }
  }

  /** Runs one command on its own thread; the future holds "unavailable" for a null answer. */
  private CompletableFuture<Object> call(long deadline, String... args) {
    return onItsOwnThread(() -> {
      List<Object> replies = connection.run(deadline, List.<byte[][]>of(command(args)));
      return replies == null ? "unavailable" : replies;
    });
  }

  /** Runs a call on a thread of its own, a daemon, and completes the future with its outcome. */
  private static CompletableFuture<Object> onItsOwnThread(Callable<Object> call) {
    CompletableFuture<Object> reply = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        reply.complete(call.call());
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
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("30 s without the state awaited").isNegative();
      Thread.yield();
    }
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
