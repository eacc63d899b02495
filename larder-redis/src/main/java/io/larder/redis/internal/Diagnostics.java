package io.larder.redis.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Pure rules that turn a server's settings into warnings about what hurts a cache. The
 * store reads the settings ({@code CONFIG GET}, or {@code INFO} where {@code CONFIG} is
 * denied, and {@code CLUSTER INFO}); these functions only judge them.
 */
final class Diagnostics {
  /** The settings {@link #settings} reads, as {@code CONFIG GET} names them. */
  static final List<String> SETTINGS =
      List.of("maxmemory", "maxmemory-policy", "appendonly", "appendfsync");

  private Diagnostics() {}

  /**
   * Judges one server's memory and persistence settings.
   *
   * @param settings values by {@code CONFIG GET} name; absent ones are not judged
   * @return the warnings, empty if none
   */
  static List<String> settings(Map<String, String> settings) {
    List<String> warnings = new ArrayList<>();
    String maxmemory = settings.get("maxmemory");
    if ("0".equals(maxmemory)) {
      warnings.add("maxmemory is 0 (no limit): Redis grows until the machine runs out of memory"
          + " instead of evicting old entries; set maxmemory (for example to 75% of the memory"
          + " it may use) with maxmemory-policy allkeys-lru or allkeys-lfu");
    }
    String policy = lower(settings.get("maxmemory-policy"));
    if ("noeviction".equals(policy)) {
      warnings.add("maxmemory-policy is noeviction: when memory is full every write fails"
          + " (OOM), so new entries are dropped while stale ones stay; use allkeys-lru or"
          + " allkeys-lfu");
    } else if (policy != null && policy.startsWith("volatile-")) {
      warnings.add("maxmemory-policy is " + policy + ": only entries with a TTL are evicted,"
          + " so entries kept forever (the default ttl) fill memory until writes fail; use"
          + " allkeys-lru or allkeys-lfu, or give the cache a default ttl");
    }
    if ("yes".equals(lower(settings.get("appendonly")))
        && "always".equals(lower(settings.get("appendfsync")))) {
      warnings.add("appendfsync is always: every write waits for the disk, so writes stall and"
          + " time out when the disk is busy; a cache needs no such durability: use"
          + " appendfsync everysec, or appendonly no");
    }
    return warnings;
  }

  /**
   * Reads the settings {@link #settings} judges from {@code INFO memory} and
   * {@code INFO persistence}, for servers that deny {@code CONFIG GET}.
   *
   * @param info the text of {@code INFO}
   * @return the settings found, by {@code CONFIG GET} name
   */
  static Map<String, String> settingsFromInfo(String info) {
    Map<String, String> fields = infoFields(info);
    Map<String, String> settings = new LinkedHashMap<>();
    if (fields.containsKey("maxmemory")) {
      settings.put("maxmemory", fields.get("maxmemory"));
    }
    if (fields.containsKey("maxmemory_policy")) {
      settings.put("maxmemory-policy", fields.get("maxmemory_policy"));
    }
    if (fields.containsKey("aof_enabled")) {
      settings.put("appendonly", "1".equals(fields.get("aof_enabled")) ? "yes" : "no");
    }
    return settings;
  }

  /**
   * Judges {@code CLUSTER INFO}.
   *
   * @param clusterInfo its text
   * @return the warnings, empty if the cluster serves every slot
   */
  static List<String> cluster(String clusterInfo) {
    Map<String, String> fields = infoFields(clusterInfo);
    List<String> warnings = new ArrayList<>();
    long assigned = number(fields.get("cluster_slots_assigned"));
    long failing = Math.max(0, number(fields.get("cluster_slots_fail")))
        + Math.max(0, number(fields.get("cluster_slots_pfail")));
    if (assigned >= 0 && assigned < RedisKeys.SLOTS) {
      warnings.add((RedisKeys.SLOTS - assigned) + " of " + RedisKeys.SLOTS + " hash slots are"
          + " assigned to no node: keys that hash there cannot be read or written; assign them"
          + " (redis-cli --cluster fix)");
    }
    if (failing > 0) {
      warnings.add(failing + " hash slots are served by nodes that are failing or suspected to"
          + " fail");
    }
    String state = fields.get("cluster_state");
    if (state != null && !state.equals("ok")) {
      warnings.add("cluster_state is " + state + ": the cluster refuses commands"
          + " (CLUSTERDOWN) until every slot is served");
    }
    return warnings;
  }

  /**
   * Merges per-server warnings: a warning every server shares is given once, naming them.
   *
   * @param byServer each server's warnings, by server name, in order
   * @param nameServers whether to name servers (several servers)
   * @return the merged warnings
   */
  static List<String> merge(Map<String, List<String>> byServer, boolean nameServers) {
    Map<String, List<String>> servers = new LinkedHashMap<>();
    byServer.forEach((server, warnings) -> {
      for (String w : warnings) {
        servers.computeIfAbsent(w, k -> new ArrayList<>()).add(server);
      }
    });
    List<String> merged = new ArrayList<>();
    servers.forEach((warning, names) ->
        merged.add(nameServers ? String.join(", ", names) + ": " + warning : warning));
    return merged;
  }

  private static Map<String, String> infoFields(String info) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : info.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return fields;
  }

  private static long number(String s) {
    if (s == null) {
      return -1;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }
}
