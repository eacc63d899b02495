package io.larder.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The page cache's rules as pure functions: no server, the clock passed in. */
class PagePolicyTest {
  private static final Instant NOW = Instant.parse("2025-01-01T12:00:00Z");
  private static final byte[] BODY = "<h1>Dune</h1>".getBytes(StandardCharsets.UTF_8);

  private final PagePolicy policy = new PagePolicy(Set.of(200), Duration.ofSeconds(60));

  private static PageRequest get(String... headers) {
    return request("GET", headers);
  }

  private static PageRequest request(String method, String... headers) {
    Map<String, List<String>> map = new HashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      map.computeIfAbsent(headers[i].toLowerCase(), k -> new ArrayList<>()).add(headers[i + 1]);
    }
    return new PageRequest(method, "http", "example.com", 80, "/books/1", null, map, false);
  }

  private static PageResponse ok(String... headers) {
    return response(200, headers);
  }

  private static PageResponse response(int status, String... headers) {
    List<Field> fields = new ArrayList<>();
    fields.add(new Field("Content-Type", "text/html;charset=utf-8"));
    for (int i = 0; i < headers.length; i += 2) {
      fields.add(new Field(headers[i], headers[i + 1]));
    }
    return new PageResponse(status, fields, BODY, null, false);
  }

  private PagePolicy.Decision decide(PageResponse resp) {
    return policy.decide(get(), resp, null, NOW);
  }

  // ---- requests -----------------------------------------------------------------------------

  @Test
  void onlyGetAndHeadUseTheCache() {
    assertThat(policy.bypassReason(request("GET"), null)).isNull();
    assertThat(policy.bypassReason(request("HEAD"), null)).isNull();
    assertThat(policy.bypassReason(request("POST"), null)).isEqualTo("method POST");
    assertThat(policy.bypassReason(request("PUT"), null)).isEqualTo("method PUT");
  }

  @Test
  void authorizationBypassesUnlessTheRouteShares() {
    PageRequest authorized = get("Authorization", "Basic dTpw");
    assertThat(policy.bypassReason(authorized, null)).isEqualTo("Authorization");
    assertThat(policy.bypassReason(authorized, PageRoute.of("/books/{id}"))).isEqualTo("Authorization");
    assertThat(policy.bypassReason(authorized, PageRoute.of("/books/{id}").shareAuthorized())).isNull();
  }

  @Test
  void aSessionBypassesUnlessTheRouteShares() {
    PageRequest withSession = new PageRequest("GET", "http", "example.com", 80, "/", null,
        Map.of(), true);
    assertThat(policy.bypassReason(withSession, null)).isEqualTo("session");
    assertThat(policy.bypassReason(withSession, PageRoute.of("/").shareAuthorized())).isNull();
  }

  @Test
  void aBypassingRouteNeverUsesTheCache() {
    assertThat(policy.bypassReason(get(), PageRoute.of("/books/**").bypass()))
        .isEqualTo("route /books/** bypasses the cache");
  }

  // ---- what is stored -----------------------------------------------------------------------

  @Test
  void storesA200WithTheDefaultTtl() {
    PagePolicy.Decision d = decide(ok());
    assertThat(d.store()).isTrue();
    assertThat(d.ttl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(d.page().body()).isEqualTo(BODY);
    assertThat(d.page().storedAtMillis()).isEqualTo(NOW.toEpochMilli());
    assertThat(d.vary()).isEmpty();
  }

  @Test
  void onlyListedStatusesAreStored() {
    assertThat(decide(response(404)).reason()).isEqualTo("status 404");
    assertThat(decide(response(302, "Location", "/x")).reason()).isEqualTo("status 302");
    PagePolicy lenient = new PagePolicy(Set.of(200, 404), Duration.ofSeconds(60));
    assertThat(lenient.decide(get(), response(404), null, NOW).store()).isTrue();
  }

  @Test
  void neverStoresSetCookie() {
    assertThat(decide(ok("Set-Cookie", "a=b")).reason()).isEqualTo("Set-Cookie");
    PageResponse newSession = new PageResponse(200, List.of(), BODY, null, true);
    assertThat(decide(newSession).reason()).isEqualTo("Set-Cookie");
  }

  @ParameterizedTest
  @ValueSource(strings = {"private", "no-store", "no-cache", "max-age=60, private",
      "no-cache=\"Set-Cookie\"", "PRIVATE"})
  void neverStoresPrivateOrUncacheableCacheControl(String cacheControl) {
    assertThat(decide(ok("Cache-Control", cacheControl)).store()).isFalse();
    assertThat(decide(ok("Cache-Control", cacheControl)).reason()).startsWith("Cache-Control: ");
  }

  @Test
  void neverStoresVaryStar() {
    assertThat(decide(ok("Vary", "Accept-Encoding, *")).reason()).isEqualTo("Vary: *");
  }

  @Test
  void neverStoresAResponsePassedThrough() {
    PageResponse passed = new PageResponse(200, List.of(), null, "flushBuffer", false);
    assertThat(decide(passed).reason()).isEqualTo("passed through: flushBuffer");
  }

  @Test
  void varyNamesAreLowerCasedSortedAndDeduplicated() {
    PagePolicy.Decision d = decide(ok("Vary", "Accept-Language, accept-encoding", "Vary",
        "Accept-Language"));
    assertThat(d.vary()).containsExactly("accept-encoding", "accept-language");
  }

  // ---- lifetime -----------------------------------------------------------------------------

  @Test
  void sMaxAgeWinsOverMaxAge() {
    assertThat(decide(ok("Cache-Control", "max-age=10, s-maxage=30")).ttl())
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void maxAgeWinsOverTheRoute() {
    PagePolicy.Decision d = policy.decide(get(), ok("Cache-Control", "public, max-age=10"),
        PageRoute.of("/books/{id}").ttl(Duration.ofMinutes(5)), NOW);
    assertThat(d.ttl()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void expiresGivesTheLifetimeWhenNoMaxAge() {
    String in90s = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(90).atOffset(ZoneOffset.UTC));
    assertThat(decide(ok("Expires", in90s)).ttl()).isEqualTo(Duration.ofSeconds(90));
    assertThat(decide(ok("Expires", "0")).reason()).isEqualTo("no lifetime left");
    String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.minusSeconds(1).atOffset(ZoneOffset.UTC));
    assertThat(decide(ok("Expires", past)).store()).isFalse();
  }

  @Test
  void theRouteTtlAppliesWhenTheResponseSaysNothing() {
    PagePolicy.Decision d = policy.decide(get(), ok(),
        PageRoute.of("/books/{id}").ttl(Duration.ofMinutes(5)), NOW);
    assertThat(d.ttl()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void maxAgeZeroIsNotStored() {
    assertThat(decide(ok("Cache-Control", "max-age=0")).reason()).isEqualTo("no lifetime left");
    assertThat(decide(ok("Cache-Control", "max-age=banana")).store()).isFalse();
  }

  // ---- stored fields and entity tags --------------------------------------------------------

  @Test
  void perResponseFieldsAreNotStored() {
    PagePolicy.Decision d = decide(ok("Date", "x", "Content-Length", "13", "X-Cache", "MISS",
        "Connection", "keep-alive", "Age", "3", "X-Kept", "yes"));
    assertThat(d.page().fields()).extracting(Field::name)
        .containsExactly("Content-Type", "X-Kept");
  }

  @Test
  void theEtagIsAStrongHashOfTheBody() {
    String etag = decide(ok()).page().etag();
    assertThat(etag).matches("\"[A-Za-z0-9_-]{22}\"");
    assertThat(decide(ok()).page().etag()).isEqualTo(etag);
    PageResponse other = new PageResponse(200, List.of(), "other".getBytes(StandardCharsets.UTF_8),
        null, false);
    assertThat(decide(other).page().etag()).isNotEqualTo(etag);
  }

  @Test
  void theApplicationsEtagIsKept() {
    assertThat(decide(ok("ETag", "W/\"v7\"")).page().etag()).isEqualTo("W/\"v7\"");
  }

  // ---- answers from the cache ---------------------------------------------------------------

  private StoredPage.Page page(int status) {
    return new StoredPage.Page(status, List.of(new Field("Content-Type", "text/html"),
        new Field("Cache-Control", "max-age=60"), new Field("X-Kept", "yes")), BODY,
        "\"abc\"", NOW.toEpochMilli());
  }

  private static String value(PagePolicy.Answer a, String name) {
    return a.fields().stream().filter(f -> f.is(name)).map(Field::value).findFirst().orElse(null);
  }

  @Test
  void aHitCarriesAgeEtagAndXCache() {
    PagePolicy.Answer a = policy.serve(get(), page(200), NOW.plusMillis(7_900));
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body()).isEqualTo(BODY);
    assertThat(value(a, "Age")).isEqualTo("7");
    assertThat(value(a, "ETag")).isEqualTo("\"abc\"");
    assertThat(value(a, "X-Cache")).isEqualTo("HIT");
    assertThat(value(a, "Content-Length")).isEqualTo(Integer.toString(BODY.length));
    assertThat(value(a, "X-Kept")).isEqualTo("yes");
  }

  @Test
  void ageIsNeverNegative() {
    assertThat(value(policy.serve(get(), page(200), NOW.minusSeconds(5)), "Age")).isEqualTo("0");
  }

  @Test
  void headGetsTheHeadersWithoutTheBody() {
    PagePolicy.Answer a = policy.serve(request("HEAD"), page(200), NOW);
    assertThat(a.body()).isNull();
    assertThat(value(a, "Content-Length")).isEqualTo(Integer.toString(BODY.length));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*", "\"a,b\",\"abc\""})
  void ifNoneMatchIsAnswered304(String ifNoneMatch) {
    PagePolicy.Answer a = policy.serve(get("If-None-Match", ifNoneMatch), page(200), NOW);
    assertThat(a.status()).isEqualTo(304);
    assertThat(a.body()).isNull();
    assertThat(a.fields()).extracting(Field::name)
        .containsExactlyInAnyOrder("Cache-Control", "ETag", "Age", "X-Cache");
  }

  @Test
  void ifNoneMatchThatDiffersGetsThePage() {
    PagePolicy.Answer a = policy.serve(get("If-None-Match", "\"abd\", \"ab\""), page(200), NOW);
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body()).isEqualTo(BODY);
  }

  @Test
  void ifNoneMatchIsIgnoredForErrorPages() {
    PagePolicy.Answer a = policy.serve(get("If-None-Match", "*"), page(404), NOW);
    assertThat(a.status()).isEqualTo(404);
  }
}
