package io.larder.redis;

/** URL options for the tests whose calls must not time out. */
final class PatientTimeouts {
  /**
   * Read and write timeouts of 5 s, appended to a URL that has options already: the defaults
   * (250 ms, 500 ms for writes) are what an application wants and shorter than a call can take
   * on a loaded machine, where a test that checks something else than timeouts then fails (or,
   * failing open, reads a miss).
   */
  static final String PATIENT = "&timeout=5s&writeTimeout=5s";

  /**
   * Appends read and write timeouts of 5 s to a URL, with or without options (see
   * {@link #PATIENT}).
   *
   * @param url a Redis URL
   * @return the URL with the two options
   */
  static String patient(String url) {
    return url + (url.contains("?") ? PATIENT : "?" + PATIENT.substring(1));
  }

  private PatientTimeouts() {}
}
