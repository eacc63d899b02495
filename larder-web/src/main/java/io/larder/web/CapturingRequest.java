package io.larder.web;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The request the application sees while its response is captured: starting async
 * processing stops the capture first, so that what was written so far goes out before
 * anything another thread writes, and that thread may use the unwrapped response.
 */
final class CapturingRequest extends HttpServletRequestWrapper {
  private final CapturingResponse capture;

  CapturingRequest(HttpServletRequest request, CapturingResponse capture) {
    super(request);
    this.capture = capture;
  }

  @Override
  public AsyncContext startAsync() {
    passThrough();
    return super.startAsync();
  }

  @Override
  public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
    passThrough();
    return super.startAsync(request, response);
  }

  private void passThrough() {
    try {
      capture.passThrough("async");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
