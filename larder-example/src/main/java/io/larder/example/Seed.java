package io.larder.example;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates the example's tables and fills them with a few classics, reviews and comments. */
final class Seed {
  private Seed() {}

  private static final Object[][] BOOKS = {
      {1, "Frankenstein", "Mary Shelley", 1818,
          "A young scientist builds a living being and runs from what he made. Subtitled "
              + "*The Modern Prometheus*."},
      {2, "Pride and Prejudice", "Jane Austen", 1813,
          "Elizabeth Bennet and Mr Darcy misjudge each other across five hundred pages of "
              + "**excellent** dialogue."},
      {3, "Moby-Dick", "Herman Melville", 1851,
          "Ishmael ships aboard the *Pequod*, whose captain hunts one white whale."},
      {4, "The Time Machine", "H. G. Wells", 1895,
          "A Victorian inventor travels to the year 802,701 and finds the Eloi and the Morlocks."},
      {5, "Dracula", "Bram Stoker", 1897,
          "Letters, diaries and newspaper cuttings tell of a count who moves from Transylvania to "
              + "England."},
      {6, "The Adventures of Sherlock Holmes", "Arthur Conan Doyle", 1892,
          "Twelve cases, from *A Scandal in Bohemia* to *The Copper Beeches*."},
      {7, "Middlemarch", "George Eliot", 1871,
          "A provincial town, its marriages and its reforms, seen whole."},
      {8, "The Picture of Dorian Gray", "Oscar Wilde", 1890,
          "A portrait ages in the attic while its sitter stays young."},
  };

  private static final Object[][] REVIEWS = {
      {1, "ada", 5, "A **masterpiece** of dread.\n\n> I beheld the wretch — the miserable monster "
          + "whom I had created.\n\nRead it in one sitting, at night."},
      {1, "tom", 4, "Better than every film:\n\n- the frame of letters works\n- the creature "
          + "*speaks*, and speaks well\n- the ice at the end\n\nA bit slow in the middle."},
      {2, "mei", 5, "Still the funniest book about *first impressions*. "
          + "See [the first sentence](https://www.gutenberg.org/ebooks/1342)."},
      {2, "raj", 4, "Mr Collins alone is worth it.\n\n1. Read chapter 19\n2. Laugh\n3. Repeat"},
      {3, "ola", 3, "The whale chapters are a **commitment**. The rest is glorious."},
      {3, "ben", 5, "Call me convinced. The *Quarter-Deck* chapter is theatre."},
      {4, "kim", 4, "Short, strange and sharp: the first time machine and still the best."},
      {5, "eva", 5, "Told in documents, which makes it feel *true*.\n\n> Listen to them, the "
          + "children of the night."},
      {5, "lou", 3, "Gripping until the last hundred pages, which gallop."},
      {6, "sam", 5, "Start with *The Red-Headed League*. You will read the other eleven."},
      {7, "ada", 5, "The best English novel, says everybody, and **everybody is right**."},
      {8, "raj", 4, "Epigrams on every page:\n\n> The only way to get rid of a temptation is to "
          + "yield to it."},
  };

  private static final Object[][] COMMENTS = {
      {1, "lin", "Read it for class, loved it anyway.", "2024-10-31T22:00"},
      {1, "joe", "The 1831 edition or the 1818 one?", "2024-11-02T09:15"},
      {2, "ana", "My yearly reread.", "2024-12-24T18:30"},
      {3, "pip", "Skipped the cetology. No regrets.", "2025-01-05T11:00"},
      {4, "nia", "Wells invented the genre in 100 pages.", "2025-02-14T16:45"},
      {5, "lin", "Best read in November.", "2024-11-15T23:10"},
      {6, "joe", "The Speckled Band still scares me.", "2025-03-01T10:20"},
      {8, "ana", "Wilde's only novel, and it shows, in a good way.", "2025-03-08T14:00"},
  };

  static void create(Connection c) throws SQLException {
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL,"
          + " author TEXT NOT NULL, year INTEGER NOT NULL, description TEXT NOT NULL)");
      s.execute("CREATE TABLE reviews (id INTEGER PRIMARY KEY, book_id INTEGER NOT NULL"
          + " REFERENCES books(id), reviewer TEXT NOT NULL, rating INTEGER NOT NULL,"
          + " body TEXT NOT NULL)");
      s.execute("CREATE TABLE comments (id INTEGER PRIMARY KEY, book_id INTEGER NOT NULL"
          + " REFERENCES books(id), author TEXT NOT NULL, body TEXT NOT NULL,"
          + " posted TEXT NOT NULL)");
      s.execute("CREATE INDEX reviews_by_book ON reviews(book_id)");
      s.execute("CREATE INDEX comments_by_book ON comments(book_id)");
    }
    insert(c, "INSERT INTO books (id, title, author, year, description) VALUES (?, ?, ?, ?, ?)",
        BOOKS);
    insert(c, "INSERT INTO reviews (book_id, reviewer, rating, body) VALUES (?, ?, ?, ?)",
        REVIEWS);
    insert(c, "INSERT INTO comments (book_id, author, body, posted) VALUES (?, ?, ?, ?)",
        COMMENTS);
    c.commit();
    c.setAutoCommit(true);
  }

  private static void insert(Connection c, String sql, Object[][] rows) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          ps.setObject(i + 1, row[i]);
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }
}
