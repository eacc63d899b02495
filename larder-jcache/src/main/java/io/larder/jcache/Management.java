package io.larder.jcache;

import java.lang.management.ManagementFactory;
import javax.cache.CacheException;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.NotCompliantMBeanException;
import javax.management.MBeanRegistrationException;
import javax.management.ObjectName;

/** Registers a cache's management beans with the platform MBean server, under JSR-107's names. */
final class Management {
  private Management() {}

  /** Which of a cache's two beans. */
  enum Kind { CacheConfiguration, CacheStatistics }

  static ObjectName name(Kind kind, String managerUri, String cacheName) {
    try {
      return new ObjectName("javax.cache:type=" + kind + ",CacheManager=" + safe(managerUri)
          + ",Cache=" + safe(cacheName));
    } catch (MalformedObjectNameException e) {
      throw new CacheException("cannot name the " + kind + " bean of cache " + cacheName, e);
    }
  }

  /**
   * Replaces what an ObjectName value cannot hold unquoted, as the TCK expects (it names the
   * beans it looks up so); {@code ?} and {@code *} too, which would make the name a pattern.
   */
  private static String safe(String s) {
    return s == null ? "" : s.replaceAll(":|=|\n|,|\\?|\\*", ".");
  }

  static void register(Object bean, ObjectName name) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      if (!server.isRegistered(name)) {
        server.registerMBean(bean, name);
      }
    } catch (InstanceAlreadyExistsException e) {
      // registered meanwhile by another thread: the same cache, so nothing to do
    } catch (MBeanRegistrationException | NotCompliantMBeanException e) {
      throw new CacheException("cannot register management bean " + name, e);
    }
  }

  static void unregister(ObjectName name) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      if (server.isRegistered(name)) {
        server.unregisterMBean(name);
      }
    } catch (InstanceNotFoundException e) {
      // gone meanwhile
    } catch (MBeanRegistrationException e) {
      throw new CacheException("cannot unregister management bean " + name, e);
    }
  }
}
