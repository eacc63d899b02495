package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.CacheTimeoutException;
import io.larder.spi.AsyncStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Loads for a store's native {@link AsyncStore} calls against its real server: thousands of
 * calls in flight at once, sent from several threads, each with a value no other call uses
 * and each answer checked; and calls in flight while the server hangs, each failing once with
 * a timeout. A store module runs them from one of its ITs, on the server that IT already
 * started.
 *
 * <pre>{@code
 * AsyncLoad.mixedCalls((AsyncStore) store, "async:", 4, 1_000);
 * }</pre>
 */
public final class AsyncLoad {
  private static final long WAIT_SECONDS = 60;

  private AsyncLoad() {}

  /**
   * Sends {@code threads × perThread} rounds of mixed asynchronous calls at once and checks
   * every answer. Each round of a thread owns its keys: it writes a value made of its thread
   * and round with {@code setAsync} and reads it back (single and bulk), adds, deletes,
   * compare-and-sets and counts on keys no other round touches; counters shared by all
   * rounds must end at the exact total.
   *
   * @param store the store, empty under {@code prefix}
   * @param prefix a prefix for every key the load writes
   * @param threads how many threads send calls at once
   * @param perThread rounds per thread (each about a dozen calls)
   * @return how many answers were checked
   * @throws AssertionError if an answer is wrong or a call fails
   */
  public static int mixedCalls(AsyncStore store, String prefix, int threads, int perThread) {
    int shared = 16;
    // first, values every round reads back in bulk, written in one go
    Map<String, byte[]> preset = new HashMap<>();
    int rounds = threads * perThread;
    for (int r = 0; r < rounds; r++) {
      preset.put(prefix + "p" + r, bytes("preset " + r));
      preset.put(prefix + "d" + r, bytes("doomed " + r));
    }
    join(store.setManyAsync(preset, 0));

    List<List<CompletableFuture<Integer>>> sent = together(threads, t -> {
      List<CompletableFuture<Integer>> checks = new ArrayList<>(perThread * 8);
      for (int i = 0; i < perThread; i++) {
        int r = t * perThread + i;
        String own = prefix + "own" + r;
        byte[] mine = bytes("thread " + t + " round " + r);
        checks.add(store.setAsync(own, mine, 60_000)
            .thenCompose(ok -> store.getAsync(own))
            .thenApply(read -> check(own, read, mine)));
        checks.add(store.getAsync(prefix + "p" + r)
            .thenApply(read -> check(prefix + "p" + r, read, bytes("preset " + r))));
        List<String> bulk = List.of(prefix + "p" + r, prefix + "p" + ((r + 1) % rounds),
            prefix + "missing" + r);
        checks.add(store.getManyAsync(bulk).thenApply(found -> {
          assertThat(found).as("getMany of %s", bulk).containsOnlyKeys(bulk.subList(0, 2));
          check(bulk.get(0), found.get(bulk.get(0)), bytes("preset " + r));
          check(bulk.get(1), found.get(bulk.get(1)), bytes("preset " + ((r + 1) % rounds)));
          return 3;
        }));
        checks.add(store.deleteAsync(prefix + "d" + r).thenCompose(removed -> {
          assertThat(removed).as("delete of %sd%d", prefix, r).isTrue();
          return store.existsAsync(prefix + "d" + r);
        }).thenApply(there -> {
          assertThat(there).as("%sd%d exists after its delete", prefix, r).isFalse();
          return 2;
        }));
        String added = prefix + "a" + r;
        checks.add(store.addAsync(added, mine, 0).thenCompose(first -> {
          assertThat(first).as("first add of %s", added).isTrue();
          return store.addAsync(added, bytes("second"), 0);
        }).thenApply(second -> {
          assertThat(second).as("second add of %s", added).isFalse();
          return 2;
        }));
        String versioned = prefix + "v" + r;
        checks.add(store.compareAndSetAsync(versioned, null, mine, 0)
            .thenCompose(created -> {
              assertThat(created).as("compare-and-set of absent %s", versioned).isTrue();
              return store.getVersionedAsync(versioned);
            })
            .thenCompose(read -> {
              check(versioned, read.bytes(), mine);
              return store.compareAndSetAsync(versioned, read, bytes("next " + r), 0)
                  .thenCompose(won -> {
                    assertThat(won).as("compare-and-set of %s as read", versioned).isTrue();
                    return store.compareAndSetAsync(versioned, read, bytes("stale"), 0);
                  });
            })
            .thenCompose(stale -> {
              assertThat(stale).as("compare-and-set of %s with a stale version", versioned)
                  .isFalse();
              return store.getAsync(versioned);
            })
            .thenApply(read -> check(versioned, read, bytes("next " + r)) + 3));
        checks.add(store.incrAsync(prefix + "n" + (r % shared), 1, 0).thenApply(n -> {
          assertThat(n).isPositive();
          return 1;
        }));
        checks.add(store.setAsync(own + "t", mine, 60_000)
            .thenCompose(ok -> store.touchAsync(own + "t", 120_000))
            .thenApply(touched -> {
              assertThat(touched).as("touch of %st", own).isTrue();
              return 1;
            }));
      }
      return checks;
    });
    int checked = 0;
    for (List<CompletableFuture<Integer>> checks : sent) {
      for (CompletableFuture<Integer> check : checks) {
        checked += join(check);
      }
    }
    List<String> counters = new ArrayList<>();
    for (int s = 0; s < shared; s++) {
      counters.add(prefix + "n" + s);
    }
    Map<String, byte[]> totals = join(store.getManyAsync(counters));
    long total = 0;
    for (byte[] n : totals.values()) {
      total += Long.parseLong(new String(n, StandardCharsets.US_ASCII));
    }
    assertThat(total).as("the shared counters' total").isEqualTo(rounds);
    assertThat(join(store.deleteManyAsync(counters))).isEqualTo(shared);
    return checked;
  }

  /**
   * Sends {@code calls} asynchronous calls (reads, writes, bulk reads and counters, in turn)
   * while the server does not answer, and checks that each fails with
   * {@link CacheTimeoutException}, as the blocking call would throw.
   *
   * @param store the store, whose timeouts are short
   * @param prefix a prefix for the keys
   * @param calls how many calls to send
   * @throws AssertionError if a call succeeds or fails otherwise
   */
  public static void timeouts(AsyncStore store, String prefix, int calls) {
    timeouts(store, prefix, calls, 4);
  }

  /**
   * As {@link #timeouts(AsyncStore, String, int)}, with single-key calls only: for a scripted
   * server that answers the end of a bulk batch even while it ignores everything else.
   *
   * @param store the store, whose timeouts are short
   * @param prefix a prefix for the keys
   * @param calls how many calls to send
   * @throws AssertionError if a call succeeds or fails otherwise
   */
  public static void singleKeyTimeouts(AsyncStore store, String prefix, int calls) {
    timeouts(store, prefix, calls, 2);
  }

  private static void timeouts(AsyncStore store, String prefix, int calls, int kinds) {
    List<CompletableFuture<?>> sent = new ArrayList<>(calls);
    for (int i = 0; i < calls; i++) {
      String key = prefix + "t" + i;
      int kind = i % kinds;
      sent.add(switch (kinds == 2 && kind == 1 ? 3 : kind) {
        case 0 -> store.getAsync(key);
        case 1 -> store.setAsync(key, bytes("v" + i), 0);
        case 2 -> store.getManyAsync(List.of(key, key + "b"));
        default -> store.incrAsync(key, 1, 0);
      });
    }
    AtomicInteger completions = new AtomicInteger();
    for (CompletableFuture<?> f : sent) {
      f.whenComplete((v, e) -> completions.incrementAndGet());
    }
    for (int i = 0; i < calls; i++) {
      Throwable failure = failure(sent.get(i));
      assertThat(failure).as("call %d while the server hangs", i)
          .isInstanceOf(CacheTimeoutException.class);
    }
    assertThat(completions.get()).as("each call completed once").isEqualTo(calls);
  }

  private static int check(String key, byte[] read, byte[] expected) {
    assertThat(read).as("value of %s", key).isNotNull();
    assertThat(new String(read, StandardCharsets.UTF_8)).as("value of %s", key)
        .isEqualTo(new String(expected, StandardCharsets.UTF_8));
    return 1;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> T join(CompletableFuture<T> f) {
    try {
      return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("an asynchronous call failed", e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("an asynchronous call never completed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.get(WAIT_SECONDS, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException | CompletionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("an asynchronous call never completed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Runs {@code threads} senders, released together, and returns what each made. */
  private static <T> List<T> together(int threads, IntFunction<T> sender) {
    List<T> made = new ArrayList<>(java.util.Collections.nCopies(threads, null));
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> running = new ArrayList<>(threads);
    List<Throwable> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread th = new Thread(() -> {
        try {
          start.await();
          made.set(thread, sender.apply(thread));
        } catch (Throwable e) {
          failed.add(e);
        }
      }, "async-sender-" + t);
      th.setDaemon(true);
      th.start();
      running.add(th);
    }
    start.countDown();
    for (Thread th : running) {
      try {
        th.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
    if (!failed.isEmpty()) {
      throw new AssertionError("a sender failed", failed.get(0));
    }
    return made;
  }
}
