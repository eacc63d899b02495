package io.larder.example;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * The example's database: books, reviews and comments in an SQLite file, seeded on first
 * use.
 *
 * <p><b>Every query is slowed down on purpose</b>: it sleeps 20 to 50 ms before running, to
 * stand for the network and query time of a real database server (the SQLite file itself
 * answers in microseconds). That is what makes the cache's savings visible.
 */
final class Library {
  private final String url;
  private final int minLatencyMillis;
  private final int maxLatencyMillis;
  private final LongAdder queries = new LongAdder();
  private final LongAdder queryNanos = new LongAdder();
  private final LongAdder commentQueries = new LongAdder();
  private final LongAdder commentNanos = new LongAdder();

  private Library(Path file, int minLatencyMillis, int maxLatencyMillis) {
    this.url = "jdbc:sqlite:" + file.toAbsolutePath();
    this.minLatencyMillis = minLatencyMillis;
    this.maxLatencyMillis = maxLatencyMillis;
  }

  /**
   * Opens the library in {@code file}, creating and seeding it if it does not exist.
   *
   * @param minLatencyMillis the least simulated query time
   * @param maxLatencyMillis the most simulated query time
   */
  static Library open(Path file, int minLatencyMillis, int maxLatencyMillis) throws SQLException {
    boolean fresh = !Files.exists(file);
    Library library = new Library(file, minLatencyMillis, maxLatencyMillis);
    try (Connection c = library.connect()) {
      pragma(c, "PRAGMA journal_mode = WAL");
      if (fresh) {
        Seed.create(c);
      }
    }
    return library;
  }

  private Connection connect() throws SQLException {
    Connection c = DriverManager.getConnection(url);
    pragma(c, "PRAGMA busy_timeout = 5000");
    return c;
  }

  /** Runs a pragma, closing the row it answers with (an open one would block a commit). */
  private static void pragma(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
    }
  }

  /** A query's work, given a connection. */
  private interface Query<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T query(Query<T> q) {
    long start = System.nanoTime();
    try {
      simulateLatency();
      try (Connection c = connect()) {
        return q.run(c);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("library query failed: " + e.getMessage(), e);
    } finally {
      queries.increment();
      queryNanos.add(System.nanoTime() - start);
    }
  }

  private void simulateLatency() {
    int millis = ThreadLocalRandom.current().nextInt(minLatencyMillis, maxLatencyMillis + 1);
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during a query", e);
    }
  }

  Book[] books() {
    return query(c -> {
      List<Book> books = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, title, author, year, description FROM books ORDER BY title");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          books.add(readBook(rs));
        }
      }
      return books.toArray(Book[]::new);
    });
  }

  /** Returns the book, or {@code null} if there is none with this id. */
  Book book(long id) {
    return query(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, title, author, year, description FROM books WHERE id = ?")) {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? readBook(rs) : null;
        }
      }
    });
  }

  private static Book readBook(ResultSet rs) throws SQLException {
    return new Book(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5));
  }

  Review[] reviews(long bookId) {
    return query(c -> {
      List<Review> reviews = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT id, book_id, reviewer, rating, body"
          + " FROM reviews WHERE book_id = ? ORDER BY id")) {
        ps.setLong(1, bookId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            reviews.add(new Review(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getInt(4),
                rs.getString(5)));
          }
        }
      }
      return reviews.toArray(Review[]::new);
    });
  }

  Comment[] comments(long bookId) {
    long start = System.nanoTime();
    try {
      return query(c -> {
        List<Comment> comments = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT id, author, body, posted FROM comments WHERE book_id = ? ORDER BY id")) {
          ps.setLong(1, bookId);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              comments.add(new Comment(rs.getLong(1), rs.getString(2), rs.getString(3),
                  rs.getString(4)));
            }
          }
        }
        return comments.toArray(Comment[]::new);
      });
    } finally {
      commentQueries.increment();
      commentNanos.add(System.nanoTime() - start);
    }
  }

  /** Changes a book's title and description; returns whether the book exists. */
  boolean updateBook(long id, String title, String description) {
    return query(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE books SET title = ?, description = ? WHERE id = ?")) {
        ps.setString(1, title);
        ps.setString(2, description);
        ps.setLong(3, id);
        return ps.executeUpdate() == 1;
      }
    });
  }

  void addComment(long bookId, String author, String body) {
    query(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO comments (book_id, author, body, posted) VALUES (?, ?, ?, ?)")) {
        ps.setLong(1, bookId);
        ps.setString(2, author);
        ps.setString(3, body);
        ps.setString(4, LocalDateTime.now().truncatedTo(ChronoUnit.MINUTES).toString());
        return ps.executeUpdate();
      }
    });
  }

  /** Queries run so far. */
  long queries() {
    return queries.sum();
  }

  /** Time spent in queries so far, simulated latency included. */
  long queryNanos() {
    return queryNanos.sum();
  }

  /** The mean time of a comments query, in nanoseconds; 0 before the first. */
  double meanCommentQueryNanos() {
    long n = commentQueries.sum();
    return n == 0 ? 0 : (double) commentNanos.sum() / n;
  }
}
