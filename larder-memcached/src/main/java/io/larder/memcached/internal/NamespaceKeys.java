package io.larder.memcached.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * Namespace generations folded into keys, so that clearing a namespace is one increment
 * instead of a key scan. Pure.
 *
 * <p>Each namespace prefix ({@code ~shop:}, {@code ~shop:notes:}; see
 * {@link io.larder.spi.KeyLayout}) has a generation number, kept in memcached under
 * {@link #generationKey}. A key is stored with the generation of every namespace it lies in
 * written after that namespace's segment: {@code ~shop:notes::312} with generations 7 and 9
 * becomes {@code ~shop~7:notes~9::312} (in base 36). Clearing {@code ~shop:} increments its
 * generation, so every key of {@code shop} and of the namespaces inside it gets a new name
 * and the old entries are never read again; memcached evicts them in time.
 *
 * <p>The folding is injective: a segment never holds {@code :}, a generation never holds
 * {@code ~}, so dropping the last {@code ~<generation>} of each segment gives back the
 * original key; keys outside namespaces (which never start with a single {@code ~} followed
 * by a path and {@code ::}) are left as they are and cannot meet a folded key. A folded key
 * longer than memcached's 250 bytes (or not printable ASCII) is replaced by
 * {@code ~#<base64url(SHA-256(folded))>::}, whose first segment carries no generation, so it
 * can meet neither a plain nor a folded key; two such keys meet only if SHA-256 collides.
 */
final class NamespaceKeys {
  private NamespaceKeys() {}

  /**
   * Returns the key under which a namespace's generation lives: {@code ~@} and the prefix, or
   * {@code ~@#} and its hash when that would be too long or not printable.
   */
  static String generationKey(String prefix) {
    String key = "~@" + prefix;
    return WireKey.isPlain(key) ? key : "~@#" + sha256(prefix);
  }

  /**
   * Folds generations into a key.
   *
   * @param key a store key with namespace prefixes
   * @param prefixes its prefixes, outermost first, as {@code KeyLayout.namespacePrefixes}
   *     returns them
   * @param generations the generation of each prefix
   * @return the key to store under: printable ASCII of at most 250 bytes
   */
  static String fold(String key, List<String> prefixes, long[] generations) {
    return onWire(foldNames(key, prefixes, generations));
  }

  /**
   * Folds generations into a key, or into the start of keys that all lie in the same
   * namespaces ({@code ~shop:notes}, which every key of {@code ~shop:notes::} begins with),
   * without making the result fit the wire: a bulk call folds each distinct namespace path
   * once and appends each key's rest ({@code ::312}), then passes it to {@link #onWire}.
   *
   * @param key a store key with namespace prefixes, or the start of one up to its last segment
   * @param prefixes the prefixes, outermost first
   * @param generations the generation of each prefix
   * @return the folded text
   */
  static String foldNames(String key, List<String> prefixes, long[] generations) {
    StringBuilder sb = new StringBuilder(key.length() + 12 * prefixes.size());
    int from = 0;
    for (int i = 0; i < prefixes.size(); i++) {
      int colon = prefixes.get(i).length() - 1;
      sb.append(key, from, colon).append('~').append(Long.toUnsignedString(generations[i], 36));
      from = colon;
    }
    sb.append(key, from, key.length());
    return sb.toString();
  }

  /**
   * Returns a folded key as it goes on the wire: as it is when it is printable ASCII of at
   * most 250 bytes, else replaced by the hash form.
   *
   * @param folded a key from {@link #foldNames}
   * @return the key to store under
   */
  static String onWire(String folded) {
    return WireKey.isPlain(folded) ? folded : "~#" + sha256(folded) + "::";
  }

  static String sha256(String s) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(s.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
