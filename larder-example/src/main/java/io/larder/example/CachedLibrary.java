package io.larder.example;

import io.larder.Cache;
import io.larder.Codec;
import io.larder.Memoized;
import java.time.Duration;
import java.util.List;

/**
 * The library as the pages read it: every query and every markdown rendering memoized in
 * Larder, tagged so that editing a book drops everything shown about it.
 *
 * <ul>
 *   <li>{@code book(id)} and {@code reviews(id)} are tagged {@code book:<id>};</li>
 *   <li>{@code books()} is tagged {@code books};</li>
 *   <li>{@code html(markdown)} is keyed by the markdown itself, so it never goes stale.</li>
 * </ul>
 */
final class CachedLibrary {
  static final Duration DATA_TTL = Duration.ofMinutes(10);
  static final Duration MARKUP_TTL = Duration.ofDays(1);

  private static final Codec<Book> BOOK = Codec.serialized(Book.class);
  private static final Codec<Book[]> BOOKS = Codec.serialized(Book[].class, Book.class);
  private static final Codec<Review[]> REVIEWS = Codec.serialized(Review[].class, Review.class);

  private final Library library;
  private final Cache data;
  private final Markdown markdown = new Markdown();
  private final Memoized<String, String> html;

  final FunctionStats bookStats = new FunctionStats("Library.book");
  final FunctionStats booksStats = new FunctionStats("Library.books");
  final FunctionStats reviewsStats = new FunctionStats("Library.reviews");
  final FunctionStats htmlStats = new FunctionStats("Markdown.html");

  CachedLibrary(Library library, Cache data, Cache markup) {
    this.library = library;
    this.data = data;
    this.html = markup.memoize("Markdown.html", String.class, String.class,
        htmlStats.timed(markdown::render), MARKUP_TTL);
  }

  List<FunctionStats.Snapshot> stats() {
    return List.of(booksStats.snapshot(), bookStats.snapshot(), reviewsStats.snapshot(),
        htmlStats.snapshot());
  }

  /** The tag of everything shown about one book. */
  static String bookTag(long id) {
    return "book:" + id;
  }

  Book book(long id) {
    bookStats.called();
    // the tag depends on the argument, so the memoized function is made per call (cheap)
    return data.tagged(bookTag(id)).memoizer("Library.book", Long.class, BOOK)
        .ttl(DATA_TTL).cacheNulls().of(bookStats.timed(library::book)).apply(id);
  }

  Review[] reviews(long id) {
    reviewsStats.called();
    return data.tagged(bookTag(id)).memoizer("Library.reviews", Long.class, REVIEWS)
        .ttl(DATA_TTL).of(reviewsStats.timed(library::reviews)).apply(id);
  }

  Book[] books() {
    booksStats.called();
    return data.tagged("books").memoizer("Library.books", Boolean.class, BOOKS)
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
