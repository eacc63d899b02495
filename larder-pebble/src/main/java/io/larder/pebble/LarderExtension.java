package io.larder.pebble;

import io.larder.Cache;
import io.larder.Codec;
import io.larder.Memoized;
import io.larder.Memoizer;
import io.pebbletemplates.pebble.extension.AbstractExtension;
import io.pebbletemplates.pebble.tokenParser.TokenParser;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A Pebble extension whose {@code {% cache %}} tag keeps rendered fragments in a Larder
 * {@link Cache} (it replaces Pebble's own, in-process {@code cache} tag).
 *
 * <pre>{@code
 * PebbleEngine engine = new PebbleEngine.Builder()
 *     .extension(new LarderExtension(cache.namespace("fragments")))
 *     .build();
 * }</pre>
 *
 * Templates then write:
 *
 * <pre>{@code
 * {% cache "comments" 60 note.id user.locale %} ...expensive part... {% endcache %}
 * {% cache "comments" 60 note.id tagged "note:" + note.id %} ... {% endcache %}
 * {% cache "menu" %} ...kept for the cache's default TTL... {% endcache %}
 * {% cache "related" 300 book.id admit true %} ...stored from its second miss on... {% endcache %}
 * {% cache "comments" 0 note.id user.locale %} ...rendered afresh, the old copy dropped... {% endcache %}
 * {% cache delete "comments" note.id user.locale %}
 * }</pre>
 *
 * <ul>
 *   <li>The first expression is the fragment's name (a string); the second, if any, its TTL
 *       in seconds (a number) or a {@link Duration}; the rest are the values it varies on.
 *       A TTL of zero or less drops the stored copy and renders the body uncached.</li>
 *   <li>The key is the name and the vary values, encoded as Larder encodes memoized
 *       functions' arguments: type-tagged and length-prefixed, so different names or values
 *       never share a key. Values may be strings, numbers (integers of any width key alike,
 *       as do {@code float} and {@code double}), booleans, characters, enums, UUIDs,
 *       {@code java.time} values, {@link java.util.Locale}s, records of these, and lists,
 *       sets, maps and arrays of them. Anything else is refused with a
 *       {@link io.pebbletemplates.pebble.error.PebbleException}: vary on {@code note.id},
 *       not {@code note}.</li>
 *   <li>{@code admit true} stores the fragment only when its key was missed often enough
 *       recently (the cache's {@link io.larder.Admission} sketch), so fragments of one-off
 *       pages cost no write; {@code admit false} stores every render even when the cache
 *       has {@code admit=on}. Without it, the cache decides. It comes after the vary values
 *       and before {@code tagged}; a vary value called {@code admit} must be written
 *       {@code (admit)}.</li>
 *   <li>{@code tagged} (last, if present) takes a tag or a list of tags: the fragment is
 *       removed when one of them is invalidated with {@link Cache#invalidateTag}. It is a
 *       keyword there; a vary value called {@code tagged} must be written
 *       {@code (tagged)}.</li>
 *   <li>Reads go through the cache's preload scopes: inside a request's
 *       {@link Cache#learnedPreload learned scope} every fragment of the page comes from one
 *       bulk read. Fragments have {@link Cache#getOrCompute}'s protections: one render per
 *       key at a time in the JVM, early re-rendering before expiry.</li>
 * </ul>
 *
 * <p>Fragments are stored as their rendered text, after autoescaping, and written out as
 * they are. The extension is thread-safe.
 */
public final class LarderExtension extends AbstractExtension {
  private final Cache cache;

  /**
   * Creates the extension, storing fragments in {@code cache} (usually a namespace of
   * their own, such as {@code cache.namespace("fragments")}).
   *
   * @param cache the cache
   * @throws NullPointerException if {@code cache} is null
   */
  public LarderExtension(Cache cache) {
    this.cache = Objects.requireNonNull(cache, "cache");
  }

  /**
   * Returns the {@code cache} tag's parser.
   *
   * @return the token parsers of this extension
   */
  @Override
  public List<TokenParser> getTokenParsers() {
    return List.of(new CacheTagParser(this));
  }

  /**
   * Returns the cache key of a fragment, as stored (for logs and tests).
   *
   * @param name the fragment's name
   * @param vary the values it varies on, as the template gives them
   * @return the key
   * @throws IllegalArgumentException if a value cannot be part of a key
   */
  public String key(String name, Object... vary) {
    return memoized(name, null, List.of(), null, null)
        .key(FragmentValues.of(Arrays.asList(vary)));
  }

  /**
   * Removes a fragment, as {@code {% cache delete name vary... %}} does in a template: the
   * next render renders it afresh.
   *
   * <pre>{@code
   * fragments.delete("comments", note.id(), Locale.ENGLISH);
   * }</pre>
   *
   * @param name the fragment's name
   * @param vary the values it varies on, as the template gives them
   * @return whether a stored fragment was removed
   * @throws IllegalArgumentException if a value cannot be part of a key
   */
  public boolean delete(String name, Object... vary) {
    return memoized(name, null, List.of(), null, null)
        .bust(FragmentValues.of(Arrays.asList(vary)));
  }

  /**
   * Returns the memoized render of a fragment: keyed by name and values, stored for
   * {@code ttl} (the cache's default if {@code null}) with {@code tags}, through admission
   * if {@code admit} says so ({@code null}: as the cache says).
   */
  Memoized<List<Object>, String> memoized(String name, Duration ttl, List<String> tags,
      Boolean admit, Function<List<Object>, String> render) {
    Objects.requireNonNull(name, "name");
    Cache target = tags.isEmpty() ? cache : cache.tagged(tags.toArray(String[]::new));
    @SuppressWarnings({"unchecked", "rawtypes"})
    Class<List<Object>> listType = (Class) List.class;
    Memoizer<List<Object>, String> m = target.memoizer("pebble " + name, listType, Codec.utf8());
    if (ttl != null) {
      m.ttl(ttl);
    }
    if (admit != null) {
      m.admit(admit);
    }
    return m.of(render != null ? render : values -> {
      throw new IllegalStateException("not rendering");
    });
  }

  @Override
  public String toString() {
    return "LarderExtension[" + cache + "]";
  }
}
