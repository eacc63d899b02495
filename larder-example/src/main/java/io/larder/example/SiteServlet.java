package io.larder.example;

import io.pebbletemplates.pebble.PebbleEngine;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The book site's pages and forms. */
final class SiteServlet extends HttpServlet {
  private static final Pattern BOOK = Pattern.compile("/books/(\\d{1,9})");
  private static final Pattern VIEWS = Pattern.compile("/books/(\\d{1,9})/views\\.svg");
  private static final Pattern EDIT = Pattern.compile("/books/(\\d{1,9})/edit");
  private static final Pattern COMMENTS = Pattern.compile("/books/(\\d{1,9})/comments");

  private final transient ExampleApp app;
  private final transient PebbleEngine templates;

  SiteServlet(ExampleApp app, PebbleEngine templates) {
    this.app = app;
    this.templates = templates;
  }

  /** A review with its markdown rendered. */
  record ReviewView(Review review, String html, String stars) {}

  /**
   * The comments of a book, read only when the template asks: when the comments fragment
   * comes from the cache, the query never runs.
   */
  public final class LazyComments {
    private final long bookId;

    LazyComments(long bookId) {
      this.bookId = bookId;
    }

    /**
     * Reads the comments.
     *
     * @return the comments, oldest first
     */
    public List<Comment> getAll() {
      return List.of(app.library().comments(bookId));
    }
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
    String path = req.getRequestURI();
    Matcher m;
    if (path.equals("/")) {
      home(res);
    } else if ((m = BOOK.matcher(path)).matches()) {
      book(Long.parseLong(m.group(1)), res);
    } else if ((m = VIEWS.matcher(path)).matches()) {
      views(Long.parseLong(m.group(1)), res);
    } else if ((m = EDIT.matcher(path)).matches()) {
      editForm(Long.parseLong(m.group(1)), null, res);
    } else if (path.equals("/favicon.ico")) {
      // browsers ask whatever the page says; there is no icon, and they need not ask again
      res.setHeader("Cache-Control", "max-age=86400");
      res.setStatus(204);
    } else if (path.equals("/stats")) {
      res.setHeader("Cache-Control", "no-store");
      render(res, "stats", StatsPage.model(app));
    } else {
      notFound(res);
    }
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse res) throws IOException {
    req.setCharacterEncoding("UTF-8");
    String path = req.getRequestURI();
    Matcher m;
    if ((m = EDIT.matcher(path)).matches()) {
      edit(Long.parseLong(m.group(1)), req, res);
    } else if ((m = COMMENTS.matcher(path)).matches()) {
      comment(Long.parseLong(m.group(1)), req, res);
    } else {
      notFound(res);
    }
  }

  private void home(HttpServletResponse res) throws IOException {
    Map<String, Object> model = new HashMap<>();
    model.put("books", List.of(app.library().books()));
    model.put("renderedAt", now());
    render(res, "home", model);
  }

  private void book(long id, HttpServletResponse res) throws IOException {
    Book book = app.library().book(id);
    if (book == null) {
      notFound(res);
      return;
    }
    List<ReviewView> reviews = new ArrayList<>();
    int stars = 0;
    for (Review r : app.library().reviews(id)) {
      reviews.add(new ReviewView(r, app.library().html(r.markdown()),
          "★".repeat(r.rating()) + "☆".repeat(5 - r.rating())));
      stars += r.rating();
    }
    Map<String, Object> model = new HashMap<>();
    model.put("book", book);
    model.put("description", app.library().html(book.description()));
    model.put("reviews", reviews);
    model.put("rating", reviews.isEmpty() ? "no reviews yet"
        : String.format(Locale.ROOT, "%.1f of 5 from %d review%s", (double) stars / reviews.size(),
            reviews.size(), reviews.size() == 1 ? "" : "s"));
    model.put("comments", new LazyComments(id));
    model.put("renderedAt", now());
    render(res, "book", model);
  }

  private void views(long id, HttpServletResponse res) throws IOException {
    long views = app.countView(id);
    res.setHeader("Cache-Control", "no-store");
    res.setContentType("image/svg+xml;charset=utf-8");
    res.getWriter().write(Svg.counter(views));
  }

  private void editForm(long id, String error, HttpServletResponse res) throws IOException {
    Book book = app.library().book(id);
    if (book == null) {
      notFound(res);
      return;
    }
    res.setHeader("Cache-Control", "no-store");
    Map<String, Object> model = new HashMap<>();
    model.put("book", book);
    if (error != null) {
      model.put("error", error);
      res.setStatus(400);
    }
    render(res, "edit", model);
  }

  private void edit(long id, HttpServletRequest req, HttpServletResponse res) throws IOException {
    String title = trimmed(req.getParameter("title"));
    String description = trimmed(req.getParameter("description"));
    if (title.isEmpty() || title.length() > 200 || description.length() > 4000) {
      editForm(id, "A title (at most 200 characters) is needed; descriptions take at most"
          + " 4000.", res);
      return;
    }
    if (!app.library().updateBook(id, title, description)) {
      notFound(res);
      return;
    }
    // everything shown about the book: its page, its data, its comments block; and the list
    app.invalidate(CachedLibrary.bookTag(id), "books");
    res.setStatus(303);
    res.setHeader("Location", "/books/" + id);
  }

  private void comment(long id, HttpServletRequest req, HttpServletResponse res) throws IOException {
    String author = trimmed(req.getParameter("author"));
    String body = trimmed(req.getParameter("body"));
    if (author.isEmpty() || body.isEmpty() || author.length() > 40 || body.length() > 1000
        || app.library().book(id) == null) {
      res.sendError(400, "A name (at most 40 characters) and a comment (at most 1000) are needed.");
      return;
    }
    app.library().addComment(id, author, body);
    app.invalidate(CachedLibrary.bookTag(id));
    res.setStatus(303);
    res.setHeader("Location", "/books/" + id + "#comments");
  }

  private void notFound(HttpServletResponse res) throws IOException {
    res.setStatus(404);
    render(res, "notfound", new HashMap<>());
  }

  private void render(HttpServletResponse res, String template, Map<String, Object> model)
      throws IOException {
    res.setContentType("text/html;charset=utf-8");
    model.put("store", app.storeDescription());
    model.put("cached", !app.uncached());
    templates.getTemplate(template).evaluate(res.getWriter(), model);
  }

  private static String trimmed(String s) {
    return s == null ? "" : s.strip();
  }

  private static String now() {
    return LocalTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
