package io.larder.jcache;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;

/** The entity of the Hibernate tests: cached in the second-level cache, read-write. */
@Entity
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
public class Book {
  @Id
  private Long id;
  private String title;

  /** For Hibernate. */
  protected Book() {}

  Book(Long id, String title) {
    this.id = id;
    this.title = title;
  }

  Long id() {
    return id;
  }

  String title() {
    return title;
  }

  void title(String title) {
    this.title = title;
  }
}
