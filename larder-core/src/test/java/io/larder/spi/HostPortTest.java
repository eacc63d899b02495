package io.larder.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {

  @Test
  void parsesNamesAddressesAndDefaultPorts() {
    assertThat(HostPort.parse("cache1", 11211)).isEqualTo(new HostPort("cache1", 11211));
    assertThat(HostPort.parse("cache1:7000", 11211)).isEqualTo(new HostPort("cache1", 7000));
    assertThat(HostPort.parse("10.0.0.1:6380", 6379)).isEqualTo(new HostPort("10.0.0.1", 6380));
    assertThat(HostPort.parse("[::1]", 6379)).isEqualTo(new HostPort("::1", 6379));
    assertThat(HostPort.parse("[::1]:11211", 1)).isEqualTo(new HostPort("::1", 11211));
  }

  @Test
  void writesIpv6InBrackets() {
    assertThat(new HostPort("::1", 11211)).hasToString("[::1]:11211");
    assertThat(new HostPort("cache1", 11211)).hasToString("cache1:11211");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ":7000", "[::1", "[::1]x", "[::1]:", "::1:7000", "h:0", "h:65536",
      "h:-1", "h:+80", "h:12345678", "h:port", "a b:1", "a/b", "a,b", "[]:1"})
  void rejectsMalformedAddressesNamingThem(String text) {
    assertThatThrownBy(() -> HostPort.parse(text, 11211, "memcached://" + text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'")
        .hasMessageContaining("in 'memcached://" + text + "'");
  }

  @Test
  void tellsToBracketIpv6() {
    assertThatThrownBy(() -> HostPort.parse("::1:6379", 6379))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("brackets")
        .hasMessageContaining("[::1]:6379");
  }

  @Property
  void toStringParsesBackToTheSameAddress(@ForAll("addresses") HostPort address) {
    assertThat(HostPort.parse(address.toString(), 1)).isEqualTo(address);
  }

  @Provide
  Arbitrary<HostPort> addresses() {
    Arbitrary<String> names = Arbitraries.strings().withChars("abcz019.-_").ofMinLength(1)
        .ofMaxLength(20);
    Arbitrary<String> v6 = Arbitraries.strings().withChars("0123456789abcdef:").ofMinLength(2)
        .ofMaxLength(39).filter(s -> s.indexOf(':') >= 0);
    return Combinators.combine(Arbitraries.oneOf(names, v6), Arbitraries.integers()
        .between(1, 65_535)).as(HostPort::new);
  }
}
