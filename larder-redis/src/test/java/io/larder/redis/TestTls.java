package io.larder.redis;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throwaway certificate authority made with {@code openssl}: a CA, a server certificate for
 * 127.0.0.1 and a client certificate, all signed by it, in PEM files.
 */
final class TestTls {
  final Path caCert;
  final Path serverCert;
  final Path serverKey;
  final Path clientCert;
  final Path clientKey;

  private TestTls(Path dir) {
    caCert = dir.resolve("ca.pem");
    serverCert = dir.resolve("server.pem");
    serverKey = dir.resolve("server.key");
    clientCert = dir.resolve("client.pem");
    clientKey = dir.resolve("client.key");
  }

  /** Writes a CA and certificates signed by it into {@code dir}. */
  static TestTls create(Path dir) throws IOException, InterruptedException {
    TestTls tls = new TestTls(dir);
    Path caKey = dir.resolve("ca.key");
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", caKey.toString(), "-out", tls.caCert.toString(), "-days", "2",
        "-subj", "/CN=Larder test CA");
    // clientAuth too: cluster nodes present it to each other on a TLS cluster bus
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\n"
        + "extendedKeyUsage=serverAuth,clientAuth\n");
    Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    tls.sign(dir, caKey, "server", "/CN=127.0.0.1", tls.serverKey, tls.serverCert);
    tls.sign(dir, caKey, "client", "/CN=larder-client", tls.clientKey, tls.clientCert);
    return tls;
  }

  private void sign(Path dir, Path caKey, String name, String subject, Path key, Path cert)
      throws IOException, InterruptedException {
    Path csr = dir.resolve(name + ".csr");
    openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key.toString(), "-out", csr.toString(), "-subj", subject);
    openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(),
        "-CAkey", caKey.toString(), "-CAcreateserial", "-out", cert.toString(), "-days", "2",
        "-extfile", dir.resolve(name + ".ext").toString());
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .start();
    String output = new String(p.getInputStream().readAllBytes(), UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
    }
  }
}
