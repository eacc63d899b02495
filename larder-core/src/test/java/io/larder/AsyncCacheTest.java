package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.FailureModesTest.FlakyStore;
import io.larder.spi.AsyncStore;
import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AsyncCache} over the three ways a call runs: at once on {@code mem:}, natively on an
 * {@link AsyncStore} (here a memory store answered from a thread standing in for a Netty
 * event loop), and on the cache's executor for a blocking store.
 */
class AsyncCacheTest {
  private static final String IO_THREAD = "fake-io";

  /**
   * A memory store with a native asynchronous face whose futures complete on one thread of
   * its own, as a Netty client's complete on its event loop; failing as {@link FlakyStore}.
   */
  static final class IoThreadStore extends ForwardingStore implements AsyncStore {
    final FlakyStore flaky;
    /** If set, what every {@code getAsync} returns: an answer the test gives when it wants. */
    volatile CompletableFuture<byte[]> heldGet;
    final ExecutorService io = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, IO_THREAD);
      t.setDaemon(true);
      return t;
    });

    IoThreadStore() {
      this(new FlakyStore());
    }

    IoThreadStore(FlakyStore flaky) {
      super(flaky);
      this.flaky = flaky;
    }

    private <T> CompletableFuture<T> onIo(Supplier<T> call) {
      return CompletableFuture.supplyAsync(call, io);
    }

    @Override
    public CompletableFuture<byte[]> getAsync(String key) {
      CompletableFuture<byte[]> held = heldGet;
      return held != null ? held : onIo(() -> get(key));
    }

    @Override
    public CompletableFuture<Map<String, byte[]>> getManyAsync(Collection<String> keys) {
      return onIo(() -> getMany(keys));
    }

    @Override
    public CompletableFuture<Void> setAsync(String key, byte[] value, long ttlMillis) {
      return onIo(() -> {
        set(key, value, ttlMillis);
        return null;
      });
    }

    @Override
    public CompletableFuture<Void> setManyAsync(Map<String, byte[]> entries, long ttlMillis) {
      return onIo(() -> {
        setMany(entries, ttlMillis);
        return null;
      });
    }

    @Override
    public CompletableFuture<Boolean> deleteAsync(String key) {
      return onIo(() -> delete(key));
    }

    @Override
    public CompletableFuture<Integer> deleteManyAsync(Collection<String> keys) {
      return onIo(() -> deleteMany(keys));
    }

    @Override
    public CompletableFuture<StoredValue> getVersionedAsync(String key) {
      return onIo(() -> getVersioned(key));
    }

    @Override
    public CompletableFuture<Boolean> compareAndSetAsync(String key, StoredValue expected,
        byte[] value, long ttlMillis) {
      return onIo(() -> compareAndSet(key, expected, value, ttlMillis));
    }

    @Override
    public void close() {
      io.shutdown();
      super.close();
    }
  }

  /** A blocking store that records the threads it is called on. */
  static final class WatchedStore extends ForwardingStore {
    final Set<String> threads = ConcurrentHashMap.newKeySet();

    WatchedStore(Store delegate) {
      super(delegate);
    }

    @Override
    public byte[] get(String key) {
      threads.add(Thread.currentThread().getName());
      return super.get(key);
    }

    @Override
    public void set(String key, byte[] value, long ttlMillis) {
      threads.add(Thread.currentThread().getName());
      super.set(key, value, ttlMillis);
    }
  }

  private final List<Cache> opened = new java.util.ArrayList<>();

  private Cache open(Larder.Builder builder) {
    Cache cache = builder.build();
    opened.add(cache);
    return cache;
  }

  @AfterEach
  void close() {
    opened.forEach(Cache::close);
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  /** Runs every basic operation through the view, as any store must answer them. */
  private static void basicOperations(AsyncCache async) throws Exception {
    assertThat(await(async.get("a", String.class))).isNull();
    await(async.set("a", "1"));
    assertThat(await(async.get("a", String.class))).isEqualTo("1");
    assertThat(await(async.exists("a"))).isTrue();
    await(async.setMany(Map.of("b", "2", "c", "3")));
    assertThat(await(async.getMany(List.of("a", "b", "c", "d"), String.class)))
        .containsExactly(Map.entry("a", "1"), Map.entry("b", "2"), Map.entry("c", "3"));
    assertThat(await(async.add("a", "x"))).isFalse();
    assertThat(await(async.add("e", "5"))).isTrue();
    assertThat(await(async.touch("e", Duration.ofMinutes(5)))).isTrue();
    assertThat(await(async.touch("none", Duration.ofMinutes(5)))).isFalse();
    assertThat(await(async.incr("n"))).isEqualTo(1);
    assertThat(await(async.incr("n", 5))).isEqualTo(6);
    assertThat(await(async.decr("n", 2))).isEqualTo(4);
    Versioned<String> read = await(async.getVersioned("a", String.class));
    assertThat(read.value()).isEqualTo("1");
    assertThat(await(async.compareAndSet(read, "11"))).isTrue();
    assertThat(await(async.compareAndSet(read, "12"))).isFalse();
    assertThat(await(async.update("a", Codec.utf8(), Duration.ofMinutes(1), v -> v + "!")))
        .isEqualTo("11!");
    assertThat(await(async.delete("a"))).isTrue();
    assertThat(await(async.delete("a"))).isFalse();
    assertThat(await(async.deleteMany(List.of("b", "c", "zz")))).isEqualTo(2);
    assertThat(await(async.exists("b"))).isFalse();
    await(async.set("gone", "v", Codec.utf8(), Duration.ZERO));
    assertThat(await(async.exists("gone"))).isFalse();
  }

  @Test
  void memoryAnswersEveryOperationBeforeTheCallReturns() throws Exception {
    Cache cache = open(Larder.builder().url("mem:").failOpen(false));
    AsyncCache async = cache.async();
    basicOperations(async);

    CompletableFuture<Void> set = async.set("k", "v");
    CompletableFuture<String> get = async.get("k", String.class);
    assertThat(set).isDone();
    assertThat(get).isCompletedWithValue("v");
    assertThat(cache.get("k", String.class)).isEqualTo("v");

    AsyncCache none = open(Larder.builder().url("none:")).async();
    assertThat(none.set("k", "v")).isDone();
    assertThat(none.get("k", String.class)).isCompletedWithValue(null);
    assertThat(none.getOrCompute("k", String.class, Duration.ofMinutes(1),
        key -> CompletableFuture.completedFuture("computed"))).isCompletedWithValue("computed");
  }

  @Test
  void aNativeStoreIsCalledAsynchronouslyAndCompletesOffItsIoThread() throws Exception {
    IoThreadStore store = new IoThreadStore();
    AsyncCache async = open(Larder.builder().store(store).failOpen(false)).async();
    basicOperations(async);

    Set<String> callbackThreads = ConcurrentHashMap.newKeySet();
    CompletableFuture<?>[] calls = new CompletableFuture<?>[200];
    for (int i = 0; i < calls.length; i++) {
      String key = "k" + i;
      calls[i] = async.set(key, "v" + i)
          .thenCompose(done -> {
            callbackThreads.add(Thread.currentThread().getName());
            return async.get(key, String.class);
          })
          .thenAccept(value -> {
            callbackThreads.add(Thread.currentThread().getName());
            assertThat(value).isEqualTo("v" + key.substring(1));
          });
    }
    await(CompletableFuture.allOf(calls));
    assertThat(callbackThreads).isNotEmpty().noneMatch(IO_THREAD::equals);
  }

  @Test
  void aCallAnsweredAfterCloseFailsAsClosedAndNotOnTheStoresIoThread() throws Exception {
    IoThreadStore store = new IoThreadStore();
    CompletableFuture<byte[]> held = new CompletableFuture<>();
    store.heldGet = held;
    Cache cache = Larder.builder().store(store).failOpen(false).build();
    AsyncCache async = cache.async();
    await(async.set("warm", "v")); // the executor exists
    Set<String> callbackThreads = ConcurrentHashMap.newKeySet();
    CompletableFuture<String> get = async.get("k", String.class);
    CompletableFuture<String> seen =
        get.whenComplete((v, e) -> callbackThreads.add(Thread.currentThread().getName()));
    cache.close();
    Thread io = new Thread(() -> held.complete(null), IO_THREAD);
    io.start();
    io.join();
    assertThatThrownBy(() -> await(seen)).hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
    // one thread kept for this, not a thread (or a busy shared pool) per call
    assertThat(callbackThreads).containsExactly("larder-closed");
  }

  @Test
  void aBlockingStoreIsCalledOnTheCachesExecutor() throws Exception {
    WatchedStore store = new WatchedStore(Stores.memory());
    AsyncCache async = open(Larder.builder().store(store).asyncThreads(2)).async();
    basicOperations(async);

    assertThat(store.threads).isNotEmpty().allMatch(name -> name.startsWith("larder-async-"));
  }

  @Test
  void theViewSharesTheCachesKeysNamespacesAndStats() throws Exception {
    Cache cache = open(Larder.builder().store(new IoThreadStore()));
    Cache notes = cache.namespace("notes");
    notes.set("312", "sync");
    AsyncCache async = cache.async().namespace("notes");

    assertThat(await(async.get("312", String.class))).isEqualTo("sync");
    await(async.set("313", "async"));
    assertThat(notes.get("313", String.class)).isEqualTo("async");
    assertThat(cache.get("313", String.class)).isNull();
    assertThat(notes.stats().hits()).isEqualTo(2);
    assertThat(async.stats()).isEqualTo(notes.stats());

    await(async.clear());
    assertThat(notes.get("312", String.class)).isNull();
  }

  @Test
  void failOpenCompletesWithTheFallbackAndCountsTheError() throws Exception {
    IoThreadStore store = new IoThreadStore();
    AsyncCache async = open(Larder.builder().store(store)).async();
    await(async.set("k", "v"));
    store.flaky.down = true;

    assertThat(await(async.get("k", String.class))).isNull();
    assertThat(await(async.getMany(List.of("k"), String.class))).isEmpty();
    await(async.set("k", "w"));
    assertThat(await(async.add("j", "w"))).isFalse();
    assertThat(await(async.delete("k"))).isFalse();
    assertThat(await(async.exists("m"))).isFalse();
    assertThat(await(async.incr("n"))).isZero();
    assertThat(async.stats().storeErrors()).isEqualTo(7);
  }

  @Test
  void failClosedCompletesWithTheSameCacheExceptionAsTheSynchronousCall() throws Exception {
    IoThreadStore store = new IoThreadStore();
    AsyncCache async = open(Larder.builder().store(store).failOpen(false)).async();
    store.flaky.down = true;

    for (CompletableFuture<?> call : List.of(async.get("k", String.class),
        async.set("k", "v"), async.getMany(List.of("k"), String.class), async.delete("k"),
        async.incr("n"))) {
      Throwable failure = call.handle((value, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(failure).isInstanceOf(CacheConnectionException.class);
    }
    assertThatThrownBy(() -> async.synchronous().get("k", String.class))
        .isInstanceOf(CacheConnectionException.class);
  }

  @Test
  void aBlockingStoresFailureReachesTheFutureAsTheSynchronousOne() throws Exception {
    FlakyStore store = new FlakyStore();
    AsyncCache async = open(Larder.builder().store(store).failOpen(false)).async();
    store.down = true;

    Throwable failure = async.get("k", String.class).handle((value, e) -> e)
        .get(10, TimeUnit.SECONDS);
    assertThat(failure).isInstanceOf(CacheConnectionException.class);
  }

  @Test
  void badArgumentsAreThrownAtOnce() {
    AsyncCache async = open(Larder.builder().url("mem:")).async();
    assertThatThrownBy(() -> async.get("", String.class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> async.set("k", null, Codec.utf8(), Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> async.incr("n", 1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> async.tagged("t").incr("n"))
        .isInstanceOf(IllegalStateException.class);
    async.close();
    assertThatThrownBy(() -> async.get("k", String.class))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void asyncCallsNeitherReadFromNorAreHeldBackByAThreadsScope() throws Exception {
    Cache cache = open(Larder.builder().url("mem:"));
    AsyncCache async = cache.async();
    cache.set("a", "1");
    byte[] three = {3};
    try (Preload scope = cache.preload("a", "b"); Preload request = cache.gatherWrites()) {
      await(async.set("a", "2"));
      assertThat(cache.get("a", String.class)).isEqualTo("2"); // the scope forgot "a"
      assertThat(await(async.get("a", String.class))).isEqualTo("2");
      await(async.set("b", three, Codec.bytes(), Duration.ofMinutes(1)));
      // not held back until the request scope closes: another thread sees it now
      assertThat(CompletableFuture.supplyAsync(() -> cache.get("b", byte[].class))
          .get(10, TimeUnit.SECONDS)).containsExactly(3);
    }
    assertThat(cache.stats().preloadHits()).isZero();
  }

  @Test
  void theExecutorIsConfiguredOnceByBuilderOrUrl() {
    assertThatThrownBy(() -> Larder.builder().url("mem:?asyncThreads=0").build())
        .hasMessageContaining("asyncThreads");
    assertThatThrownBy(() -> Larder.builder().url("mem:?asyncThreads=2")
        .asyncExecutor(Runnable::run).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Larder.builder().url("mem:").asyncThreads(2)
        .asyncExecutor(Runnable::run).build())
        .isInstanceOf(IllegalStateException.class);
    AsyncCache async = Larder.builder().url("mem:?asyncThreads=3").buildAsync();
    async.close();
  }
}
