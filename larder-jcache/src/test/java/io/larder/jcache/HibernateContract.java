package io.larder.jcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import javax.cache.CacheManager;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.Configuration;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hibernate ORM's second-level cache (entity and query cache, through {@code hibernate-jcache})
 * on Larder's JCache provider, with an H2 database: what every store must show.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HibernateContract {
  static final String QUERY = "from Book b where b.title like :prefix order by b.id";

  SessionFactory factory;
  Statistics stats;

  /** Hibernate settings that choose Larder's provider and the cache manager. */
  abstract Map<String, Object> cacheSettings();

  /** The cache manager Hibernate uses, once the session factory is built. */
  abstract CacheManager cacheManager();

  @BeforeAll
  void buildSessionFactory() {
    Configuration cfg = new Configuration().addAnnotatedClass(Book.class)
        .setProperty("hibernate.connection.url",
            "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1")
        .setProperty("hibernate.hbm2ddl.auto", "create-drop")
        .setProperty("hibernate.cache.use_second_level_cache", "true")
        .setProperty("hibernate.cache.use_query_cache", "true")
        .setProperty("hibernate.cache.region.factory_class", "jcache")
        .setProperty("hibernate.javax.cache.provider", LarderCachingProvider.class.getName())
        .setProperty("hibernate.javax.cache.missing_cache_strategy", "create")
        .setProperty("hibernate.generate_statistics", "true");
    cacheSettings().forEach((k, v) -> cfg.getProperties().put(k, v));
    factory = cfg.buildSessionFactory();
    stats = factory.getStatistics();
  }

  @BeforeEach
  void twoBooksAndAnEmptyCache() {
    inTransaction(s -> s.createMutationQuery("delete from Book").executeUpdate());
    factory.getCache().evictAllRegions();
    inTransaction(s -> {
      s.persist(new Book(1L, "Dune"));
      s.persist(new Book(2L, "Dune Messiah"));
    });
    factory.getCache().evictAllRegions();
    stats.clear();
  }

  @AfterAll
  void closeSessionFactory() {
    if (factory != null) {
      factory.close();
    }
  }

  void inTransaction(Consumer<Session> work) {
    factory.inTransaction(work);
  }

  String title(long id) {
    return factory.fromTransaction(s -> s.find(Book.class, id).title());
  }

  List<Long> query(String prefix) {
    return factory.fromTransaction(s -> s.createQuery(QUERY, Book.class)
        .setParameter("prefix", prefix + "%")
        .setCacheable(true)
        .list()
        .stream().map(Book::id).toList());
  }

  @Test
  void theSecondReadOfAnEntityIsASecondLevelHit() {
    assertThat(title(1)).isEqualTo("Dune");
    assertThat(stats.getSecondLevelCacheMissCount()).isEqualTo(1);
    assertThat(stats.getSecondLevelCachePutCount()).isEqualTo(1);
    assertThat(stats.getSecondLevelCacheHitCount()).isZero();

    assertThat(title(1)).isEqualTo("Dune");
    assertThat(stats.getSecondLevelCacheHitCount()).isEqualTo(1);
    assertThat(stats.getPrepareStatementCount()).as("only the first read reached the database")
        .isEqualTo(1);

    // the entry lives in the Larder-backed JCache cache of the entity's region
    javax.cache.Cache<Object, Object> region = cacheManager().getCache(Book.class.getName());
    assertThat(region).isNotNull();
    assertThat(region.unwrap(io.larder.Cache.class)).isNotNull();
    assertThat(region.iterator()).hasNext();
  }

  @Test
  void anUpdatedEntityIsReadFresh_andABulkUpdateMakesTheNextReadAMiss() {
    assertThat(title(1)).isEqualTo("Dune");
    inTransaction(s -> s.find(Book.class, 1L).title("Dune (1965)"));
    long hits = stats.getSecondLevelCacheHitCount();
    long misses = stats.getSecondLevelCacheMissCount();
    // read-write: the update put the new state in the cache, never the stale one
    assertThat(title(1)).isEqualTo("Dune (1965)");

    inTransaction(s -> s.createMutationQuery("update Book b set b.title = :t where b.id = 1")
        .setParameter("t", "Dune!").executeUpdate());
    hits = stats.getSecondLevelCacheHitCount();
    misses = stats.getSecondLevelCacheMissCount();
    assertThat(title(1)).isEqualTo("Dune!");
    assertThat(stats.getSecondLevelCacheMissCount()).as("a miss after the update").isEqualTo(misses + 1);
    assertThat(stats.getSecondLevelCacheHitCount()).isEqualTo(hits);
  }

  @Test
  void theQueryCacheHitsOnTheSecondRun_andMissesAfterAnUpdateOfTheTable() {
    assertThat(query("Dune")).containsExactly(1L, 2L);
    assertThat(stats.getQueryCacheMissCount()).isEqualTo(1);
    assertThat(stats.getQueryCachePutCount()).isEqualTo(1);

    assertThat(query("Dune")).containsExactly(1L, 2L);
    assertThat(stats.getQueryCacheHitCount()).isEqualTo(1);

    inTransaction(s -> s.find(Book.class, 2L).title("Children of Dune"));
    assertThat(query("Dune")).containsExactly(1L);
    assertThat(stats.getQueryCacheMissCount()).as("the update made the cached result stale")
        .isEqualTo(2);
    assertThat(stats.getQueryCacheHitCount()).isEqualTo(1);
  }
}
