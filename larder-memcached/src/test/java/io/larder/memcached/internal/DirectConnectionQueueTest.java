package io.larder.memcached.internal;

import static io.larder.memcached.internal.ConnectionTest.eventually;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The queue of callers on one {@link DirectConnection}, driven directly against a scripted
 * server with each request's deadline set by the test: callers that give up while queued (on
 * an interrupt, past their deadline) leave the others queued and free their bytes, a call
 * started alone sends the callers queued behind it the pipelined way at once, and bulk reads
 * join a batch with single-key calls, each caller answered with its own replies.
 */
class DirectConnectionQueueTest {
  private static final long FAR = TimeUnit.SECONDS.toNanos(60);

  private FakeMemcached fake;
  private DirectConnection direct;
  private ExecutorService pool;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeMemcached();
    pool = Executors.newFixedThreadPool(8);
  }

  @AfterEach
  void stop() throws Exception {
    pool.shutdownNow();
    if (direct != null) {
      direct.close();
    }
    fake.close();
  }

  /** Opens the connection with the hook a leader runs on each queued request it looks at. */
  private void open(java.util.function.Consumer<Request> peeked) throws InterruptedException {
    direct = new DirectConnection("127.0.0.1", fake.port(), Duration.ofSeconds(60),
        Duration.ofSeconds(10));
    direct.peeked = peeked; // before any thread uses it
    direct.start();
    eventually("the direct connection open", direct::isFree);
  }

  /** {@code mg <key> v} on a payload of its own, its deadline {@code in} nanoseconds away. */
  private static Request get(String key, long in) {
    return get(key, Unpooled.copiedBuffer("mg " + key + " v\r\n", US_ASCII), in);
  }

  private static Request get(String key, ByteBuf payload, long in) {
    Request r = Request.counted("mg " + key + " v", payload, 1);
    r.deadlineNanos = System.nanoTime() + in;
    return r;
  }

  /**
   * A bulk read of {@code keys} as a {@code getMany} sends it: one classic {@code get} line
   * and {@code mn}.
   */
  private static Request getMany(String... keys) {
    String line = "get " + String.join(" ", keys);
    Request r = Request.bulkRead(line, Unpooled.copiedBuffer(line + "\r\nmn\r\n", US_ASCII),
        new BulkReplies(keys, 1, null));
    r.deadlineNanos = System.nanoTime() + FAR;
    return r;
  }

  /**
   * A bulk read of text keys only as a {@code getMany} sends it: one classic {@code get} line
   * per group of keys and no {@code mn}, complete at the last line's {@code END}.
   */
  private static Request textGetMany(String[]... lines) {
    StringBuilder payload = new StringBuilder();
    List<String> keys = new ArrayList<>();
    for (String[] line : lines) {
      payload.append("get ").append(String.join(" ", line)).append("\r\n");
      keys.addAll(List.of(line));
    }
    Request r = Request.classicRead(payload.toString().strip(),
        Unpooled.copiedBuffer(payload, US_ASCII),
        new BulkReplies(keys.toArray(String[]::new), lines.length, null));
    r.deadlineNanos = System.nanoTime() + FAR;
    return r;
  }

  /**
   * A bulk call of quiet commands closed by {@code mn}, as {@code setMany} and
   * {@code deleteMany} send them: {@code lines} each ended by CRLF, then {@code mn}.
   */
  private static Request quietBatch(String description, ByteBuf payload) {
    Request r = Request.batch(description, payload);
    r.deadlineNanos = System.nanoTime() + FAR;
    return r;
  }

  private static Request quietBatch(String description, String lines) {
    return quietBatch(description, Unpooled.copiedBuffer(lines + "mn\r\n", US_ASCII));
  }

  /** {@code n} quiet deletes of {@code prefix0000}... and {@code mn}: 12 bytes a delete. */
  private static Request quietDeletes(String prefix, int n) {
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < n; i++) {
      lines.append(String.format("md %s%04d q\r\n", prefix, i));
    }
    return quietBatch(prefix + " x" + n, lines.toString());
  }

  /** Each reply as it prints, with its {@code O} flag when it has one. */
  private static List<String> printed(List<Reply> replies) {
    List<String> lines = new ArrayList<>();
    for (Reply r : replies) {
      lines.add(r.opaque >= 0 ? r + " O" + r.opaque : r.toString());
    }
    return lines;
  }

  /** The {@code key=value} of each {@code VALUE} reply of a bulk read, in order. */
  private static List<String> values(List<Reply> replies) {
    List<String> pairs = new ArrayList<>();
    for (Reply r : replies) {
      if (r.code == Reply.VALUE) {
        pairs.add(r.key + "=" + new String(r.value, US_ASCII));
      }
    }
    return pairs;
  }

  /** Each key as its value; the answer to {@code mg first} only once {@code first} opens. */
  private static Function<String, String> firstHeldUntil(CountDownLatch first) {
    return DirectConnectionTest.holding("mg first", first);
  }

  private static String value(List<Reply> replies) {
    assertThat(replies).hasSize(1);
    return new String(replies.get(0).value, US_ASCII);
  }

  /** Submits a call of {@code request} and returns once it is queued behind the holder. */
  private Future<List<Reply>> queue(Request request, AtomicReference<Thread> thread)
      throws InterruptedException {
    int before = direct.queued();
    Future<List<Reply>> call = pool.submit(() -> {
      thread.set(Thread.currentThread());
      return direct.run(request);
    });
    eventually(request + " queued", () -> direct.queued() == before + 1);
    return call;
  }

  /** Submits {@code mg first}, which the fake holds, and returns once the fake has it. */
  private Future<List<Reply>> holder() throws InterruptedException {
    Future<List<Reply>> first = pool.submit(() -> direct.run(get("first", FAR)));
    String line;
    do {
      line = fake.received.poll(30, TimeUnit.SECONDS);
    } while (line != null && !line.equals("mg first v"));
    assertThat(line).isEqualTo("mg first v");
    return first;
  }

  /**
   * Opens the connection to a fake that holds its answer to {@code mg first} until
   * {@code first} opens and to each classic {@code get} until {@code bulk} opens; submits
   * {@code mg first} as {@link #holder()} does.
   */
  private Future<List<Reply>> holderWithBulkReadsHeld(CountDownLatch first, CountDownLatch bulk)
      throws InterruptedException {
    Function<String, String> firstHeld = firstHeldUntil(first);
    Function<String, String> bulkHeld = DirectConnectionTest.holding("get ", bulk);
    fake.answer = line -> line.startsWith("get ") ? bulkHeld.apply(line) : firstHeld.apply(line);
    open(null);
    return holder();
  }

  @Test
  void aCallerThatGivesUpWhileTheLeaderTakesItLeavesTheNextCallerToBeSent() throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    fake.answer = firstHeldUntil(first);
    Request lead = get("lead", FAR);
    ByteBuf goneBytes = Unpooled.copiedBuffer("mg gone v\r\n", US_ASCII);
    Request gone = get("gone", goneBytes, FAR);
    Request next = get("next", FAR);
    AtomicReference<Thread> goneThread = new AtomicReference<>();
    CountDownLatch goneOut = new CountDownLatch(1);
    AtomicBoolean raced = new AtomicBoolean();
    // the leader has looked at "gone" and not yet taken it: its caller gives up right then
    open(request -> {
      if (request == gone && Thread.currentThread() != goneThread.get()) {
        goneThread.get().interrupt();
        try {
          raced.set(goneOut.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });

    Future<List<Reply>> holding = holder();
    Future<List<Reply>> leader = queue(lead, new AtomicReference<>());
    Future<List<Reply>> giving = pool.submit(() -> {
      goneThread.set(Thread.currentThread());
      try {
        return direct.run(gone);
      } finally {
        goneOut.countDown();
      }
    });
    eventually("gone queued", () -> direct.queued() == 2);
    Future<List<Reply>> following = queue(next, new AtomicReference<>());
    first.countDown(); // the holder's batch is answered; "lead" is woken and leads the rest

    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    assertThat(value(leader.get(30, TimeUnit.SECONDS))).isEqualTo("lead");
    assertThat(raced).as("the leader raced the give-up").isTrue();
    // the leader read its whole batch before it returned: "next" was in it
    assertThat(fake.received).contains("mg next v").doesNotContain("mg gone v");
    assertThat(value(following.get(30, TimeUnit.SECONDS))).isEqualTo("next");
    assertThatThrownBy(() -> giving.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(CacheException.class).hasMessageContaining("interrupted");
    assertThat(goneBytes.refCnt()).as("the unsent request's bytes released").isZero();
    assertThat(direct.queued()).isZero();
    assertThat(direct.isFree()).isTrue();
  }

  @Test
  void aQueuedCallerPastItsDeadlineFailsUnsentAndReleasesItsBytes() throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    fake.answer = firstHeldUntil(first);
    open(null);
    Future<List<Reply>> holding = holder();
    ByteBuf bytes = Unpooled.copiedBuffer("mg late v\r\n", US_ASCII);
    Request late = get("late", bytes, 0); // past its deadline by the time it is queued

    assertThatThrownBy(() -> direct.run(late)).isInstanceOf(CacheTimeoutException.class);
    assertThat(bytes.refCnt()).as("the unsent request's bytes released").isZero();
    assertThat(direct.queued()).isZero();
    first.countDown();
    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    assertThat(value(direct.run(get("after", FAR)))).isEqualTo("after");
    assertThat(fake.received).noneMatch(line -> line.startsWith("mg late"));
  }

  @Test
  void aCallerQueuedJustBeforeACallStartedAloneIsSentThePipelinedWayAtOnce() throws Exception {
    fake.answer = firstHeldUntil(new CountDownLatch(0));
    open(null);
    // as a fan-out's part: taken here, written by send, read only by a later receive
    assertThat(direct.tryAcquire()).isTrue();
    Request single = get("single", FAR);
    Future<List<Reply>> queued = queue(single, new AtomicReference<>());
    Request part = get("part", FAR);
    direct.send(part);

    // before the part is received: null is "go the pipelined way", the request unsent
    assertThat(queued.get(30, TimeUnit.SECONDS)).isNull();
    assertThat(single.payloadBytes()).as("kept for the pipelined way").isPositive();
    assertThat(direct.queued()).isZero();
    assertThat(value(direct.receive(part))).isEqualTo("part");
    assertThat(direct.isFree()).isTrue();
    assertThat(fake.received).noneMatch(line -> line.startsWith("mg single"));
  }

  @Test
  void aCombinedBatchTheServerStallsFailsEachCallerOnceAndTheNextCallGetsItsOwnReply()
      throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch stalled = new CountDownLatch(1);
    Function<String, String> stalling = DirectConnectionTest.holding("mg s", stalled);
    Function<String, String> firstHeld = firstHeldUntil(first);
    fake.answer = line -> line.startsWith("mg s") ? stalling.apply(line) : firstHeld.apply(line);
    open(null);
    Future<List<Reply>> holding = holder();
    // queued in well under this on a loaded machine; the batch then waits for it in flight
    long within = TimeUnit.SECONDS.toNanos(5);
    List<Future<List<Reply>>> queued = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      queued.add(queue(get("s" + i, within), new AtomicReference<>()));
    }
    first.countDown(); // the four go out together, and the server sits on them

    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    for (Future<List<Reply>> call : queued) {
      assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(CacheTimeoutException.class);
    }
    assertThat(direct.combined()).isEqualTo(4);
    // the fake reads no further than the first of the four: it sits on it
    assertThat(fake.received).contains("mg s0 v");
    stalled.countDown(); // the late replies go to a socket the client has closed
    eventually("the direct connection open again", direct::isFree);
    assertThat(value(direct.run(get("next", FAR)))).isEqualTo("next");
  }

  @Test
  void bulkCallsQueuedBehindABatchGoOutWithSingleKeyCallsAndEachGetsItsOwnReplies()
      throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    fake.answer = firstHeldUntil(first);
    open(null);
    Future<List<Reply>> holding = holder();
    Future<List<Reply>> many = queue(getMany("a", "b"), new AtomicReference<>());
    Future<List<Reply>> single = queue(get("c", FAR), new AtomicReference<>());
    Future<List<Reply>> other = queue(getMany("d", "e", "f"), new AtomicReference<>());
    first.countDown(); // the three go out in one batch

    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    assertThat(values(many.get(30, TimeUnit.SECONDS))).containsExactly("a=a", "b=b");
    assertThat(value(single.get(30, TimeUnit.SECONDS))).isEqualTo("c");
    assertThat(values(other.get(30, TimeUnit.SECONDS))).containsExactly("d=d", "e=e", "f=f");
    assertThat(direct.combined()).as("sent as one batch of three").isEqualTo(3);
    assertThat(direct.isFree()).isTrue();
  }

  @Test
  void aClassicGetStoppedInACombinedBatchFailsEachOfItsCallersAndClosesTheConnection()
      throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    Function<String, String> firstHeld = firstHeldUntil(first);
    // as memcached 1.6 when a get stops: the unsent reply to the earlier "mg a v" is culled
    // and the error line is all the batch gets before MN
    fake.answer = line -> line.equals("mg a v") ? null
        : line.startsWith("get ") ? "SERVER_ERROR out of memory writing get response"
        : firstHeld.apply(line);
    open(null);
    Future<List<Reply>> holding = holder();
    Future<List<Reply>> single = queue(get("a", FAR), new AtomicReference<>());
    Future<List<Reply>> many = queue(getMany("b", "c"), new AtomicReference<>());
    first.countDown();

    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    // the error line is not "mg a v"'s answer: nothing in the batch can be matched any more
    assertThatThrownBy(() -> single.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(CacheConnectionException.class);
    assertThatThrownBy(() -> many.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(CacheConnectionException.class);
    assertThat(direct.combined()).isEqualTo(2);
    fake.answer = DirectConnectionTest.holding("none", new CountDownLatch(0));
    eventually("the direct connection open again", direct::isFree);
    assertThat(value(direct.run(get("next", FAR)))).isEqualTo("next");
  }

  @Test
  void aTextOnlyGetManyInACombinedBatchEndsAtItsLastEndAndEachCallerGetsItsOwnReplies()
      throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    Function<String, String> firstHeld = firstHeldUntil(first);
    // "get m" is a miss: that line's answer is END alone
    fake.answer = line -> line.equals("get m") ? "END" : firstHeld.apply(line);
    open(null);
    Future<List<Reply>> holding = holder();
    Future<List<Reply>> before = queue(get("a", FAR), new AtomicReference<>());
    Future<List<Reply>> text = queue(textGetMany(new String[] {"b", "c"}, new String[] {"m"},
        new String[] {"d"}), new AtomicReference<>());
    Future<List<Reply>> after = queue(get("e", FAR), new AtomicReference<>());
    Future<List<Reply>> other = queue(textGetMany(new String[] {"f", "g"}), new AtomicReference<>());
    Future<List<Reply>> closed = queue(getMany("h"), new AtomicReference<>());
    Future<List<Reply>> last = queue(get("i", FAR), new AtomicReference<>());
    first.countDown(); // the six go out in one batch

    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    assertThat(value(before.get(30, TimeUnit.SECONDS))).isEqualTo("a");
    // its three ENDs are its own: the middle line's miss does not end it, the last line's does
    assertThat(values(text.get(30, TimeUnit.SECONDS))).containsExactly("b=b", "c=c", "d=d");
    assertThat(value(after.get(30, TimeUnit.SECONDS))).isEqualTo("e");
    assertThat(values(other.get(30, TimeUnit.SECONDS))).containsExactly("f=f", "g=g");
    assertThat(values(closed.get(30, TimeUnit.SECONDS))).containsExactly("h=h");
    assertThat(value(last.get(30, TimeUnit.SECONDS))).isEqualTo("i");
    assertThat(direct.combined()).as("sent as one batch of six").isEqualTo(6);
    assertThat(fake.received).as("no mn but the one that closes getMany(h)")
        .containsOnlyOnce("mn");
    assertThat(direct.isFree()).isTrue();
    assertThat(value(direct.run(get("next", FAR)))).as("the connection still in step")
        .isEqualTo("next");
  }

  @Test
  void aTextOnlyGetManyStoppedInACombinedBatchFailsEachCallerStillUnansweredAndClosesTheConnection()
      throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    fake.answer = stoppingAtGetC(firstHeldUntil(first));
    open(null);
    Future<List<Reply>> holding = holder();
    Future<List<Reply>> single = queue(get("a", FAR), new AtomicReference<>());
    Future<List<Reply>> text = queue(textGetMany(new String[] {"b"}, new String[] {"c"}),
        new AtomicReference<>());
    Future<List<Reply>> after = queue(get("e", FAR), new AtomicReference<>());
    first.countDown();

    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    // the error line is not "mg a v"'s answer, nor the end of the getMany
    for (Future<List<Reply>> call : List.of(single, text, after)) {
      assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(CacheConnectionException.class);
    }
    assertThat(direct.combined()).isEqualTo(3);
    fake.answer = DirectConnectionTest.holding("none", new CountDownLatch(0));
    eventually("the direct connection open again", direct::isFree);
    assertThat(value(direct.run(get("next", FAR)))).isEqualTo("next");
  }

  /**
   * As memcached 1.6 stops a classic get at {@code get c}: the replies it had not sent yet
   * ({@code mg a v}'s and {@code mg e v}'s, which the batch sends first as single-key calls,
   * and {@code get b}'s) are culled, and the error line is all the batch gets.
   */
  private static Function<String, String> stoppingAtGetC(Function<String, String> otherwise) {
    return line -> switch (line) {
      case "mg a v", "mg e v", "get b" -> null;
      case "get c" -> "CLIENT_ERROR bad command line format";
      default -> otherwise.apply(line);
    };
  }

  @Test
  void singleKeyCallsInABatchWithBulkCallsAreSentFirstAndAnsweredBeforeTheBulkReplies()
      throws Exception {
    singleKeyCallsGoFirst(keys -> getMany(keys), "mg c v", "mg e v", "get a b", "mn", "get d",
        "mn");
  }

  @Test
  void singleKeyCallsGoBeforeTextOnlyGetManysToo() throws Exception {
    singleKeyCallsGoFirst(keys -> textGetMany(keys), "mg c v", "mg e v", "get a b", "get d");
  }

  /**
   * Queues a bulk read of a and b, a get of c, a bulk read of d and a get of e behind a held
   * call, and checks that the two gets are written first and answered while the fake still
   * sits on the bulk reads.
   */
  private void singleKeyCallsGoFirst(Function<String[], Request> bulkRead, String... sent)
      throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch bulk = new CountDownLatch(1);
    Future<List<Reply>> holding = holderWithBulkReadsHeld(first, bulk);
    Future<List<Reply>> many = queue(bulkRead.apply(new String[] {"a", "b"}),
        new AtomicReference<>());
    Future<List<Reply>> single = queue(get("c", FAR), new AtomicReference<>());
    Future<List<Reply>> other = queue(bulkRead.apply(new String[] {"d"}),
        new AtomicReference<>());
    Future<List<Reply>> last = queue(get("e", FAR), new AtomicReference<>());
    first.countDown(); // the four go out in one batch, led by the first queued, "get a b"

    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    // the fake sits on the bulk reads: the single-key calls were written, and answered, before
    assertThat(value(single.get(30, TimeUnit.SECONDS))).isEqualTo("c");
    assertThat(value(last.get(30, TimeUnit.SECONDS))).isEqualTo("e");
    assertThat(many).isNotDone();
    bulk.countDown();
    assertThat(values(many.get(30, TimeUnit.SECONDS))).containsExactly("a=a", "b=b");
    assertThat(values(other.get(30, TimeUnit.SECONDS))).containsExactly("d=d");
    assertThat(direct.combined()).as("sent as one batch of four").isEqualTo(4);
    assertThat(fake.received).containsExactly(sent);
  }

  @Test
  void setManyAndDeleteManyInACombinedBatchGetTheirOwnErrorsAndTheGetsTheirValues()
      throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    Function<String, String> firstHeld = firstHeldUntil(first);
    fake.answer = line -> line.startsWith("ms y ") ? "SERVER_ERROR object too large for cache"
        : line.startsWith("md w ") ? "NF O1"
        : firstHeld.apply(line);
    open(null);
    Future<List<Reply>> holding = holder();
    Future<List<Reply>> a = queue(get("a", FAR), new AtomicReference<>());
    Future<List<Reply>> setMany = queue(quietBatch("setMany",
        "ms x 1 q O0\r\n1\r\nms y 1 q O1\r\n2\r\n"), new AtomicReference<>());
    Future<List<Reply>> deleteMany = queue(quietBatch("deleteMany",
        "md v q O0\r\nmd w q O1\r\n"), new AtomicReference<>());
    Future<List<Reply>> b = queue(get("b", FAR), new AtomicReference<>());
    first.countDown(); // the four go out in one batch

    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    assertThat(value(a.get(30, TimeUnit.SECONDS))).isEqualTo("a");
    assertThat(value(b.get(30, TimeUnit.SECONDS))).isEqualTo("b");
    // quiet commands answer only when they fail, before their batch's MN
    assertThat(printed(setMany.get(30, TimeUnit.SECONDS)))
        .containsExactly("SERVER_ERROR object too large for cache");
    assertThat(printed(deleteMany.get(30, TimeUnit.SECONDS))).containsExactly("NF O1");
    assertThat(direct.combined()).as("sent as one batch of four").isEqualTo(4);
    assertThat(direct.isFree()).isTrue();
  }

  @Test
  void twoBulkCallsOverTheBatchBytesGoInTwoBatchesTheSecondWokenToLeadItsOwn()
      throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    fake.answer = firstHeldUntil(first);
    open(null);
    Future<List<Reply>> holding = holder();
    Request big = quietDeletes("p", 3400); // 40.8 kB
    Request next = quietDeletes("q", 2500); // 30 kB: the two do not fit 64 kB together
    assertThat(big.payloadBytes() + next.payloadBytes())
        .isGreaterThan(DirectConnection.MAX_PAYLOAD);
    Future<List<Reply>> bigCall = queue(big, new AtomicReference<>());
    Future<List<Reply>> nextCall = queue(next, new AtomicReference<>());
    first.countDown();

    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    assertThat(bigCall.get(30, TimeUnit.SECONDS)).isEmpty();
    assertThat(nextCall.get(30, TimeUnit.SECONDS)).isEmpty();
    assertThat(direct.combined()).as("each went alone").isZero();
    List<String> lines = new ArrayList<>(fake.received);
    assertThat(lines).hasSize(3400 + 1 + 2500 + 1);
    assertThat(lines.get(3400)).isEqualTo("mn");
    assertThat(lines.get(3401)).isEqualTo("md q0000 q");
    assertThat(direct.queued()).isZero();
    assertThat(direct.isFree()).isTrue();
  }

  @Test
  void aBulkCallerInterruptedInFlightGivesUpAloneAndItsRepliesAreDropped() throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch bulk = new CountDownLatch(1);
    Future<List<Reply>> holding = holderWithBulkReadsHeld(first, bulk);
    Future<List<Reply>> leader = queue(get("c", FAR), new AtomicReference<>());
    ByteBuf bytes = Unpooled.copiedBuffer("get x y\r\nmn\r\n", US_ASCII);
    Request many = Request.bulkRead("get x y", bytes, new BulkReplies(
        new String[] {"x", "y"}, 1, null));
    many.deadlineNanos = System.nanoTime() + FAR;
    AtomicReference<Thread> manyThread = new AtomicReference<>();
    Future<List<Reply>> giving = queue(many, manyThread);
    first.countDown(); // "c" leads itself and the getMany, whose replies the fake sits on

    String line;
    do {
      line = fake.received.poll(30, TimeUnit.SECONDS);
    } while (line != null && !line.equals("get x y"));
    assertThat(line).as("the getMany in flight").isEqualTo("get x y");
    manyThread.get().interrupt();
    assertThatThrownBy(() -> giving.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(CacheException.class).hasMessageContaining("interrupted");
    bulk.countDown(); // its replies come now, and the leader drops them

    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    assertThat(value(leader.get(30, TimeUnit.SECONDS))).isEqualTo("c");
    assertThat(bytes.refCnt()).as("the sent request's bytes released").isZero();
    assertThat(direct.combined()).isEqualTo(2);
    assertThat(value(direct.run(get("after", FAR)))).isEqualTo("after");
    assertThat(fake.connections.get()).as("the same connection still").isEqualTo(1);
  }

  @Test
  void aReopenWhileACallerHoldsTheConnectionDropsItsSocketOnceTheCallerIsDone()
      throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    fake.answer = firstHeldUntil(first);
    open(null);
    Future<List<Reply>> holding = holder();
    // as when the pipelined connection is lost (a restart) while this one is held: the holder
    // cannot drop it yet, and must not leave it for the next call to find dead
    direct.reopen();
    first.countDown();

    assertThat(value(holding.get(30, TimeUnit.SECONDS))).isEqualTo("first");
    eventually("the direct connection open again", direct::isFree);
    assertThat(value(direct.run(get("next", FAR)))).isEqualTo("next");
    assertThat(fake.connections.get()).as("a new socket").isEqualTo(2);
  }
}
