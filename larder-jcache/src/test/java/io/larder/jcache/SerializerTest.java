package io.larder.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.cache.CacheException;
import org.junit.jupiter.api.Test;

class SerializerTest {
  /** A class no allow-list names unless the test says so. */
  record Gadget(String command) implements Serializable {}

  record Allowed(String name, List<Integer> numbers) implements Serializable {}

  private final ClassLoader loader = getClass().getClassLoader();

  @Test
  void valuesComeBackAsEqualCopies() {
    Serializer s = new Serializer("", Set.of(Allowed.class), loader);
    Allowed a = new Allowed("a", new ArrayList<>(List.of(1, 2)));
    Object back = s.fromBytes(s.toBytes(a));
    assertThat(back).isEqualTo(a).isNotSameAs(a);
    assertThat(s.fromBytes(s.toBytes(new int[] {1, 2, 3}))).isEqualTo(new int[] {1, 2, 3});
    assertThat(s.fromBytes(s.toBytes(Map.of("day", LocalDate.of(2026, 12, 4)))))
        .isEqualTo(Map.of("day", LocalDate.of(2026, 12, 4)));
  }

  @Test
  void aClassNotAllowedIsRejectedByName_evenInsideAnAllowedCollection() {
    Serializer s = new Serializer("", Set.of(Object.class), loader);
    byte[] bytes = s.toBytes(List.of(new Gadget("rm -rf /")));
    assertThatThrownBy(() -> s.fromBytes(bytes))
        .isInstanceOf(CacheException.class)
        .hasMessageContaining(Gadget.class.getName())
        .hasMessageContaining("larder.jcache.allow");
  }

  @Test
  void allowPatternsAddPackages() {
    Serializer s = new Serializer("io.larder.jcache.*", Set.of(), loader);
    Gadget g = new Gadget("ls");
    assertThat(s.fromBytes(s.toBytes(g))).isEqualTo(g);
    Serializer other = new Serializer("com.example.**", Set.of(), loader);
    assertThatThrownBy(() -> other.fromBytes(other.toBytes(g))).isInstanceOf(CacheException.class);
  }

  @Test
  void allowTakesClassPatternsOnly() {
    assertThatThrownBy(() -> new Serializer("maxdepth=1000", Set.of(), loader))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxdepth=1000");
    assertThatThrownBy(() -> new Serializer("!java.lang.String", Set.of(), loader))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aValueThatIsNotSerializableFailsTheWrite() {
    Serializer s = new Serializer("", Set.of(), loader);
    assertThatThrownBy(() -> s.toBytes(new Object()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.Object");
  }

  @Test
  void keysOfDifferentKindsNeverShareAStoreKey() {
    Serializer s = new Serializer("", Set.of(Allowed.class), loader);
    List<Object> keys = List.of("1", 1L, 1, "l1", "i1", new Allowed("1", List.of()), "");
    Set<String> encoded = new java.util.HashSet<>();
    for (Object k : keys) {
      String e = s.encodeKey(k);
      assertThat(encoded.add(e)).as("store key of %s is new", k).isTrue();
      assertThat(s.decodeKey(e)).isEqualTo(k);
    }
    assertThat(s.encodeKey(new Allowed("x", List.of(1))))
        .isEqualTo(s.encodeKey(new Allowed("x", List.of(1))));
  }
}
