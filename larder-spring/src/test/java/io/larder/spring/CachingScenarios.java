package io.larder.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Larder;
import io.larder.jackson.JsonCodec;
import io.larder.testkit.CallerThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

/**
 * A Spring context with {@code @Cacheable}, {@code @CachePut}, {@code @CacheEvict} and
 * {@code sync = true} on a {@link LarderCacheManager}; run against each store by a subclass.
 */
abstract class CachingScenarios {
  record Book(String isbn, String title) {}

  /**
   * A service whose methods count their real calls. The test holds Spring's proxy, whose own
   * fields are unset, so counts are read through methods.
   */
  static class Books {
    private final AtomicInteger finds = new AtomicInteger();
    private final AtomicInteger reports = new AtomicInteger();
    private final AtomicInteger counts = new AtomicInteger();
    private volatile Runnable reportGate = () -> {};

    public int finds() {
      return finds.get();
    }

    public int reports() {
      return reports.get();
    }

    public int counts() {
      return counts.get();
    }

    /** Runs {@code gate} inside each computation of a report, before it returns. */
    public void gateReports(Runnable gate) {
      reportGate = gate;
    }

    @Cacheable("books")
    public Book find(String isbn) {
      finds.incrementAndGet();
      return isbn.equals("none") ? null : new Book(isbn, "Title " + isbn);
    }

    @Cacheable(cacheNames = "books", sync = true)
    public Book findSync(String isbn) {
      return find(isbn);
    }

    @CachePut(cacheNames = "books", key = "#p0.isbn")
    public Book save(Book book) {
      return book;
    }

    @CacheEvict("books")
    public void remove(String isbn) {}

    @CacheEvict(cacheNames = "books", allEntries = true)
    public void removeAll() {}

    @Cacheable("counts")
    public long count(String shelf, int floor) {
      counts.incrementAndGet();
      return shelf.length() * 100L + floor;
    }

    @Cacheable("books")
    public CompletableFuture<Book> findLater(String isbn) {
      finds.incrementAndGet();
      return CompletableFuture.supplyAsync(() -> new Book(isbn, "Title " + isbn));
    }

    @Cacheable(cacheNames = "books", sync = true)
    public CompletableFuture<Book> findLaterSync(String isbn) {
      return findLater(isbn);
    }

    @Cacheable("books")
    public Mono<Book> findMono(String isbn) {
      return Mono.fromSupplier(() -> {
        finds.incrementAndGet();
        return new Book(isbn, "Title " + isbn);
      });
    }

    @Cacheable(cacheNames = "reports", sync = true)
    public String report(String day) throws InterruptedException {
      reports.incrementAndGet();
      reportGate.run();
      return "report of " + day;
    }
  }

  @Configuration
  @EnableCaching
  static class Config {
    @Bean
    LarderCacheManager cacheManager(io.larder.Cache larder) {
      return LarderCacheManager.builder(larder)
          .cache("books", LarderCacheConfig.defaults().ttl(Duration.ofMinutes(10))
              .codec(JsonCodec.of(Book.class)))
          .build();
    }

    @Bean
    Books books() {
      return new Books();
    }
  }

  private io.larder.Cache larder;
  private AnnotationConfigApplicationContext context;
  private Books books;

  /** The URL of the store under test. */
  abstract String url();

  @BeforeEach
  void startContext() {
    larder = Larder.open(url());
    larder.clear();
    context = new AnnotationConfigApplicationContext();
    context.registerBean("larder", io.larder.Cache.class, () -> larder);
    context.register(Config.class);
    context.refresh();
    books = context.getBean(Books.class);
  }

  @AfterEach
  void stopContext() {
    context.close();
    larder.close();
  }

  @Test
  void cacheableComputesOnceThenReadsTheCache() {
    assertThat(books.find("1")).isEqualTo(new Book("1", "Title 1"));
    assertThat(books.find("1")).isEqualTo(new Book("1", "Title 1"));
    assertThat(books.finds()).isEqualTo(1);
    assertThat(larder.namespace("books").get("1", JsonCodec.of(Book.class)))
        .isEqualTo(new Book("1", "Title 1"));
  }

  @Test
  void nullResultsAreCachedToo() {
    assertThat(books.find("none")).isNull();
    assertThat(books.find("none")).isNull();
    assertThat(books.findSync("none")).isNull();
    assertThat(books.finds()).isEqualTo(1);
  }

  @Test
  void cachePutReplacesWhatCacheableReads() {
    books.find("1");
    books.save(new Book("1", "Revised"));
    assertThat(books.find("1").title()).isEqualTo("Revised");
    assertThat(books.findSync("1").title()).isEqualTo("Revised");
    assertThat(books.finds()).isEqualTo(1);
  }

  @Test
  void cacheEvictRemovesOneKeyOrTheWholeCacheOnly() {
    books.find("1");
    books.find("2");
    books.remove("1");
    books.find("1");
    books.find("2");
    assertThat(books.finds()).isEqualTo(3);

    books.count("top", 1);
    larder.set("unrelated", "kept");
    books.removeAll();
    books.find("1");
    books.find("2");
    assertThat(books.finds()).isEqualTo(5);
    books.count("top", 1);
    assertThat(books.counts()).isEqualTo(1);
    assertThat(larder.get("unrelated", String.class)).isEqualTo("kept");
  }

  @Test
  void methodsWithSeveralArgumentsAreKeyedByAllOfThem() {
    assertThat(books.count("top", 1)).isEqualTo(301L);
    assertThat(books.count("top", 2)).isEqualTo(302L);
    assertThat(books.count("top", 1)).isEqualTo(301L);
    assertThat(books.count("to", 1)).isEqualTo(201L);
    assertThat(books.counts()).isEqualTo(3);
  }

  @Test
  void cacheableMethodsReturningFuturesAndMonosComputeOnceAndShareEntries() throws Exception {
    assertThat(books.findLater("1").get(10, TimeUnit.SECONDS)).isEqualTo(new Book("1", "Title 1"));
    assertThat(books.findLater("1").get(10, TimeUnit.SECONDS)).isEqualTo(new Book("1", "Title 1"));
    assertThat(books.findMono("1").block(Duration.ofSeconds(10)))
        .isEqualTo(new Book("1", "Title 1"));
    assertThat(books.find("1")).isEqualTo(new Book("1", "Title 1"));
    assertThat(books.finds()).isEqualTo(1);
    assertThat(larder.namespace("books").get("1", JsonCodec.of(Book.class)))
        .isEqualTo(new Book("1", "Title 1"));

    assertThat(books.findMono("2").block(Duration.ofSeconds(10)))
        .isEqualTo(new Book("2", "Title 2"));
    assertThat(books.findMono("2").block(Duration.ofSeconds(10)))
        .isEqualTo(new Book("2", "Title 2"));
    assertThat(books.finds()).isEqualTo(2);

    List<CompletableFuture<Book>> concurrent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      concurrent.add(books.findLaterSync("3"));
    }
    for (CompletableFuture<Book> f : concurrent) {
      assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(new Book("3", "Title 3"));
    }
    assertThat(books.finds()).as("sync = true: one load shared by concurrent callers")
        .isEqualTo(3);
    assertThat(books.findSync("3")).isEqualTo(new Book("3", "Title 3"));
    assertThat(books.finds()).isEqualTo(3);
  }

  @Test
  void syncCachingComputesOnceAndSharesEntriesWithPlainCaching() {
    assertThat(books.findSync("7")).isEqualTo(new Book("7", "Title 7"));
    assertThat(books.findSync("7")).isEqualTo(new Book("7", "Title 7"));
    assertThat(books.find("7")).isEqualTo(new Book("7", "Title 7"));
    assertThat(books.finds()).isEqualTo(1);
  }

  @Test
  void sixtyFourConcurrentSyncCallsComputeOnce() throws Exception {
    int callers = 64;
    CallerThreads threads = new CallerThreads();
    // the computation returns only once every other caller waits for it
    books.gateReports(() -> threads.awaitOthersBlocked(callers, Duration.ofSeconds(30)));
    ExecutorService pool = Executors.newFixedThreadPool(callers, threads);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(pool.submit(() -> books.report("2025-01-02")));
      }
      for (Future<String> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("report of 2025-01-02");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(books.reports()).isEqualTo(1);
  }
}
