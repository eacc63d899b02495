package io.larder.memcached.internal;

import static io.larder.memcached.internal.ConnectionTest.eventually;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The direct connection against a scripted server: a lone blocking call goes over it, a call
 * that fails on it closes it so that a late reply never answers the next call, and it comes
 * back by itself.
 */
class DirectConnectionTest {
  private FakeMemcached fake;
  private DefaultMemcachedStore store;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeMemcached();
  }

  @AfterEach
  void stop() throws Exception {
    if (store != null) {
      store.close();
    }
    fake.close();
  }

  private DefaultMemcachedStore store(Duration timeout) throws InterruptedException {
    store = new DefaultMemcachedStore("127.0.0.1", fake.port(),
        new ClientOptions(timeout, Duration.ofSeconds(10), null, null, true),
        Duration.ofSeconds(1), true);
    eventually("the direct connection open", store.connection::directIsFree);
    return store;
  }

  /** Answers as {@link #echo} does, holding the answer to {@code mg slow} until released. */
  private static java.util.function.Function<String, String> slowUntil(CountDownLatch release) {
    return holding("mg slow", release);
  }

  /**
   * Answers as {@link #echo} does, holding the answer to a command line that starts with
   * {@code prefix} until {@code release} is counted down (also DirectConnectionQueueTest's).
   */
  static java.util.function.Function<String, String> holding(String prefix,
      CountDownLatch release) {
    return line -> {
      if (line.startsWith(prefix)) {
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return echo(line);
    };
  }

  /**
   * Opens the store with a 60 s timeout and makes {@code get k} on {@code pool}, which the fake
   * receives and never answers; returns once the fake has it.
   */
  private Future<byte[]> unansweredCall(ExecutorService pool) throws InterruptedException {
    CountDownLatch arrived = new CountDownLatch(1);
    store(Duration.ofSeconds(60));
    fake.answer = line -> {
      arrived.countDown();
      return null;
    };
    Future<byte[]> call = pool.submit(() -> store.get("k"));
    assertThat(arrived.await(30, TimeUnit.SECONDS)).isTrue();
    return call;
  }

  /**
   * Opens the store with a 30 s timeout and makes {@code get key} on {@code pool}, which the
   * fake answers (as {@link #echo}) only once {@code release} opens; returns once the fake has
   * it on the direct connection.
   */
  private Future<byte[]> heldOnTheDirectConnection(String key, CountDownLatch release,
      ExecutorService pool) throws InterruptedException {
    fake.answer = holding("mg " + key, release);
    store(Duration.ofSeconds(30));
    eventually("two connections", () -> fake.receivedOn.size() == 2);
    Future<byte[]> call = pool.submit(() -> store.get(key));
    assertThat(nextMetaCommand(1)).isEqualTo("mg " + key + " v");
    return call;
  }

  /** The next meta command the fake receives on a connection, past the opening hello. */
  private String nextMetaCommand(int connection) throws InterruptedException {
    String line;
    do {
      line = fake.receivedOn.get(connection).poll(30, TimeUnit.SECONDS);
    } while (line != null && !line.startsWith("m"));
    return line;
  }

  /**
   * Answers {@code mg <k> ...} and classic {@code get k1 k2 ...} with each key as its value,
   * every other command with HD.
   */
  private static String echo(String line) {
    if (line.startsWith("get ")) {
      StringBuilder values = new StringBuilder();
      for (String key : line.substring(4).split(" ")) {
        values.append("VALUE ").append(key).append(" 0 ").append(key.length()).append("\r\n")
            .append(key).append("\r\n");
      }
      return values.append("END").toString();
    }
    if (!line.startsWith("mg ")) {
      return "HD";
    }
    String key = line.split(" ")[1];
    String opaque = line.matches(".* O\\d+.*") ? line.replaceAll(".* (O\\d+).*", " $1") : "";
    return "VA " + key.length() + opaque + "\r\n" + key;
  }

  @Test
  void aLoneBlockingCallIsWrittenAndAnsweredOnTheDirectConnection() throws Exception {
    fake.answer = DirectConnectionTest::echo;
    store(Duration.ofSeconds(5));
    // the pipelined one, then the direct one (the fake may accept it a moment after the client)
    eventually("two connections", () -> fake.receivedOn.size() == 2);

    assertThat(store.get("a")).isEqualTo("a".getBytes(US_ASCII));
    store.set("b", "v".getBytes(US_ASCII), 0);
    Map<String, byte[]> many = store.getMany(List.of("c", "dd"));
    assertThat(many).containsOnlyKeys("c", "dd");
    assertThat(many.get("dd")).isEqualTo("dd".getBytes(US_ASCII));

    assertThat(fake.receivedOn.get(1)).containsExactly("version", "mg a v", "ms b 1",
        "get c dd");
    assertThat(fake.receivedOn.get(0)).noneMatch(line -> line.startsWith("m")
        || line.startsWith("get"));
  }

  @Test
  void aClassicValueForAKeyNotAskedForOrOutOfOrderDropsTheConnection() throws Exception {
    fake.answer = line -> switch (line) {
      case "get a b" -> "VALUE b 0 1\r\nB\r\nVALUE a 0 1\r\nA\r\nEND"; // out of order
      case "get c" -> "VALUE other 0 1\r\nx\r\nEND";
      default -> echo(line);
    };
    store(Duration.ofSeconds(5));
    eventually("two connections", () -> fake.receivedOn.size() == 2);

    assertThatThrownBy(() -> store.getMany(List.of("a", "b")))
        .isInstanceOf(CacheConnectionException.class).hasMessageContaining("VALUE a 1");
    eventually("a new direct connection", () -> fake.connections.get() == 3
        && store.connection.directIsFree());
    assertThatThrownBy(() -> store.getMany(List.of("c")))
        .isInstanceOf(CacheConnectionException.class).hasMessageContaining("VALUE other 1");
    eventually("another new direct connection", () -> fake.connections.get() == 4);
  }

  @Test
  void anErrorWhereAClassicGetsAnswerIsDueDropsTheConnection() throws Exception {
    List<String> errors = List.of("SERVER_ERROR out of memory writing get response",
        "CLIENT_ERROR bad command line format", "ERROR", "SERVER_ERROR something else");
    for (int i = 0; i < errors.size(); i++) {
      String error = errors.get(i);
      // a hit, then memcached stops the get (process_get_command's stop: path)
      fake.answer = line -> line.startsWith("get ") ? "VALUE a 0 1\r\nA\r\n" + error
          : echo(line);
      if (store == null) {
        store(Duration.ofSeconds(5));
      }
      int connections = 2 + i;
      eventually("the direct connection open", () -> fake.connections.get() == connections
          && store.connection.directIsFree());

      assertThatThrownBy(() -> store.getMany(List.of("a", "b")))
          .isInstanceOf(CacheConnectionException.class).hasMessageContaining(error);
      assertThat(fake.receivedOn.get(connections - 1)).contains("get a b");
      eventually("a new direct connection", () -> fake.connections.get() == connections + 1);
    }
  }

  @Test
  void aGetManyMadeWhileTheDirectConnectionIsBusyQueuesThereRatherThanGoPipelined()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<byte[]> slow = heldOnTheDirectConnection("slow", release, pool);
      Future<Map<String, byte[]>> many = pool.submit(() -> store.getMany(List.of("a", "bb")));
      eventually("the getMany queued on the direct connection",
          () -> store.connection.directQueued() == 1);
      release.countDown();

      assertThat(slow.get(30, TimeUnit.SECONDS)).isEqualTo("slow".getBytes(US_ASCII));
      Map<String, byte[]> answer = many.get(30, TimeUnit.SECONDS);
      assertThat(answer).containsOnlyKeys("a", "bb");
      assertThat(answer.get("bb")).isEqualTo("bb".getBytes(US_ASCII));
      assertThat(fake.receivedOn.get(1)).containsExactly("get a bb"); // text keys only: no mn
      assertThat(fake.receivedOn.get(0)).noneMatch(line -> line.startsWith("get "));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aReReadOfEmptyValuesAnsweredForAKeyItDidNotAskForDropsTheConnectionAndKeepsTheHits()
      throws Exception {
    fake.answer = line -> line.equals("get a b") ? "VALUE a 0 0\r\n\r\nVALUE b 0 1\r\nB\r\nEND"
        : line.startsWith("mg a v q O0") ? "VA 1 O1\r\nX" // b's index: not asked again
        : echo(line);
    store(Duration.ofSeconds(5));
    eventually("two connections", () -> fake.receivedOn.size() == 2);

    // the failed re-read leaves a out, as a miss, and keeps the hit already received
    Map<String, byte[]> many = store.getMany(List.of("a", "b"));
    assertThat(many).containsOnlyKeys("b");
    assertThat(many.get("b")).isEqualTo("B".getBytes(US_ASCII));
    assertThat(fake.receivedOn.get(1)).contains("mg a v q O0");
    eventually("a new direct connection", () -> fake.connections.get() == 3);
  }

  @Test
  void emptyValuesAreNotReadAgainOnceTheCallsDeadlineHasPassed() throws Exception {
    fake.answer = line -> line.equals("get a b") ? "VALUE a 0 0\r\n\r\nVALUE b 0 1\r\nB\r\nEND"
        : line.startsWith("mg a v q O0") ? "VA 1 O0\r\nZ" : echo(line);
    store(Duration.ofSeconds(30));
    eventually("two connections", () -> fake.receivedOn.size() == 2);

    // as the part of a fan-out awaited after another server's part used up the timeout
    var started = (DefaultMemcachedStore.Started<Map<String, byte[]>>)
        store.startGetMany(List.of("a", "b"));
    assertThat(started.request().direct).isTrue();
    eventually("the answer written", () -> fake.answered.contains("get a b"));
    // written is not yet arrived: under load the loopback may deliver it a little later
    int answer = (fake.answer.apply("get a b") + "\r\n").length();
    eventually("the answer in the client's socket",
        () -> store.connection.directUnreadBytes() == answer);
    started.request().deadlineNanos = System.nanoTime() - 1;

    Map<String, byte[]> many = started.await();
    assertThat(many).containsOnlyKeys("b"); // a: a miss, not read again with a new timeout
    assertThat(fake.receivedOn.get(1)).containsExactly("version", "get a b");
    assertThat(store.connection.directIsFree()).isTrue();
  }

  @Test
  void aClassicValueSplitAcrossReadsIsReadWholeOnTheDirectConnection() throws Exception {
    fake.answer = line -> line.equals("get a b")
        ? "VALUE a 0 9\r\nab\r\nE" + FakeMemcached.PAUSE + "ND\r\n\r\nVALUE b 0 1\r\nB\r\nEND"
        : echo(line);
    store(Duration.ofSeconds(30));
    eventually("two connections", () -> fake.receivedOn.size() == 2);

    Map<String, byte[]> many = store.getMany(List.of("a", "b"));
    assertThat(many).containsOnlyKeys("a", "b");
    assertThat(new String(many.get("a"), US_ASCII)).isEqualTo("ab\r\nEND\r\n");
    assertThat(fake.receivedOn.get(1)).containsExactly("version", "get a b");
  }

  @Test
  void aStartedBulkCallHoldsTheDirectConnectionUntilAwaitedAndOthersGoPipelined()
      throws Exception {
    fake.answer = DirectConnectionTest::echo;
    store(Duration.ofSeconds(5));
    eventually("two connections", () -> fake.receivedOn.size() == 2);

    var started = store.startGetMany(List.of("a", "bb")); // as a pool's fan-out starts a part
    assertThat(store.connection.directIsFree()).isFalse();
    // the same thread calls again before awaiting: pipelined, never behind its own request
    assertThat(store.get("c")).isEqualTo("c".getBytes(US_ASCII));
    assertThat(started.await()).containsOnlyKeys("a", "bb");
    assertThat(store.connection.directIsFree()).isTrue();

    assertThat(fake.receivedOn.get(1)).containsExactly("version", "get a bb");
    assertThat(fake.receivedOn.get(0)).contains("mg c v");
  }

  @Test
  void anInterruptedThreadAwaitingAPipelinedCallWhoseReplyIsInFailsAsInterrupted()
      throws Exception {
    fake.answer = DirectConnectionTest::echo;
    store(Duration.ofSeconds(30));
    eventually("two connections", () -> fake.receivedOn.size() == 2);

    var direct = store.startGetMany(List.of("a")); // holds the direct connection
    var pipelined = (DefaultMemcachedStore.Started<Map<String, byte[]>>)
        store.startGetMany(List.of("b"));
    assertThat(pipelined.request().direct).isFalse();
    eventually("the pipelined reply in", () -> pipelined.request().isDone());

    Thread.currentThread().interrupt();
    try {
      // the reply is there, but the thread was interrupted: it fails, and keeps its flag
      assertThatThrownBy(pipelined::await).isInstanceOf(CacheException.class)
          .hasMessageContaining("interrupted");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(direct.await()).containsOnlyKeys("a");
  }

  @Test
  void aCallWhileThePipelinedConnectionIsBusyJoinsItRatherThanTheDirectOne() throws Exception {
    fake.answer = line -> null; // nothing answered: the pipelined connection stays busy
    store(Duration.ofSeconds(30));
    eventually("two connections", () -> fake.receivedOn.size() == 2);

    var inFlight = store.getAsync("a"); // waits on the pipelined connection
    assertThat(nextMetaCommand(0)).isEqualTo("mg a v");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<byte[]> call = pool.submit(() -> store.get("b"));
      assertThat(nextMetaCommand(0)).isEqualTo("mg b v");
      assertThat(fake.receivedOn.get(1)).containsExactly("version"); // its handshake
      store.close(); // fails both at once
      assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(CacheConnectionException.class);
      assertThatThrownBy(() -> inFlight.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(CacheConnectionException.class);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anAnswerAlreadyInTheSocketWhenTheDeadlinePassedIsStillRead() throws Exception {
    fake.answer = DirectConnectionTest::echo;
    store(Duration.ofSeconds(30));
    eventually("two connections", () -> fake.receivedOn.size() == 2);
    int before = fake.answers.get();

    // as the part of a fan-out awaited after another server's part used up the timeout
    Request request = Request.counted("mg a",
        Unpooled.copiedBuffer("mg a v\r\n", US_ASCII), 1);
    assertThat(store.connection.startBlocking(request).direct).isTrue();
    eventually("the answer written", () -> fake.answers.get() == before + 1);
    request.deadlineNanos = System.nanoTime() - 1;

    List<Reply> replies = store.connection.await(request);
    assertThat(replies).hasSize(1);
    assertThat(replies.get(0).code).isEqualTo(Reply.VA);
    assertThat(store.connection.directIsFree()).isTrue();
    // awaited again: the same outcome, without touching the socket another call may hold
    assertThat(store.connection.await(request)).isSameAs(replies);
  }

  @Test
  void aServerThatRefusesTheHandshakeNeverGetsTheDirectConnection() throws Exception {
    fake.answer = DirectConnectionTest::echo;
    fake.maxConnections = 1; // the pipelined connection only: memcached at maxconns
    store = new DefaultMemcachedStore("127.0.0.1", fake.port(),
        new ClientOptions(Duration.ofSeconds(30), Duration.ofSeconds(10), null, null, true),
        Duration.ofSeconds(1), true);
    eventually("the direct connection refused", () -> fake.refused.get() >= 1);

    assertThat(store.get("a")).isEqualTo("a".getBytes(US_ASCII));
    assertThat(store.connection.directIsFree()).isFalse();
    assertThat(fake.receivedOn.get(0)).contains("mg a v");

    fake.maxConnections = Integer.MAX_VALUE;
    eventually("the direct connection open after a backoff", store.connection::directIsFree);
    assertThat(store.get("b")).isEqualTo("b".getBytes(US_ASCII));
    assertThat(fake.receivedOn.get(1)).containsExactly("version", "mg b v");
  }

  @Test
  void anInterruptedThreadSkipsTheDirectConnection() throws Exception {
    fake.answer = DirectConnectionTest::echo;
    store(Duration.ofSeconds(30));
    eventually("two connections", () -> fake.receivedOn.size() == 2);

    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> store.get("a")).isInstanceOf(CacheException.class)
          .hasMessageContaining("interrupted");
    } finally {
      Thread.interrupted();
    }
    assertThat(fake.receivedOn.get(1)).containsExactly("version");
  }

  @Test
  void aDirectCallThatTimesOutClosesItSoTheLateReplyNeverAnswersTheNextCall() throws Exception {
    CountDownLatch late = new CountDownLatch(1);
    // only the slow call has a short deadline (its own, as a fan-out's later part has): the
    // calls after it have the store's 30 s, so a loaded machine cannot time them out too
    Request slow = slowGetOn(Duration.ofSeconds(30), late);

    assertThatThrownBy(() -> store.connection.execute(slow,
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)))
        .isInstanceOf(CacheTimeoutException.class)
        // what ran out is the call's own deadline, not the store's 30 s
        .hasMessageMatching("mg slow on memcached .* timed out after \\d+ ms, its own deadline "
            + "\\(\\d+ ms left when it reached the connection; the store's timeout is 30000 ms\\)");
    // sent on the direct connection (the fake may read it only after the client gave up)
    eventually("the slow call at the fake", () -> fake.receivedOn.get(1).contains("mg slow v"));
    late.countDown(); // the reply to "slow" now goes out, on a socket the client has closed
    assertOwnRepliesThenANewDirectConnection();
  }

  @Test
  void aDirectCallThatOutlivesTheStoresTimeoutNamesIt() throws Exception {
    CountDownLatch late = new CountDownLatch(1);
    slowGetOn(Duration.ofMillis(300), late);
    try {
      assertThatThrownBy(() -> store.get("slow")).isInstanceOf(CacheTimeoutException.class)
          .hasMessageMatching(".* on memcached .* timed out after \\d+ ms, the store's timeout "
              + "\\(300 ms\\)");
    } finally {
      late.countDown();
    }
  }

  @Test
  void aPipelinedCallThatOutlivesTheStoresTimeoutNamesItAsTheDirectPathDoes() throws Exception {
    CountDownLatch late = new CountDownLatch(1);
    Request slow = slowGetOn(Duration.ofMillis(300), late);
    try {
      // start() always goes the pipelined way; await() then gives up in Connection.abandon
      assertThatThrownBy(() -> store.connection.await(store.connection.start(slow)))
          .isInstanceOf(CacheTimeoutException.class)
          .hasMessageMatching("mg slow on memcached .* timed out after \\d+ ms, the store's "
              + "timeout \\(300 ms\\)");
    } finally {
      late.countDown();
    }
    eventually("the slow call on the pipelined connection",
        () -> fake.receivedOn.get(0).contains("mg slow v"));
  }

  /**
   * Opens a store with {@code timeout} whose fake holds its answer to {@code mg slow} until
   * {@code late} is counted down; returns that request, not yet sent.
   */
  private Request slowGetOn(Duration timeout, CountDownLatch late) throws Exception {
    fake.answer = slowUntil(late);
    store(timeout);
    eventually("two connections", () -> fake.receivedOn.size() == 2);
    return Request.counted("mg slow", Unpooled.copiedBuffer("mg slow v\r\n", US_ASCII), 1);
  }

  @Test
  void theTimeoutMessageSaysHowLongTheCallerWaitedAndNamesTheLimitTheRequestRecorded() {
    Duration timeout = Duration.ofMillis(500);
    long ms = TimeUnit.MILLISECONDS.toNanos(1);
    assertThat(DirectConnection.timeoutMessage("mg a on memcached h:1", 503 * ms, 500 * ms,
        false, timeout)).isEqualTo("mg a on memcached h:1 timed out after 503 ms, the store's "
            + "timeout (500 ms)");
    assertThat(DirectConnection.timeoutMessage("mg a on memcached h:1", 121 * ms, 120 * ms,
        true, timeout)).isEqualTo("mg a on memcached h:1 timed out after 121 ms, its own deadline "
            + "(120 ms left when it reached the connection; the store's timeout is 500 ms)");
    // a deadline already passed when the call began (a part that continues a call)
    assertThat(DirectConnection.timeoutMessage("getMany on memcached h:1", 0, -3 * ms, true,
        timeout)).isEqualTo("getMany on memcached h:1 timed out after 0 ms, its own deadline "
            + "(0 ms left when it reached the connection; the store's timeout is 500 ms)");
    // the limit is what the request recorded, however close the two budgets are
    assertThat(DirectConnection.timeoutMessage("mg a on memcached h:1", 500 * ms, 499 * ms,
        true, timeout)).contains("its own deadline (499 ms left");
    assertThat(DirectConnection.timeoutMessage("mg a on memcached h:1", 520 * ms, 500 * ms,
        false, timeout)).endsWith("after 520 ms, the store's timeout (500 ms)");
  }

  @Test
  void theTimeoutMessageOfARequestCountsFromWhenItsCallBeganAndNamesItsLimit() {
    Duration timeout = Duration.ofMillis(500);
    long ms = TimeUnit.MILLISECONDS.toNanos(1);
    Request request = Request.counted("mg a", Unpooled.EMPTY_BUFFER, 1);
    // began at 1000 ms with the store's timeout: its deadline is at 1500 ms
    request.deadlineNanos = 1500 * ms;
    request.budgetNanos = 500 * ms;
    request.ownDeadline = false;
    assertThat(DirectConnection.timeoutMessage(request, "h:1", 1504 * ms, timeout))
        .isEqualTo("mg a on memcached h:1 timed out after 504 ms, the store's timeout (500 ms)");
    // began at 1380 ms with 120 ms left of its call
    request.budgetNanos = 120 * ms;
    request.ownDeadline = true;
    assertThat(DirectConnection.timeoutMessage(request, "h:1", 1501 * ms, timeout))
        .isEqualTo("mg a on memcached h:1 timed out after 121 ms, its own deadline (120 ms "
            + "left when it reached the connection; the store's timeout is 500 ms)");
  }

  /**
   * After the direct connection was closed on a timeout: the next calls get their own
   * replies, and it is reopened in the background, after a backoff, and used again.
   */
  private void assertOwnRepliesThenANewDirectConnection() throws InterruptedException {
    for (int i = 0; i < 20; i++) {
      assertThat(store.get("k" + i)).isEqualTo(("k" + i).getBytes(US_ASCII));
    }
    // and the last of the 20, which went pipelined, uncounted there (its caller can return a
    // moment before), or "again" follows it pipelined
    eventually("a new direct connection", () -> fake.connections.get() == 3
        && store.connection.directIsFree() && store.connection.pipelinedIdle());
    assertThat(store.get("again")).isEqualTo("again".getBytes(US_ASCII));
    assertThat(fake.receivedOn.get(2)).contains("mg again v");
  }

  @Test
  void closingTheStoreFailsADirectCallInProgressAtOnce() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<byte[]> call = unansweredCall(pool);
      assertThat(fake.receivedOn.get(1)).contains("mg k v"); // on the direct connection
      store.close();
      assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(CacheConnectionException.class)
          .hasMessageContaining("is closed");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aHangUpFailsTheDirectCallAtOnceAndItReconnects() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<byte[]> call = unansweredCall(pool);
      fake.answer = DirectConnectionTest::echo;
      fake.dropClients();
      // the 60 s timeout did not pass: the hang-up itself failed it
      assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(CacheConnectionException.class);
    } finally {
      pool.shutdownNow();
    }
    eventually("the store answering again over a new direct connection", () -> {
      try {
        return store.connection.directIsFree() && store.get("k") != null;
      } catch (CacheException e) {
        return false;
      }
    });
  }
  @Test
  void callsQueuedBehindABatchInFlightGoOutTogetherAndEachGetsItsOwnReply() throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    fake.answer = holding("mg first", first);
    store(Duration.ofSeconds(30));
    eventually("two connections", () -> fake.receivedOn.size() == 2);
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      Future<byte[]> lead = pool.submit(() -> store.get("first"));
      assertThat(nextMetaCommand(1)).isEqualTo("mg first v"); // holds the direct connection
      List<Future<byte[]>> queued = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String key = "q" + i;
        queued.add(pool.submit(() -> store.get(key)));
      }
      eventually("four callers queued", () -> store.connection.directQueued() == 4);
      first.countDown();

      assertThat(lead.get(30, TimeUnit.SECONDS)).isEqualTo("first".getBytes(US_ASCII));
      for (int i = 0; i < 4; i++) {
        assertThat(queued.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(("q" + i).getBytes(US_ASCII));
      }
      assertThat(store.connection.directCombined()).isEqualTo(4); // the four, in one batch
      // past the hello and mg first, which nextMetaCommand took
      assertThat(fake.receivedOn.get(1)).containsExactlyInAnyOrder(
          "mg q0 v", "mg q1 v", "mg q2 v", "mg q3 v");
      assertThat(fake.receivedOn.get(0)).noneMatch(line -> line.startsWith("m"));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anInterruptedQueuedCallerGivesUpUnsentAndKeepsItsFlag() throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<byte[]> lead = heldOnTheDirectConnection("first", first, pool);
      CountDownLatch interrupted = new CountDownLatch(1);
      java.util.concurrent.atomic.AtomicReference<Thread> caller =
          new java.util.concurrent.atomic.AtomicReference<>();
      Future<Boolean> queued = pool.submit(() -> {
        caller.set(Thread.currentThread());
        try {
          store.get("gone");
          return false;
        } catch (CacheException e) {
          assertThat(e).hasMessageContaining("interrupted");
          return Thread.currentThread().isInterrupted();
        } finally {
          interrupted.countDown();
        }
      });
      eventually("the caller queued", () -> store.connection.directQueued() == 1);
      caller.get().interrupt();
      assertThat(queued.get(30, TimeUnit.SECONDS)).as("failed, flag kept").isTrue();
      first.countDown();
      assertThat(lead.get(30, TimeUnit.SECONDS)).isEqualTo("first".getBytes(US_ASCII));
      assertThat(store.get("next")).isEqualTo("next".getBytes(US_ASCII));
      assertThat(store.connection.directQueued()).isZero();
      assertThat(fake.receivedOn.get(1)).containsExactly("mg next v"); // past mg first
      assertThat(fake.received).noneMatch(line -> line.startsWith("mg gone"));
    } finally {
      pool.shutdownNow();
    }
  }
}
