package io.larder.memcached.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.Cache;
import io.larder.Larder;
import io.larder.memcached.MemcachedStore;
import io.larder.memcached.MemcachedStores;
import io.larder.testkit.AsyncLoad;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's pipelined connection against a scripted server: timeouts, hang-ups, hello. The
 * stores here have no direct connection, so every call goes through the event loop;
 * {@link DirectConnectionTest} covers the direct one.
 */
class ConnectionTest {
  private FakeMemcached fake;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeEach
  void startFake() throws Exception {
    fake = new FakeMemcached();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
    fake.close();
  }

  private DefaultMemcachedStore store(Duration timeout) {
    DefaultMemcachedStore s = new DefaultMemcachedStore("127.0.0.1", fake.port(),
        new ClientOptions(timeout, Duration.ofSeconds(10), null, null, false),
        Duration.ofSeconds(1), true);
    opened.add(s);
    return s;
  }

  /**
   * Reads a missing key as {@code get} does, but with a 30 s deadline: the first call of a
   * test whose store has a timeout of a few hundred ms, which a loaded machine could pass on a
   * call the test needs answered (only the calls it means to time out have the short timeout).
   */
  private static void answeredPatiently(DefaultMemcachedStore store) {
    Request get = Request.counted("mg k", Unpooled.copiedBuffer("mg k v\r\n", US_ASCII), 1);
    List<Reply> replies = store.connection.execute(get,
        System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
    assertThat(replies).singleElement().extracting(r -> r.code).isEqualTo(Reply.EN);
  }

  /** Polls a condition for up to 30 s, for what happens in the background. */
  static void eventually(String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void aRequestTheServerNeverAnswersTimesOutAndTheConnectionIsReopened() throws Exception {
    DefaultMemcachedStore store = store(Duration.ofMillis(200));
    answeredPatiently(store);
    AtomicBoolean silent = new AtomicBoolean(true);
    fake.answer = line -> silent.get() ? null : line.startsWith("mg") ? "EN" : "HD";

    assertThatThrownBy(() -> store.get("k")).isInstanceOf(CacheTimeoutException.class)
        .hasMessageContaining("the store's timeout (200 ms)");
    // nothing came back for a whole timeout: the connection is presumed dead and replaced
    eventually("a second connection", () -> fake.connections.get() == 2);
    silent.set(false);
    eventually("the store answering again", () -> {
      try {
        return store.get("k") == null;
      } catch (CacheException e) {
        return false;
      }
    });
  }

  @Test
  void asyncCallsTheServerNeverAnswersEachTimeOutOnce() {
    DefaultMemcachedStore store = store(Duration.ofMillis(200));
    answeredPatiently(store);
    fake.answer = line -> null;
    AsyncLoad.singleKeyTimeouts(store, "", 400);
  }

  /** Makes {@code n} calls on the pool, released together so that they share a batch. */
  private static <T> List<Future<T>> atOnce(ExecutorService pool, int n, IntFunction<T> call) {
    CyclicBarrier start = new CyclicBarrier(n);
    List<Future<T>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int caller = i;
      calls.add(pool.submit(() -> {
        start.await(30, TimeUnit.SECONDS);
        return call.apply(caller);
      }));
    }
    return calls;
  }

  @Test
  void aMergedBatchThatTimesOutFailsEachOfItsCallersOnce() throws Exception {
    DefaultMemcachedStore store = store(Duration.ofMillis(300));
    answeredPatiently(store);
    fake.answer = line -> null;
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      for (Future<byte[]> call : atOnce(pool, 16, i -> store.get("k" + i))) {
        assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
            .hasCauseInstanceOf(CacheTimeoutException.class);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aMergedBatchThatTimesOutGivesEachFailOpenCallerItsFallback() throws Exception {
    MemcachedStore store = store(Duration.ofMillis(300));
    Cache cache = Larder.builder().store(store).failOpen(true).build();
    opened.add(cache);
    fake.answer = line -> null;
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<String>> calls = atOnce(pool, 16, i -> cache.getOrCompute("k" + i,
          String.class, Duration.ofMinutes(1), () -> "computed k" + i));
      for (int i = 0; i < 16; i++) {
        assertThat(calls.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("computed k" + i);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aHangUpFailsEveryWaitingRequestAtOnceAndTheClientReconnects() throws Exception {
    MemcachedStore store = store(Duration.ofSeconds(60));
    assertThat(store.exists("k")).isFalse();
    CountDownLatch arrived = new CountDownLatch(4);
    fake.answer = line -> {
      arrived.countDown();
      return null;
    };
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Object>> calls = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String key = "k" + i;
        calls.add(pool.submit(() -> store.get(key)));
      }
      assertThat(arrived.await(30, TimeUnit.SECONDS)).isTrue();
      fake.answer = line -> line.startsWith("mg") ? "EN" : "HD";
      fake.dropClients();
      for (Future<Object> call : calls) {
        // the 60 s timeout did not pass: the hang-up itself failed them
        assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
            .hasCauseInstanceOf(CacheConnectionException.class);
      }
    } finally {
      pool.shutdownNow();
    }
    eventually("the store answering again", () -> {
      try {
        return store.get("k") == null;
      } catch (CacheException e) {
        return false;
      }
    });
    assertThat(fake.connections.get()).isEqualTo(2);
  }

  @Test
  void aServerThatIsDownFailsFastWhileTheClientKeepsTrying() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertThatThrownBy(() -> MemcachedStores.builder("127.0.0.1", port).build())
        .isInstanceOf(CacheConnectionException.class).hasMessageContaining("127.0.0.1:" + port);

    MemcachedStore lazy = MemcachedStores.builder("127.0.0.1", port).timeout(Duration.ofMinutes(1))
        .awaitConnection(false).build();
    opened.add(lazy);
    eventually("the first attempt to fail", () -> {
      try {
        lazy.get("k");
        return false;
      } catch (CacheConnectionException e) {
        return e.getMessage().contains("reconnecting");
      }
    });
  }

  @Test
  void aServerOlderThanOneSixIsRefusedByName() {
    fake.version = "1.4.39";
    assertThatThrownBy(() -> store(Duration.ofSeconds(1)))
        .isInstanceOf(CacheConnectionException.class).hasMessageContaining("1.4.39")
        .hasMessageContaining("1.6");
  }

  @Test
  void credentialsAreSentOnlyToAServerThatAsksForThem() throws Exception {
    MemcachedStore s = MemcachedStores.builder("127.0.0.1", fake.port())
        .credentials("user", "secret").build();
    opened.add(s);
    s.get("k");
    assertThat(fake.received).noneMatch(line -> line.contains("secret"));
  }

  @Test
  void aValueOverTheServersItemSizeLimitIsRefusedAndTheOldValueDeleted() throws Exception {
    fake.itemSizeMax = 2_000;
    MemcachedStore store = store(Duration.ofSeconds(5));
    // 2,000 bytes for the item: 1 of key, 64 of overhead, 1,935 of value
    byte[] big = new byte[1_936];
    assertThatThrownBy(() -> store.set("k", big, 0)).isInstanceOf(CacheException.class)
        .hasMessageContaining("1936 bytes").hasMessageContaining("2000")
        .hasMessageContaining("old value");
    assertThat(fake.received).contains("md k q").noneMatch(line -> line.startsWith("ms"));

    fake.received.clear();
    store.set("k", new byte[1_935], 0); // one byte less fits
    assertThat(fake.received).anyMatch(line -> line.startsWith("ms k 1935"));
  }

  @Test
  void aServerSideRefusalOfASetAlsoDeletesTheOldValue() {
    fake.answer = line -> line.startsWith("ms") ? "SERVER_ERROR out of memory storing object"
        : line.startsWith("md") ? "NF" : "EN";
    MemcachedStore store = store(Duration.ofSeconds(5));
    assertThatThrownBy(() -> store.set("k", "v".getBytes(StandardCharsets.US_ASCII), 0))
        .isInstanceOf(CacheException.class).hasMessageContaining("out of memory");
    assertThat(fake.received).contains("md k q");
  }

  @Test
  void aClassicGetStoppedByMemcachedDropsTheConnectionAndFailsEveryRequestOnIt()
      throws Exception {
    // memcached culls the unsent reply to "mg x v" when it stops the get (process_get_command)
    fake.answer = line -> line.startsWith("get ")
        ? "SERVER_ERROR out of memory writing get response" : null;
    MemcachedStore store = store(Duration.ofSeconds(60));
    var earlier = store.getAsync("x");
    assertThatThrownBy(() -> store.getMany(List.of("a", "b")))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("out of memory writing get response");
    // not the error line taken as its answer: it was lost with the connection
    assertThatThrownBy(() -> earlier.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(CacheConnectionException.class);
    fake.answer = line -> line.startsWith("mg") ? "EN" : "HD";
    eventually("a new connection", () -> fake.connections.get() == 2);
  }

  @Test
  void aServerErrorAnsweringAMetaCommandBeforeAClassicGetStaysThatCommandsOwn() {
    fake.answer = line -> line.startsWith("ms") ? "SERVER_ERROR object too large for cache"
        : line.startsWith("get ") ? "VALUE a 0 1\r\nA\r\nEND" : "HD";
    MemcachedStore store = store(Duration.ofSeconds(60));
    var set = store.setAsync("k", "v".getBytes(StandardCharsets.US_ASCII), 0);
    assertThat(store.getMany(List.of("a"))).containsOnlyKeys("a");
    ExecutionException refused = catchThrowableOfType(() -> set.get(30, TimeUnit.SECONDS),
        ExecutionException.class);
    assertThat(refused.getCause()).isInstanceOf(CacheException.class)
        .isNotInstanceOf(CacheConnectionException.class);
    assertThat(fake.connections.get()).isEqualTo(1);
  }
}
