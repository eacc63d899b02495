package io.larder.example;

import io.larder.Cache;
import io.larder.Codec;
import io.larder.Memoized;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * The library as the pages read it: every query and every markdown rendering memoized in
 * Larder, tagged so that editing a book drops everything shown about it; or, with no cache
 * ({@code --no-cache}), every call straight to the database and the markdown renderer.
 *
 * <ul>
 *   <li>{@code book(id)} and {@code reviews(id)} are tagged {@code book:<id>};</li>
 *   <li>{@code books()} is tagged {@code books};</li>
 *   <li>{@code html(markdown)} is keyed by the markdown itself, so it never goes stale.</li>
 * </ul>
 *
 * <p>Each function has a namespace of its own under {@code data} (or {@code markup}), so its
 * hits, misses, measured time saved and entries are that namespace's
 * {@link io.larder.CacheStats}.
 */
final class CachedLibrary {
  static final Duration DATA_TTL = Duration.ofMinutes(10);
  static final Duration MARKUP_TTL = Duration.ofDays(1);

  private static final Codec<Book> BOOK = Codec.serialized(Book.class);
  private static final Codec<Book[]> BOOKS = Codec.serialized(Book[].class, Book.class);
  private static final Codec<Review[]> REVIEWS = Codec.serialized(Review[].class, Review.class);

  private final Library library;
  private final Markdown markdown = new Markdown();
  /** The namespaces of book(), reviews() and books(); null without a cache. */
  private final Cache bookData;
  private final Cache reviewsData;
  private final Cache booksData;
  private final Cache markup;
  private final Function<String, String> html;

  final FunctionStats bookStats = new FunctionStats("Library.book");
  final FunctionStats booksStats = new FunctionStats("Library.books");
  final FunctionStats reviewsStats = new FunctionStats("Library.reviews");
  final FunctionStats htmlStats = new FunctionStats("Markdown.html");

  /**
   * @param data the namespace the queries are memoized in, or {@code null} for no cache
   * @param markup the namespace the markdown is memoized in, or {@code null} for no cache
   */
  CachedLibrary(Library library, Cache data, Cache markup) {
    this.library = library;
    this.markup = markup;
    if (data == null) {
      this.bookData = null;
      this.reviewsData = null;
      this.booksData = null;
      this.html = htmlStats.timed(markdown::render);
    } else {
      this.bookData = data.namespace("book");
      this.reviewsData = data.namespace("reviews");
      this.booksData = data.namespace("books");
      Memoized<String, String> memoized = markup.memoize("Markdown.html", String.class,
          String.class, htmlStats.timed(markdown::render), MARKUP_TTL);
      this.html = memoized::apply;
    }
  }

  /**
   * One function: its own counters, and the namespace its results are kept in ({@code null}
   * without a cache), whose stats are the function's.
   */
  record FunctionRow(FunctionStats.Snapshot calls, Cache namespace) {}

  List<FunctionRow> stats() {
    return List.of(new FunctionRow(booksStats.snapshot(), booksData),
        new FunctionRow(bookStats.snapshot(), bookData),
        new FunctionRow(reviewsStats.snapshot(), reviewsData),
        new FunctionRow(htmlStats.snapshot(), markup));
  }

  /** The tag of everything shown about one book. */
  static String bookTag(long id) {
    return "book:" + id;
  }

  Book book(long id) {
    bookStats.called();
    if (bookData == null) {
      return bookStats.timed(library::book).apply(id);
    }
    // the tag depends on the argument, so the memoized function is made per call (cheap)
    return bookData.tagged(bookTag(id)).memoizer("Library.book", Long.class, BOOK)
        .ttl(DATA_TTL).cacheNulls().of(bookStats.timed(library::book)).apply(id);
  }

  Review[] reviews(long id) {
    reviewsStats.called();
    if (reviewsData == null) {
      return reviewsStats.timed(library::reviews).apply(id);
    }
    return reviewsData.tagged(bookTag(id)).memoizer("Library.reviews", Long.class, REVIEWS)
        .ttl(DATA_TTL).of(reviewsStats.timed(library::reviews)).apply(id);
  }

  Book[] books() {
    booksStats.called();
    if (booksData == null) {
      return booksStats.timed((Boolean all) -> library.books()).apply(true);
    }
    return booksData.tagged("books").memoizer("Library.books", Boolean.class, BOOKS)
        .ttl(DATA_TTL).of(booksStats.timed((Boolean all) -> library.books())).apply(true);
  }

  /** Renders markdown, memoized by its text. */
  String html(String md) {
    htmlStats.called();
    return html.apply(md);
  }

  /** Comments are not memoized: the page's {@code {% cache %}} fragment keeps them. */
  Comment[] comments(long id) {
    return library.comments(id);
  }

  boolean updateBook(long id, String title, String description) {
    return library.updateBook(id, title, description);
  }

  void addComment(long id, String author, String body) {
    library.addComment(id, author, body);
  }

  Library library() {
    return library;
  }
}
