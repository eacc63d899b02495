package io.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.StoreUrl;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/** Parsing database URLs, without a database. */
class DatabaseUrlsTest {

  private static DatabaseUrls.Target parse(String url) {
    return DatabaseUrls.parse(StoreUrl.parse(url), 5432);
  }

  @Test
  void readsUserPasswordHostPortAndDatabase() {
    DatabaseUrls.Target t = parse("postgresql://app:p%40ss%3Aw@db.internal:6543/shop");
    assertThat(t.user()).isEqualTo("app");
    assertThat(t.password()).isEqualTo("p@ss:w");
    assertThat(t.host()).isEqualTo("db.internal");
    assertThat(t.port()).isEqualTo(6543);
    assertThat(t.database()).isEqualTo("shop");
    assertThat(t.toString()).doesNotContain("p@ss:w").contains("***");
  }

  @Test
  void takesTheDefaultPortAndNoCredentials() {
    DatabaseUrls.Target t = parse("postgresql://localhost/app");
    assertThat(t.user()).isNull();
    assertThat(t.password()).isNull();
    assertThat(t.port()).isEqualTo(5432);
  }

  @Test
  void keepsAnIpv6HostWhole() {
    DatabaseUrls.Target t = parse("postgresql://[::1]:5433/app");
    assertThat(t.host()).isEqualTo("[::1]");
    assertThat(t.port()).isEqualTo(5433);
    assertThat(parse("postgresql://[::1]/app").port()).isEqualTo(5432);
  }

  @Test
  void refusesUrlsWithoutADatabaseOrWithABadPortAndHidesThePassword() {
    assertThatThrownBy(() -> parse("postgresql://u:secret@host:5432"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names no database")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> parse("postgresql://u:secret@host:99999/db"))
        .hasMessageContaining("outside 1 to 65535");
    assertThatThrownBy(() -> parse("postgresql://u:secret@host:x/db"))
        .hasMessageContaining("not a number");
    assertThatThrownBy(() -> parse("postgresql:db"))
        .hasMessageContaining("must start with postgresql://");
  }

  @Test
  void refusesTableNamesThatWouldNeedQuoting() {
    assertThatThrownBy(() -> DatabaseStores.open(StoreUrl.parse(
        "postgresql://localhost/db?table=cache;drop"), InstantSource.system()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("table must be");
    assertThatThrownBy(() -> DatabaseStores.open(StoreUrl.parse(
        "mariadb://localhost/db?table=Cache"), InstantSource.system()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesPoolSizesOutOfRange() {
    assertThatThrownBy(() -> DatabaseStores.open(StoreUrl.parse(
        "postgresql://localhost/db?poolSize=0"), InstantSource.system()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poolSize");
  }
}
