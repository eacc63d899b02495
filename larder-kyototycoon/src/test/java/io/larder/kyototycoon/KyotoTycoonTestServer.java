package io.larder.kyototycoon;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small in-process Kyoto Tycoon server for tests: the binary protocol ({@code set_bulk},
 * {@code remove_bulk}, {@code get_bulk}) and the HTTP RPC procedures the store uses, on one
 * loopback port below 32768, written from the 0.9.56 documentation ("Protocol" in
 * {@code spex.html}) and source, and checked against a real 0.9.56b server
 * ({@code KyotoTycoonProtocolIT} asserts each behaviour copied here). Where this server still
 * has to choose, a comment says "guess".
 *
 * <p>It exists only for what a real server cannot be made to do on cue: answer in an encoding
 * of the test's choosing (B, U or Q), hold its replies back while keeping its data, go away
 * and come back with its data, expire records by an injected clock, and count the requests of
 * each kind. Everything else is tested against the real server ({@code *IT}).
 */
public final class KyotoTycoonTestServer implements AutoCloseable {
  /** The largest expiration time: 40 bits, meaning "never". */
  static final long XT_MAX = (1L << 40) - 1;

  /** How the server encodes the columns of its TSV replies. */
  public enum Encoding {
    /** As the real server: raw when nothing needs encoding, else the shorter of U and B. */
    AUTO,
    /** Always {@code colenc=B}. */
    BASE64,
    /** Always {@code colenc=U}, even for binary data. */
    URL,
    /** Always {@code colenc=Q}; the real server never picks it, but clients may meet it. */
    QUOTED_PRINTABLE
  }

  /** A record: the value and its absolute expiration time in seconds. */
  private record Rec(byte[] value, long xt) {}

  /** Bytes ordered as unsigned strings, for keys. */
  private record Key(byte[] b) implements Comparable<Key> {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(b, k.b);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(b);
    }

    @Override
    public int compareTo(Key o) {
      return Arrays.compareUnsigned(b, o.b);
    }
  }

  private final List<TreeMap<Key, Rec>> dbs = new ArrayList<>();
  private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kt-test-server");
    t.setDaemon(true);
    return t;
  });
  private final int port;
  private volatile InstantSource clock = InstantSource.system();
  private volatile Encoding encoding = Encoding.AUTO;
  private final Object pauseLock = new Object();
  private boolean paused;
  private volatile ServerSocket listener;
  private volatile boolean closed;

  private KyotoTycoonTestServer(int databases, ServerSocket listener) {
    for (int i = 0; i < databases; i++) {
      dbs.add(new TreeMap<>());
    }
    this.listener = listener;
    this.port = listener.getLocalPort();
    accept(listener);
  }

  /**
   * Starts a server with one database.
   *
   * @return the running server
   */
  public static KyotoTycoonTestServer start() {
    return start(1);
  }

  /**
   * Starts a server with several databases on a free loopback port from 10000 to 32767 (the
   * real server refuses higher ports, and so does the client).
   *
   * @param databases how many databases, at least one
   * @return the running server
   */
  public static KyotoTycoonTestServer start(int databases) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(10_000, 32_768);
      try {
        return new KyotoTycoonTestServer(databases, bind(port));
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IllegalStateException("no free loopback port below 32768 after 200 tries");
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    try {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port));
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  /** Returns the port. */
  public int port() {
    return port;
  }

  /** Returns {@code kt://127.0.0.1:port}, without options. */
  public String url() {
    return "kt://127.0.0.1:" + port;
  }

  /**
   * Sets the clock records expire by.
   *
   * @param clock the clock
   */
  public void clock(InstantSource clock) {
    this.clock = clock;
  }

  /**
   * Sets how replies are encoded.
   *
   * @param encoding the encoding
   */
  public void encoding(Encoding encoding) {
    this.encoding = encoding;
  }

  /**
   * Stops answering (requests are read but their replies held back) or starts again.
   *
   * @param paused whether to hold replies back
   */
  public void paused(boolean paused) {
    synchronized (pauseLock) {
      this.paused = paused;
      pauseLock.notifyAll();
    }
  }

  /**
   * Returns how many requests of a kind the server has answered.
   *
   * @param kind {@code "bin:get_bulk"}, {@code "bin:set_bulk"}, {@code "bin:remove_bulk"} or
   *     {@code "rpc:<procedure>"}
   * @return the count
   */
  public long calls(String kind) {
    AtomicLong n = calls.get(kind);
    return n == null ? 0 : n.get();
  }

  /** Returns every count of {@link #calls}, for messages. */
  public Map<String, Long> calls() {
    Map<String, Long> out = new TreeMap<>();
    calls.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /**
   * Returns the bytes a record holds, ignoring expiry, as other programs would read them.
   *
   * @param db the database index
   * @param key the key
   * @return the stored bytes, or {@code null}
   */
  public byte[] rawValue(int db, String key) {
    TreeMap<Key, Rec> map = dbs.get(db);
    synchronized (map) {
      Rec r = map.get(new Key(key.getBytes(StandardCharsets.UTF_8)));
      return r == null ? null : r.value();
    }
  }

  /**
   * Returns a record's absolute expiration time in seconds.
   *
   * @param db the database index
   * @param key the key
   * @return the time, {@link #XT_MAX} for never, or {@code -1} if there is no record
   */
  public long rawExpiry(int db, String key) {
    TreeMap<Key, Rec> map = dbs.get(db);
    synchronized (map) {
      Rec r = map.get(new Key(key.getBytes(StandardCharsets.UTF_8)));
      return r == null ? -1 : r.xt();
    }
  }

  /**
   * Returns the number of records in a database, expired ones not yet removed included.
   *
   * @param db the database index
   * @return the count
   */
  public int size(int db) {
    TreeMap<Key, Rec> map = dbs.get(db);
    synchronized (map) {
      return map.size();
    }
  }

  /**
   * Closes the listening socket and every connection, keeping the data: the server is down.
   */
  public void stop() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing a listener does not fail in practice
    }
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }

  /**
   * Listens again on the same port with the same data, after {@link #stop()}.
   *
   * @throws UncheckedIOException if the port cannot be bound again
   */
  public void restart() {
    try {
      ServerSocket s = bind(port);
      listener = s;
      accept(s);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind port " + port + " again", e);
    }
  }

  /** Stops for good. */
  @Override
  public void close() {
    closed = true;
    stop();
    paused(false);
    threads.shutdownNow();
  }

  private void accept(ServerSocket s) {
    threads.execute(() -> {
      while (!s.isClosed()) {
        try {
          Socket socket = s.accept();
          socket.setTcpNoDelay(true);
          sockets.add(socket);
          threads.execute(() -> serve(socket));
        } catch (IOException e) {
          return; // closed
        }
      }
    });
  }

  private long now() {
    return Math.floorDiv(clock.millis(), 1000);
  }

  private static boolean alive(Rec r, long ct) {
    // kttimeddb.h: a record has expired once the current time is past its time
    return r != null && ct <= r.xt();
  }

  /** TimedDB's modify_exptime: negative is absolute, else relative; clamped to XT_MAX. */
  private static long modifyExptime(long xt, long ct) {
    if (xt < 0) {
      if (xt < Long.MIN_VALUE / 2) {
        xt = Long.MIN_VALUE / 2;
      }
      xt = -xt;
    } else {
      if (xt > Long.MAX_VALUE / 2) {
        xt = Long.MAX_VALUE / 2;
      }
      xt += ct;
    }
    return Math.min(xt, XT_MAX);
  }

  private void count(String kind) {
    calls.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  private void awaitUnpaused() {
    synchronized (pauseLock) {
      while (paused && !closed) {
        try {
          pauseLock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  // ---- connections --------------------------------------------------------------------------

  private void serve(Socket socket) {
    try (socket) {
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());
      while (true) {
        int first = in.read();
        if (first < 0) {
          return;
        }
        boolean keep;
        // kthttp.h: each request whose first byte is 0 or at least 0x80 is binary (every
        // magic byte is 0xB0 to 0xBF); anything else starts an HTTP request line
        if (first == 0 || first >= 0x80) {
          keep = binary(first, in, out);
        } else {
          keep = http(first, in, out);
        }
        if (in.available() == 0 || !keep) {
          out.flush(); // replies to pipelined requests go out together
        }
        if (!keep) {
          return;
        }
      }
    } catch (EOFException | SocketException e) {
      // the client went away, or the server stopped
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      sockets.remove(socket);
    }
  }

  // ---- binary protocol ----------------------------------------------------------------------

  /** Handles one binary request; returns whether the connection stays open. */
  private boolean binary(int magic, DataInputStream in, OutputStream out) throws IOException {
    switch (magic) {
      case 0xB8 -> {
        int flags = in.readInt();
        long rnum = in.readInt() & 0xFFFFFFFFL;
        long ct = now();
        int hits = 0;
        for (long i = 0; i < rnum; i++) {
          int db = in.readUnsignedShort();
          byte[] key = new byte[in.readInt()];
          byte[] value = new byte[in.readInt()];
          long xt = in.readLong();
          in.readFully(key);
          in.readFully(value);
          // ktserver.cc: a record for a database the server does not have is skipped
          if (db < dbs.size()) {
            // as the real server: an xt of 0 is "0 seconds from now", so the record lives to the
            // end of the current second (the client never sends 0)
            long abs = modifyExptime(xt, ct);
            TreeMap<Key, Rec> map = dbs.get(db);
            synchronized (map) {
              map.put(new Key(key), new Rec(value, abs));
            }
            hits++;
          }
        }
        count("bin:set_bulk");
        if ((flags & 1) == 0) {
          awaitUnpaused();
          out.write(0xB8);
          writeInt(out, hits);
        }
        return true;
      }
      case 0xB9 -> {
        int flags = in.readInt();
        long rnum = in.readInt() & 0xFFFFFFFFL;
        long ct = now();
        int hits = 0;
        for (long i = 0; i < rnum; i++) {
          int db = in.readUnsignedShort();
          byte[] key = new byte[in.readInt()];
          in.readFully(key);
          if (db < dbs.size()) {
            TreeMap<Key, Rec> map = dbs.get(db);
            synchronized (map) {
              // as the real server: an expired record is removed but not counted
              if (alive(map.remove(new Key(key)), ct)) {
                hits++;
              }
            }
          }
        }
        count("bin:remove_bulk");
        if ((flags & 1) == 0) {
          awaitUnpaused();
          out.write(0xB9);
          writeInt(out, hits);
        }
        return true;
      }
      case 0xBA -> {
        in.readInt(); // flags: reserved
        long rnum = in.readInt() & 0xFFFFFFFFL;
        long ct = now();
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        int hits = 0;
        for (long i = 0; i < rnum; i++) {
          int db = in.readUnsignedShort();
          byte[] key = new byte[in.readInt()];
          in.readFully(key);
          if (db < dbs.size()) {
            Rec r;
            TreeMap<Key, Rec> map = dbs.get(db);
            synchronized (map) {
              r = map.get(new Key(key));
            }
            if (alive(r, ct)) {
              hits++;
              writeShort(records, db);
              writeInt(records, key.length);
              writeInt(records, r.value().length);
              writeLong(records, r.xt()); // absolute, as the issue reports
              records.writeBytes(key);
              records.writeBytes(r.value());
            }
          }
        }
        count("bin:get_bulk");
        awaitUnpaused();
        out.write(0xBA);
        writeInt(out, hits);
        records.writeTo(out);
        return true;
      }
      case 0xB4 -> {
        // play_script: as a real server without scripting, the request is read and answered
        // with the error byte, and the connection stays open
        int flags = in.readInt();
        byte[] name = new byte[in.readInt()];
        long rnum = in.readInt() & 0xFFFFFFFFL;
        in.readFully(name);
        for (long i = 0; i < rnum; i++) {
          byte[] key = new byte[in.readInt()];
          byte[] value = new byte[in.readInt()];
          in.readFully(key);
          in.readFully(value);
        }
        count("bin:play_script");
        if ((flags & 1) == 0) {
          awaitUnpaused();
          out.write(0xBF);
        }
        return true;
      }
      default -> {
        // as the real server: any other byte (0xB0, 0xBB, 0x80, 0x00 were tried) closes the
        // connection without a reply; replication (0xB1) is not offered here
        count("bin:unknown");
        return false;
      }
    }
  }

  private static void writeShort(OutputStream out, int v) throws IOException {
    out.write(v >>> 8);
    out.write(v);
  }

  private static void writeInt(OutputStream out, int v) throws IOException {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  private static void writeLong(OutputStream out, long v) throws IOException {
    writeInt(out, (int) (v >>> 32));
    writeInt(out, (int) v);
  }

  // ---- HTTP RPC -----------------------------------------------------------------------------

  /** A procedure's outcome: the status and the output records, in order. */
  private record Result(int status, List<byte[][]> rows) {
    static Result ok() {
      return new Result(200, new ArrayList<>());
    }

    static Result error(int status, String message) {
      return new Result(status, new ArrayList<>()).put("ERROR", message);
    }

    Result put(byte[] name, byte[] value) {
      rows.add(new byte[][] {name, value});
      return this;
    }

    Result put(String name, String value) {
      return put(name.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Handles one HTTP request; returns whether the connection stays open. */
  private boolean http(int first, DataInputStream in, OutputStream out) throws IOException {
    String requestLine = line(first, in);
    Map<String, String> headers = new LinkedHashMap<>();
    while (true) {
      String h = line(in.read(), in);
      if (h.isEmpty()) {
        break;
      }
      int colon = h.indexOf(':');
      if (colon > 0) {
        headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            h.substring(colon + 1).trim());
      }
    }
    String lengthText = headers.getOrDefault("content-length", "0");
    byte[] body = new byte[Integer.parseInt(lengthText)];
    in.readFully(body);
    String[] parts = requestLine.split(" ");
    boolean keepAlive = parts.length == 3 && parts[2].equals("HTTP/1.1")
        && !"close".equalsIgnoreCase(headers.get("connection"));
    Result result;
    if (parts.length != 3 || !parts[0].equals("POST") || !parts[1].startsWith("/rpc/")) {
      // guess: the real server also takes GET with a query, HTML forms and a RESTful
      // interface; the client uses none of them
      result = Result.error(400, "this test server takes POST /rpc/<name> only");
    } else {
      Map<String, byte[]> params;
      try {
        params = params(headers.get("content-type"), body);
        String name = parts[1].substring("/rpc/".length());
        count("rpc:" + name);
        result = procedure(name, params);
      } catch (IllegalArgumentException e) {
        result = Result.error(400, e.getMessage());
      }
    }
    awaitUnpaused();
    respond(out, result, keepAlive);
    return keepAlive;
  }

  private static String line(int first, InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c = first;
    while (c != '\n') {
      if (c < 0) {
        throw new EOFException();
      }
      if (c != '\r') {
        sb.append((char) c);
      }
      c = in.read();
    }
    return sb.toString();
  }

  /** Reads TSV input as ktrpc.h does: the type, then {@code colenc}, quotes optional. */
  private static Map<String, byte[]> params(String contentType, byte[] body) {
    Map<String, byte[]> params = new LinkedHashMap<>();
    if (body.length == 0) {
      return params;
    }
    if (contentType == null) {
      throw new IllegalArgumentException("no Content-Type");
    }
    String[] parts = contentType.split(";");
    if (!parts[0].trim().equalsIgnoreCase("text/tab-separated-values")) {
      throw new IllegalArgumentException("this test server takes TSV only");
    }
    char enc = 0;
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.regionMatches(true, 0, "colenc=", 0, 7)) {
        String v = p.substring(7).replace("\"", "");
        enc = v.isEmpty() ? 0 : Character.toUpperCase(v.charAt(0));
      }
    }
    int start = 0;
    while (start < body.length) {
      int end = start;
      while (end < body.length && body[end] != '\n') {
        end++;
      }
      int tab = start;
      while (tab < end && body[tab] != '\t') {
        tab++;
      }
      if (end > start) {
        byte[] name = decodeColumn(Arrays.copyOfRange(body, start, tab), enc);
        byte[] value = tab < end ? decodeColumn(Arrays.copyOfRange(body, tab + 1, end), enc)
            : new byte[0];
        params.put(new String(name, StandardCharsets.ISO_8859_1), value); // bytes kept
      }
      start = end + 1;
    }
    return params;
  }

  private static byte[] decodeColumn(byte[] col, char enc) {
    if (enc == 'B') {
      return Base64.getMimeDecoder().decode(col);
    }
    if (enc != 0) {
      throw new IllegalArgumentException("this test server decodes colenc=B only in requests");
    }
    return col;
  }

  private Result procedure(String name, Map<String, byte[]> in) {
    switch (name) {
      case "void":
        return Result.ok();
      case "report":
        return report();
      default:
        break;
    }
    // ktserver.cc: DB starting with a digit is an index; names are not supported here (guess:
    // a name would be the file name after the last '/', and this server has no files)
    int dbidx = 0;
    byte[] dbParam = in.get("DB");
    if (dbParam != null && dbParam.length > 0) {
      String d = new String(dbParam, StandardCharsets.UTF_8);
      dbidx = Character.isDigit(d.charAt(0)) ? atoi(d) : -1;
    }
    if (dbidx < 0 || dbidx >= dbs.size()) {
      return Result.error(400, "no such database");
    }
    TreeMap<Key, Rec> db = dbs.get(dbidx);
    long ct = now();
    synchronized (db) {
      switch (name) {
        case "status":
          return status(db);
        case "clear":
          db.clear();
          return Result.ok();
        case "add":
          return add(db, in, ct);
        case "cas":
          return cas(db, in, ct);
        case "check":
          return check(db, in, ct);
        case "increment":
          return increment(db, in, ct);
        case "remove_bulk":
          return removeBulk(db, in, ct);
        case "match_prefix":
          return matchPrefix(db, in);
        default:
          return Result.error(501, "not implemented: " + name);
      }
    }
  }

  /** C's atoi: leading digits, 0 if none; enough for the numbers clients send. */
  private static long atoiLong(String s) {
    int i = 0;
    boolean neg = false;
    if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
      neg = s.charAt(i) == '-';
      i++;
    }
    long v = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      v = v * 10 + (s.charAt(i) - '0');
      i++;
    }
    return neg ? -v : v;
  }

  private static int atoi(String s) {
    return (int) Math.max(-1, Math.min(Integer.MAX_VALUE, atoiLong(s)));
  }

  /** The xt parameter: omitted means never (INT64MAX), as ktserver.cc reads it. */
  private static long xt(Map<String, byte[]> in, long ct) {
    byte[] xt = in.get("xt");
    long raw = xt == null ? Long.MAX_VALUE : atoiLong(new String(xt, StandardCharsets.UTF_8));
    return modifyExptime(raw, ct);
  }

  private static byte[] required(Map<String, byte[]> in, String name) {
    byte[] v = in.get(name);
    if (v == null) {
      throw new IllegalArgumentException("invalid parameters");
    }
    return v;
  }

  private Result report() {
    Result r = Result.ok();
    long total = 0;
    for (int i = 0; i < dbs.size(); i++) {
      int count;
      synchronized (dbs.get(i)) {
        count = dbs.get(i).size();
      }
      total += count;
      r.put("db_" + i, "count=" + count + " size=" + (count * 64L) + " path=*");
    }
    r.put("db_total_count", Long.toString(total));
    r.put("conf_kt_version", "0.9.56 (2.19) [in-process test server]");
    return r;
  }

  private static Result status(TreeMap<Key, Rec> db) {
    Result r = Result.ok();
    r.put("count", Integer.toString(db.size()));
    r.put("size", Long.toString(db.size() * 64L));
    return r;
  }

  private static Result add(TreeMap<Key, Rec> db, Map<String, byte[]> in, long ct) {
    Key k = new Key(required(in, "key"));
    byte[] value = required(in, "value");
    if (alive(db.get(k), ct)) {
      return Result.error(450, "DB: 6: record duplication: record duplication");
    }
    db.put(k, new Rec(value, xt(in, ct)));
    return Result.ok();
  }

  /** kttimeddb.h's cas: oval absent means "no record"; nval absent removes. */
  private static Result cas(TreeMap<Key, Rec> db, Map<String, byte[]> in, long ct) {
    Key k = new Key(required(in, "key"));
    byte[] oval = in.get("oval");
    byte[] nval = in.get("nval");
    Rec cur = db.get(k);
    boolean live = alive(cur, ct);
    boolean matches = oval == null ? !live : live && Arrays.equals(cur.value(), oval);
    if (!matches) {
      return Result.error(450, "DB: 8: logical inconsistency: status conflict");
    }
    if (nval == null) {
      db.remove(k);
    } else {
      db.put(k, new Rec(nval, xt(in, ct)));
    }
    return Result.ok();
  }

  private static Result check(TreeMap<Key, Rec> db, Map<String, byte[]> in, long ct) {
    Rec r = db.get(new Key(required(in, "key")));
    if (!alive(r, ct)) {
      return Result.error(450, "DB: 7: no record: no record");
    }
    Result out = Result.ok();
    out.put("vsiz", Integer.toString(r.value().length));
    if (r.xt() < XT_MAX) {
      out.put("xt", Long.toString(r.xt()));
    }
    return out;
  }

  /**
   * Kyoto Cabinet's increment: the value is an 8-byte big-endian integer; a missing record
   * starts at {@code orig} (0). As the real server: the record, new or existing, takes the
   * {@code xt} sent, and without one it never expires.
   */
  private static Result increment(TreeMap<Key, Rec> db, Map<String, byte[]> in, long ct) {
    Key k = new Key(required(in, "key"));
    long num = atoiLong(new String(required(in, "num"), StandardCharsets.UTF_8));
    Rec cur = db.get(k);
    long value;
    if (alive(cur, ct)) {
      if (cur.value().length != 8) {
        return Result.error(450, "DB: 8: logical inconsistency: logical inconsistency");
      }
      value = ByteBuffer.wrap(cur.value()).getLong() + num;
    } else {
      value = num;
    }
    db.put(k, new Rec(ByteBuffer.allocate(8).putLong(value).array(), xt(in, ct)));
    Result r = Result.ok();
    r.put("num", Long.toString(value));
    return r;
  }

  private static Result removeBulk(TreeMap<Key, Rec> db, Map<String, byte[]> in, long ct) {
    int n = 0;
    for (Map.Entry<String, byte[]> e : in.entrySet()) {
      if (e.getKey().startsWith("_")) {
        Key k = new Key(e.getKey().substring(1).getBytes(StandardCharsets.ISO_8859_1));
        if (alive(db.remove(k), ct)) { // an expired record is removed, not counted
          n++;
        }
      }
    }
    Result r = Result.ok();
    r.put("num", Integer.toString(n));
    return r;
  }

  /**
   * Keys starting with a prefix, as {@code _key -> order}, and {@code num}; the reply lists
   * them sorted by name, so {@code num} comes last. Guess: expired records not yet swept are
   * listed too, since the server's prefix scan does not look at values.
   */
  private static Result matchPrefix(TreeMap<Key, Rec> db, Map<String, byte[]> in) {
    byte[] prefix = required(in, "prefix");
    byte[] maxParam = in.get("max");
    long max = maxParam == null ? -1 : atoiLong(new String(maxParam, StandardCharsets.UTF_8));
    Result r = Result.ok();
    List<byte[]> keys = new ArrayList<>();
    for (Key k : db.tailMap(new Key(prefix), true).keySet()) {
      if (k.b().length < prefix.length
          || !Arrays.equals(k.b(), 0, prefix.length, prefix, 0, prefix.length)) {
        break;
      }
      if (max >= 0 && keys.size() >= max) {
        break;
      }
      keys.add(k.b());
    }
    r.put("num", Integer.toString(keys.size()));
    for (int i = 0; i < keys.size(); i++) {
      byte[] name = new byte[keys.get(i).length + 1];
      name[0] = '_';
      System.arraycopy(keys.get(i), 0, name, 1, keys.get(i).length);
      r.put(name, Integer.toString(i).getBytes(StandardCharsets.UTF_8));
    }
    return r;
  }

  // ---- replies ------------------------------------------------------------------------------

  private void respond(OutputStream out, Result result, boolean keepAlive) throws IOException {
    // the real server keeps its output in a std::map: rows come sorted by name, byte by byte
    List<byte[][]> rows = new ArrayList<>(result.rows());
    rows.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
    char enc = chooseEncoding(rows);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[][] row : rows) {
      body.writeBytes(encodeColumn(row[0], enc));
      body.write('\t');
      body.writeBytes(encodeColumn(row[1], enc));
      body.write('\n');
    }
    String type = "text/tab-separated-values" + (enc == 0 ? "" : "; colenc=" + enc);
    String head = "HTTP/1.1 " + result.status() + " " + reason(result.status()) + "\r\n"
        + "Server: KyotoTycoon/0.9.56 (test)\r\n"
        + "Content-Type: " + type + "\r\n"
        + "Content-Length: " + body.size() + "\r\n"
        + (keepAlive ? "" : "Connection: close\r\n")
        + "\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    body.writeTo(out);
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 450 -> "Logical Inconsistency"; // as the real server says
      case 501 -> "Not Implemented";
      default -> "Error";
    };
  }

  /**
   * Picks the column encoding as ktutil's {@code checkmapenc} does: raw unless a column holds
   * a byte below 0x20 or 0x7F, or is over 255 bytes (bytes from 0x80 up stay raw); then Base64
   * if its estimate over the first 255 bytes of each column is shorter than URL encoding's,
   * else URL encoding.
   */
  private char chooseEncoding(List<byte[][]> rows) {
    switch (encoding) {
      case BASE64:
        return 'B';
      case URL:
        return 'U';
      case QUOTED_PRINTABLE:
        return 'Q';
      default:
        break;
    }
    boolean binary = false;
    long blen = 0;
    long ulen = 0;
    for (byte[][] row : rows) {
      for (byte[] col : row) {
        int size = col.length;
        if (size > 255) {
          size = 255;
          binary = true;
        }
        blen += size * 6L / 4 + 3;
        for (int i = 0; i < size; i++) {
          int c = col[i] & 0xFF;
          if (c < ' ' || c == 0x7F) {
            binary = true;
          }
          // checkmapenc counts these as one byte, though urlencode escapes !*'()
          ulen += isUrlSafe(c) || "!*'()".indexOf(c) >= 0 ? 1 : 3;
        }
      }
    }
    if (!binary) {
      return 0;
    }
    return blen < ulen ? 'B' : 'U';
  }

  private static boolean isUrlSafe(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || "_-.~".indexOf(c) >= 0;
  }

  /** Kyoto Cabinet's encoders: Base64, URL (lower-case hex) and quoted-printable. */
  private static byte[] encodeColumn(byte[] col, char enc) {
    switch (enc) {
      case 'B':
        return Base64.getEncoder().encode(col);
      case 'U': {
        StringBuilder sb = new StringBuilder();
        for (byte b : col) {
          int c = b & 0xFF;
          if (isUrlSafe(c)) {
            sb.append((char) c);
          } else {
            sb.append('%').append(Character.forDigit(c >> 4, 16))
                .append(Character.forDigit(c & 15, 16));
          }
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
      }
      case 'Q': {
        StringBuilder sb = new StringBuilder();
        for (byte b : col) {
          int c = b & 0xFF;
          if (c == '=' || c < ' ' || c > 0x7E) {
            sb.append('=').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
          } else {
            sb.append((char) c);
          }
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
      }
      default:
        return col;
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }
}
