package io.larder.example;

import io.larder.Cache;
import io.larder.CacheException;
import io.larder.Larder;
import io.larder.pebble.LarderExtension;
import io.larder.web.PageCacheFilter;
import io.larder.web.PageRoute;
import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.loader.ClasspathLoader;
import jakarta.servlet.DispatcherType;
import java.io.PrintStream;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ResourceServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The example book site: Larder's page cache, fragment cache, memoize, tags and counters on
 * an embedded Jetty, over a seeded SQLite database whose queries are slowed to 20 to 50 ms.
 *
 * <pre>{@code
 * java -jar larder-example/target/larder-example-0.1.0-SNAPSHOT-all.jar --cache mem: --port 8080
 * }</pre>
 *
 * <p>In-process (the benchmarks start it so), {@link #start(String...)} returns the running
 * site:
 *
 * <pre>{@code
 * try (ExampleApp app = ExampleApp.start("--cache", "mem:", "--port", "0", "--data", dir)) {
 *   URI page = app.uri().resolve("/books/1");
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@code /} lists the books; {@code /books/{id}} shows one with its reviews (markdown
 *       rendered through {@code memoize}), its comments (a {@code {% cache %}} fragment) and
 *       a hit counter ({@code incr}), the whole page through {@link PageCacheFilter};</li>
 *   <li>{@code /books/{id}/edit} changes a book and invalidates its tag;</li>
 *   <li>{@code /stats} shows hit ratios, round trips per request, time saved and what the
 *       store holds.</li>
 * </ul>
 *
 * <p>Each page carries a badge: HIT (served whole from the cache, with its age) or MISS
 * (rendered now, with the time and round trips it took). With {@code --no-cache} the site
 * runs without Larder at all, as the uncached baseline of {@code larder bench page}.
 */
public final class ExampleApp implements AutoCloseable {
  /** Jetty's and Pebble's loggers, kept so their level is not lost to garbage collection. */
  private static final Logger[] QUIET = {Logger.getLogger("org.eclipse.jetty"),
      Logger.getLogger("io.pebbletemplates")};

  private final Options options;
  /** The cache and its parts; all null with {@code --no-cache}. */
  private final Cache cache;
  private final ThreadRoundTrips store;
  private final Cache fragments;
  private final Cache counters;
  private final PageCacheFilter pages;
  /** The hit counters with {@code --no-cache}, in this process; else null. */
  private final Map<Long, AtomicLong> localViews;
  private final CachedLibrary library;
  private final RequestLog requestLog;
  private final Server server;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ExampleApp(Options options) throws Exception {
    this.options = options;
    if (options.staticDir() != null && !Files.isDirectory(options.staticDir())) {
      throw new IllegalArgumentException("--static " + options.staticDir() + " is not a folder");
    }
    Files.createDirectories(options.data());
    Library books = Library.open(options.data().resolve("larder-example-books.db"), 20, 50);
    if (options.noCache()) {
      this.cache = null;
      this.store = null;
    } else {
      ThreadRoundTrips[] counting = new ThreadRoundTrips[1];
      this.cache = Larder.builder().url(options.cacheUrl())
          .decorateStore(s -> counting[0] = new ThreadRoundTrips(s))
          .build();
      this.store = counting[0];
    }
    this.server = new Server();
    try {
      PebbleEngine.Builder templates = new PebbleEngine.Builder().loader(templateLoader());
      if (cache == null) {
        this.fragments = null;
        this.counters = null;
        this.pages = null;
        this.localViews = new ConcurrentHashMap<>();
        this.library = new CachedLibrary(books, null, null);
      } else {
        this.fragments = cache.namespace("fragments");
        this.counters = cache.namespace("counters");
        this.localViews = null;
        this.library = new CachedLibrary(books, cache.namespace("data"),
            cache.namespace("markup"));
        this.pages = PageCacheFilter.builder(cache.namespace("pages"))
            .route(PageRoute.of("/").ttl(Duration.ofMinutes(10)).tags("books"))
            .route(PageRoute.of("/books/{id}").ttl(Duration.ofMinutes(10)).tags("book:{id}"))
            .route(PageRoute.of("/books/**").bypass()) // the edit form, the counter
            .route(PageRoute.of("/stats").bypass())
            .route(PageRoute.of("/favicon.ico").bypass())
            .route(PageRoute.of("/static/**").bypass()) // files, served as they are
            .build();
        templates.extension(new LarderExtension(fragments));
      }
      this.requestLog = new RequestLog(store);

      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      connector.setPort(options.port());
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler();
      context.setContextPath("/");
      context.addFilter(new FilterHolder(requestLog), "/*", EnumSet.of(DispatcherType.REQUEST));
      if (pages != null) {
        context.addFilter(new FilterHolder(pages), "/*", EnumSet.of(DispatcherType.REQUEST));
      }
      context.addServlet(new ServletHolder(new SiteServlet(this, templates.build())), "/*");
      if (options.staticDir() != null) {
        ServletHolder files = new ServletHolder(new ResourceServlet());
        files.setInitParameter("baseResource", options.staticDir().toUri().toString());
        files.setInitParameter("pathInfoOnly", "true");
        files.setInitParameter("dirAllowed", "false");
        context.addServlet(files, "/static/*");
      }
      server.setHandler(context);
      server.start();
      port = connector.getLocalPort();
    } catch (Exception | Error e) {
      try {
        server.stop();
      } catch (Exception stopping) {
        e.addSuppressed(stopping);
      }
      if (cache != null) {
        cache.close();
      }
      throw e;
    }
  }

  private static ClasspathLoader templateLoader() {
    ClasspathLoader loader = new ClasspathLoader(ExampleApp.class.getClassLoader());
    loader.setPrefix("templates");
    loader.setSuffix(".peb");
    return loader;
  }

  /**
   * Starts the site in this process and returns it running, for benchmarks and tests;
   * {@link #close()} stops it.
   *
   * @param args the command line {@link #run} takes, without {@code --help}; for example
   *     {@code "--cache", "mem:", "--port", "0", "--data", "/tmp/books", "--static", "/tmp/files"}
   * @return the running site; {@link #uri()} says where it listens
   * @throws IllegalArgumentException if an argument is bad or {@code --help} is given
   * @throws Exception if the site cannot start (the port is in use, the cache cannot be
   *     opened, the data folder cannot be created)
   */
  public static ExampleApp start(String... args) throws Exception {
    Options options = Options.parse(args);
    if (options.help()) {
      throw new IllegalArgumentException("--help asks for the usage, not for a running site");
    }
    return start(options);
  }

  /** Starts the site; for tests and {@link #run}. */
  static ExampleApp start(Options options) throws Exception {
    for (Logger l : QUIET) {
      l.setLevel(Level.WARNING);
    }
    return new ExampleApp(options);
  }

  /**
   * Runs the example from the command line: starts it, prints its URL, and serves until the
   * process is interrupted (Ctrl-C) or the thread is.
   *
   * @param args {@code [--cache URL | --no-cache] [--port N] [--data DIR] [--static DIR]};
   *     {@code --help} prints usage
   * @return the exit status: 0 after a clean stop or {@code --help}, 2 for a bad argument,
   *     1 if the site could not start
   */
  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("larder example: " + e.getMessage());
      err.println(Options.USAGE);
      return 2;
    }
    if (options.help()) {
      out.println(Options.USAGE);
      return 0;
    }
    ExampleApp app;
    try {
      app = start(options);
    } catch (Exception e) {
      err.println("larder example: cannot start: " + (portInUse(e)
          ? "127.0.0.1:" + options.port() + " is in use (try --port 0)"
          // Larder's exceptions say what is wrong and where; their class names would not
          : (e instanceof CacheException || e instanceof IllegalArgumentException)
              && e.getMessage() != null ? e.getMessage()
          : e.toString()));
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      app.close();
      stopped.countDown();
    }, "larder-example-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println("Larder example running at " + app.uri());
    out.println("cache: " + app.storeDescription() + "   books: "
        + options.data().resolve("larder-example-books.db") + "   (Ctrl-C to stop)");
    out.flush();
    boolean interrupted = false;
    try {
      app.server.join();
    } catch (InterruptedException e) {
      interrupted = true;
    }
    app.close();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running: it closes the app
    }
    if (interrupted) {
      Thread.currentThread().interrupt(); // restored only now: stopping Jetty waits
    }
    return 0;
  }

  private static boolean portInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Runs the example and exits with {@link #run}'s status.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    int status = run(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** The key of a book's hit counter. */
  static String viewsKey(long bookId) {
    return "views:/books/" + bookId;
  }

  /**
   * Returns where the site listens.
   *
   * @return {@code http://127.0.0.1:PORT/}, with the port it was given or picked
   */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  int port() {
    return port;
  }

  /**
   * Returns the store round trips the site's cache has counted since it opened (every
   * namespace), for a benchmark that compares what one request costs.
   *
   * @return the count
   * @throws IllegalStateException if the site runs with {@code --no-cache}
   */
  public long storeRoundTrips() {
    if (cache == null) {
      throw new IllegalStateException("the site runs without a cache (--no-cache)");
    }
    return cache.stats().roundTrips();
  }

  /** The cache, or {@code null} with {@code --no-cache}. */
  Cache cache() {
    return cache;
  }

  /** The cache's store, counting round trips per thread; {@code null} with {@code --no-cache}. */
  ThreadRoundTrips store() {
    return store;
  }

  /** Whether the site runs without Larder ({@code --no-cache}). */
  boolean uncached() {
    return cache == null;
  }

  /** Counts a view of a book and returns its views so far. */
  long countView(long bookId) {
    return counters == null ? localViews.computeIfAbsent(bookId, id -> new AtomicLong())
        .incrementAndGet() : counters.incr(viewsKey(bookId));
  }

  /** Each book's views, read in one round trip; books never viewed are left out. */
  Map<Long, Long> views(List<Long> bookIds) {
    Map<Long, Long> views = new HashMap<>();
    if (counters == null) {
      for (long id : bookIds) {
        AtomicLong n = localViews.get(id);
        if (n != null) {
          views.put(id, n.get());
        }
      }
      return views;
    }
    List<String> keys = new ArrayList<>();
    bookIds.forEach(id -> keys.add(viewsKey(id)));
    Map<String, Long> counts = counters.getMany(keys, Long.class);
    for (long id : bookIds) {
      Long n = counts.get(viewsKey(id));
      if (n != null) {
        views.put(id, n);
      }
    }
    return views;
  }

  /** Drops everything cached under the tags (nothing to do with {@code --no-cache}). */
  void invalidate(String... tags) {
    if (cache != null) {
      for (String tag : tags) {
        cache.invalidateTag(tag);
      }
    }
  }

  Cache fragments() {
    return fragments;
  }

  Cache counters() {
    return counters;
  }

  CachedLibrary library() {
    return library;
  }

  PageCacheFilter pages() {
    return pages;
  }

  RequestLog requestLog() {
    return requestLog;
  }

  /** The cache URL without its password, or that there is none. */
  String storeDescription() {
    if (options.noCache()) {
      return "no cache (--no-cache)";
    }
    return options.cacheUrl().replaceAll("(//[^/@:]*):[^/@]*@", "$1:***@");
  }

  /** Stops the server and closes the cache. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      server.stop();
    } catch (Exception e) {
      System.err.println("larder example: stopping the server: " + e);
    }
    if (cache != null) {
      cache.close();
    }
  }
}
