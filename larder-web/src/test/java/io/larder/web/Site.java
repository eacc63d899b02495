package io.larder.web;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.ManualClock;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real Jetty 12 (ee10) server with a {@link PageCacheFilter} in front of a servlet whose
 * pages each test defines by path; counts how often the application ran for each path.
 */
final class Site implements AutoCloseable {
  /** A page of the test application. */
  interface Page {
    void render(HttpServletRequest req, HttpServletResponse res) throws IOException;
  }

  final ManualClock clock = new ManualClock();
  final Cache cache;
  final PageCacheFilter filter;
  private final Map<String, Page> pages = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  private final Server server;
  final int port;

  Site(UnaryOperator<PageCacheFilter.Builder> configure) throws Exception {
    this(null, configure);
  }

  Site(Cache given, UnaryOperator<PageCacheFilter.Builder> configure) throws Exception {
    cache = given != null ? given : Larder.builder().url("mem:").clock(clock).build();
    filter = configure.apply(PageCacheFilter.builder(cache.namespace("pages")).clock(clock)).build();
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
    context.setContextPath("/");
    FilterHolder filterHolder = new FilterHolder(filter);
    filterHolder.setAsyncSupported(true);
    context.addFilter(filterHolder, "/*", EnumSet.of(DispatcherType.REQUEST));
    ServletHolder servlet = new ServletHolder(new HttpServlet() {
      @Override
      protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
        String path = req.getRequestURI();
        Page page = pages.get(path);
        if (page == null) {
          res.sendError(404);
          return;
        }
        runs.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        page.render(req, res);
      }
    });
    servlet.setAsyncSupported(true);
    context.addServlet(servlet, "/*");
    server.setHandler(context);
    server.start();
    port = connector.getLocalPort();
  }

  Site page(String path, Page page) {
    pages.put(path, page);
    return this;
  }

  /** How many times the application rendered {@code path}. */
  int runs(String path) {
    AtomicInteger n = runs.get(path);
    return n == null ? 0 : n.get();
  }

  RawHttp.Response get(String target, String... headers) throws IOException {
    return RawHttp.send(port, "GET", target, headers);
  }

  RawHttp.Response send(String method, String target, String... headers) throws IOException {
    return RawHttp.send(port, method, target, headers);
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("stopping Jetty", e);
    } finally {
      cache.close();
    }
  }
}
