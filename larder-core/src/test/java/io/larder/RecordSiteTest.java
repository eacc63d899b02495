package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandle;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

class RecordSiteTest {
  record Left(long id, String lang) {}

  record Right(long id, String lang) {}

  record Third(long id, String lang) {}

  record Hot(int n) {}

  private static String expected(Class<?> type, long id, String lang) {
    return "R" + type.getName().length() + ":" + type.getName() + "2(l" + id + ";S"
        + lang.length() + ":" + lang + ")";
  }

  private static String write(MethodHandle text, Object record) throws Throwable {
    return (String) text.invokeExact(new CacheKeys.Writer(v -> v), record);
  }

  @Test
  void eachLinkedClassKeepsItsOwnTextAndAFullSiteFallsBackToTheLookup() throws Throwable {
    // classes of the same components: a link that reached the wrong handle would write the
    // wrong class name
    RecordSite site = new RecordSite(2);
    MethodHandle text = site.text();
    site.link(Left.class, CacheKeys.recordShape(Left.class).text());
    site.link(Right.class, CacheKeys.recordShape(Right.class).text());
    site.link(Third.class, CacheKeys.recordShape(Third.class).text());
    assertThat(site.linked(Left.class)).isTrue();
    assertThat(site.linked(Right.class)).isTrue();
    assertThat(site.linked(Third.class)).as("the site is full").isFalse();
    for (int i = 0; i < 3; i++) {
      assertThat(write(text, new Left(312L, "en"))).isEqualTo(expected(Left.class, 312L, "en"));
      assertThat(write(text, new Right(-1L, ""))).isEqualTo(expected(Right.class, -1L, ""));
      assertThat(write(text, new Third(7L, "fr"))).isEqualTo(expected(Third.class, 7L, "fr"));
    }
  }

  @Test
  void aRecordWrittenOftenIsLinkedAndItsTextDoesNotChange() {
    String first = CacheKeys.encode(new Hot(1));
    for (int i = 0; i < RecordSite.LINK_AFTER; i++) {
      assertThat(CacheKeys.encode(new Hot(1))).isEqualTo(first);
    }
    assertThat(first).isEqualTo("R" + Hot.class.getName().length() + ":" + Hot.class.getName()
        + "1(i1;)");
    RecordSite shared = RecordSite.shared();
    assertThat(shared.linked(Hot.class) || shared.full())
        .as("linked, unless other tests filled the shared site first").isTrue();
  }

  @Test
  void aRecordClassOfALoaderLarderDoesNotOutliveIsNeverLinked() throws Throwable {
    // the same class file, loaded by a loader that is not Larder's nor an ancestor of it
    URL classes = Left.class.getProtectionDomain().getCodeSource().getLocation();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes},
        ClassLoader.getPlatformClassLoader())) {
      Class<?> foreign = loader.loadClass(Left.class.getName());
      assertThat(foreign).isNotSameAs(Left.class);
      assertThat(RecordSite.outlivesLarder(foreign)).isFalse();
      assertThat(RecordSite.outlivesLarder(Left.class)).isTrue();
      assertThat(RecordSite.outlivesLarder(String.class)).isTrue();
      var constructor = foreign.getDeclaredConstructor(long.class, String.class);
      constructor.setAccessible(true);
      Object record = constructor.newInstance(312L, "en");
      RecordSite site = new RecordSite(2);
      site.link(foreign, CacheKeys.recordShape(foreign).text());
      assertThat(site.linked(foreign)).isFalse();
      assertThat(write(site.text(), record)).isEqualTo(expected(foreign, 312L, "en"));
    }
  }

  @Test
  void aShapeAsksToBeLinkedExactlyOnce() {
    CacheKeys.RecordShape shape = CacheKeys.recordShape(Third.class);
    // a fresh shape of its own, so that other tests' lookups do not count
    CacheKeys.RecordShape fresh = new CacheKeys.RecordShape(shape.text(), shape.accessors());
    int due = 0;
    for (int i = 0; i < 3 * RecordSite.LINK_AFTER; i++) {
      due += fresh.linkDue() ? 1 : 0;
    }
    assertThat(due).isEqualTo(1);
  }
}
