package io.larder.web;

import io.larder.Cache;
import io.larder.Preload;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Function;

/**
 * A servlet filter that runs every request inside a learned preload scope
 * ({@link Cache#learnedPreload}), so that after its first run a page's cache reads cost one
 * round trip, with no key listed by hand. For pages that cannot be cached whole (logged-in
 * pages); {@link PageCacheFilter} already does this for the pages it renders.
 *
 * <pre>{@code
 * context.addFilter(new FilterHolder(PreloadFilter.byPath(cache)), "/*",
 *     EnumSet.of(DispatcherType.REQUEST));
 * }</pre>
 *
 * <p>A failing store never fails the request: the scope is skipped and logged.
 */
public final class PreloadFilter implements Filter {
  private final Cache cache;
  private final Function<? super HttpServletRequest, String> name;

  private PreloadFilter(Cache cache, Function<? super HttpServletRequest, String> name) {
    this.cache = Objects.requireNonNull(cache, "cache");
    this.name = Objects.requireNonNull(name, "name");
  }

  /**
   * Returns a filter naming each request's scope by its method and its path within the
   * context ({@code "GET /books/312"}): right when each URL reads its own keys.
   *
   * @param cache the cache the page reads through
   * @return the filter
   * @throws NullPointerException if {@code cache} is null
   */
  public static PreloadFilter byPath(Cache cache) {
    return new PreloadFilter(cache, req -> req.getMethod() + " "
        + req.getRequestURI().substring(req.getContextPath().length()));
  }

  /**
   * Returns a filter naming scopes with a function, for example by route
   * ({@code "GET /books/{id}"}) when all pages of a route read the same keys.
   *
   * @param cache the cache the page reads through
   * @param name gives a request's scope name; {@code null} or empty runs it without a scope
   * @return the filter
   * @throws NullPointerException if an argument is null
   */
  public static PreloadFilter named(Cache cache, Function<? super HttpServletRequest, String> name) {
    return new PreloadFilter(cache, name);
  }

  /**
   * Runs the rest of the chain inside the request's scope.
   *
   * @param request the request
   * @param response the response
   * @param chain the rest of the chain
   * @throws IOException what the chain throws
   * @throws ServletException what the chain throws
   */
  @Override
  @SuppressWarnings("try") // the scope is opened for its effect on the cache reads inside
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    String scopeName = request instanceof HttpServletRequest req
        && req.getDispatcherType() == DispatcherType.REQUEST ? name.apply(req) : null;
    if (scopeName == null || scopeName.isEmpty()) {
      chain.doFilter(request, response);
      return;
    }
    try (Preload scope = QuietScope.open(cache, scopeName)) {
      chain.doFilter(request, response);
    }
  }
}
