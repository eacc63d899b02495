package io.larder.bench.micro;

import com.google.code.yanf4j.core.Session;
import io.larder.Hashing;
import io.larder.Stores;
import io.larder.internal.sharding.ShardedStore;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import net.rubyeye.xmemcached.HashAlgorithm;
import net.rubyeye.xmemcached.impl.ClosedMemcachedTCPSession;
import net.rubyeye.xmemcached.impl.KetamaMemcachedSessionLocator;
import net.rubyeye.xmemcached.utils.InetSocketAddressWrapper;
import net.spy.memcached.DefaultConnectionFactory;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.KetamaNodeLocator;
import net.spy.memcached.MemcachedNode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Ring lookup: which of {@value #SERVERS} memcached servers holds a key, by the classic MD5
 * Ketama ring (160 points per server), in Larder's sharded store ({@link Hashing#KETAMA_WEIGHTED},
 * the default, through {@link ShardedStore#serverFor}) beside spymemcached 2.12.3's
 * {@link KetamaNodeLocator} ({@code KETAMA_HASH}) and XMemcached 2.4.9's
 * {@link KetamaMemcachedSessionLocator} ({@code KETAMA_HASH}), over the same server addresses.
 *
 * <p>No server is contacted: Larder's servers are in-memory stores, spymemcached's nodes are
 * made by its own connection factory without a channel, and XMemcached's sessions are the
 * placeholders it uses for servers it has not connected to ({@link ClosedMemcachedTCPSession}),
 * told to report themselves open: XMemcached's locator asks a session whether it is closed and,
 * if so, looks again under other hashes, up to once per server, which a live server never
 * triggers. The locators only read the addresses. Each call looks up the next of 1,024 distinct
 * keys.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RingBenchmarks {
  /** How many servers the rings hold. */
  public static final int SERVERS = 10;

  private static final int KEYS = 1_024; // a power of two: the next key is a mask away

  private ShardedStore larder;
  private KetamaNodeLocator spymemcached;
  private KetamaMemcachedSessionLocator xmemcached;
  private String[] keys;
  private int next;

  /**
   * Builds the three rings and checks that each places every key and spreads the keys over every
   * server.
   *
   * @throws IllegalStateException if a ring places a key nowhere or leaves a server out
   */
  @Setup
  public void setUp() {
    var builder = Stores.sharded().hashing(Hashing.KETAMA_WEIGHTED);
    List<MemcachedNode> nodes = new ArrayList<>();
    List<Session> sessions = new ArrayList<>();
    DefaultConnectionFactory factory = new DefaultConnectionFactory();
    for (int i = 1; i <= SERVERS; i++) {
      String host = "10.0.0." + i;
      InetSocketAddress address = new InetSocketAddress(host, 11211); // a literal: no lookup
      builder.server(host + ":11211", Stores.memory());
      nodes.add(factory.createMemcachedNode(address, null, factory.getReadBufSize()));
      InetSocketAddressWrapper wrapper = new InetSocketAddressWrapper(address, i, 1, null);
      wrapper.setRemoteAddressStr(host + ":11211"); // as XMemcached sets it when it connects
      sessions.add(new UnconnectedSession(wrapper));
    }
    larder = (ShardedStore) builder.build();
    spymemcached = new KetamaNodeLocator(nodes, DefaultHashAlgorithm.KETAMA_HASH);
    xmemcached = new KetamaMemcachedSessionLocator(HashAlgorithm.KETAMA_HASH);
    xmemcached.updateSessions(sessions);
    keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "~shop:books::book:" + (i * 7_919);
    }
    requireAllServers("Larder", larder::serverFor);
    requireAllServers("spymemcached", spymemcached::getPrimary);
    requireAllServers("XMemcached", xmemcached::getSessionByKey);
  }

  private void requireAllServers(String ring, Function<String, Object> lookup) {
    Set<Object> servers = new HashSet<>();
    for (String key : keys) {
      Object server = lookup.apply(key);
      if (server == null) {
        throw new IllegalStateException(ring + " placed no server for " + key);
      }
      servers.add(server);
    }
    if (servers.size() != SERVERS) {
      throw new IllegalStateException(ring + " placed " + KEYS + " keys on " + servers.size()
          + " of " + SERVERS + " servers");
    }
  }

  /** An XMemcached session with an address and no connection that passes for an open one. */
  private static final class UnconnectedSession extends ClosedMemcachedTCPSession {
    UnconnectedSession(InetSocketAddressWrapper address) {
      super(address);
    }

    @Override
    public boolean isClosed() {
      return false;
    }
  }

  /** Closes Larder's sharded store. */
  @TearDown
  public void tearDown() {
    larder.close();
  }

  private String nextKey() {
    return keys[next++ & (KEYS - 1)];
  }

  /**
   * Larder: the sharded store's server for a key.
   *
   * @return the server's name
   */
  @Benchmark
  public String lookupLarder() {
    return larder.serverFor(nextKey());
  }

  /**
   * spymemcached: the Ketama locator's primary node for a key.
   *
   * @return the node
   */
  @Benchmark
  public MemcachedNode lookupSpymemcached() {
    return spymemcached.getPrimary(nextKey());
  }

  /**
   * XMemcached: the Ketama locator's session for a key.
   *
   * @return the session
   */
  @Benchmark
  public Session lookupXmemcached() {
    return xmemcached.getSessionByKey(nextKey());
  }
}
