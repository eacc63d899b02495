package io.larder.redis;

import static io.larder.redis.PatientTimeouts.PATIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots caches from the module path in a child JVM, so that the module descriptors, not the
 * class path, decide what is visible: a small application module that requires only
 * {@code io.larder} opens {@code mem:} and a real Redis, the providers being found through
 * {@code provides} (the class path's {@code META-INF/services} play no part), and cannot
 * compile against the stores' {@code .internal} packages.
 */
class ModulePathIT {
  private static final String APP_MODULE = """
      module larder.modcheck {
        requires io.larder;
        uses io.larder.spi.StoreProvider;
      }
      """;

  private static final String APP_MAIN = """
      package modcheck;

      import io.larder.Cache;
      import io.larder.Larder;
      import io.larder.spi.StoreProvider;
      import java.util.ServiceLoader;
      import java.util.TreeSet;

      public final class Main {
        public static void main(String[] args) throws Exception {
          TreeSet<String> providers = new TreeSet<>();
          for (StoreProvider p : ServiceLoader.load(StoreProvider.class)) {
            Module m = p.getClass().getModule();
            providers.add(m.getName() + (m.getDescriptor().isAutomatic() ? "(automatic)" : "")
                + new TreeSet<>(p.schemes()));
          }
          System.out.println("providers " + providers);
          System.out.println("core " + Cache.class.getModule().getDescriptor().toNameAndVersion()
              + " automatic=" + Cache.class.getModule().getDescriptor().isAutomatic());
          for (String url : args) {
            try (Cache cache = Larder.open(url)) {
              cache.set("modcheck", "value");
              System.out.println(url.substring(0, url.indexOf(':')) + " get="
                  + cache.get("modcheck", String.class) + " incr=" + cache.incr("modcheck-n"));
            }
          }
        }
      }
      """;

  private static final String PEEK_MODULE = """
      module larder.modpeek {
        requires io.larder.redis;
      }
      """;

  private static final String PEEK_MAIN = """
      package modpeek;

      public final class Peek {
        Object core = new io.larder.internal.MemoryStoreProvider();
        Object redis = new io.larder.redis.internal.RedisStoreProvider();
      }
      """;

  private static RedisServer redis;

  @BeforeAll
  static void startServer() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopServer() {
    if (redis != null) {
      redis.close();
    }
  }

  /** The runtime class path Maven wrote, plus this module's classes: all named or automatic. */
  private static String modulePath() throws IOException {
    String file = System.getProperty("larder.runtimeClasspathFile");
    String classes = System.getProperty("larder.moduleClasses");
    assertThat(file).as("set by the POM for failsafe").isNotNull();
    assertThat(classes).as("set by the POM for failsafe").isNotNull();
    String runtime = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
    return classes + File.pathSeparator + runtime;
  }

  private static Path write(Path dir, String module, String pkg, String cls, String main,
      String descriptor) throws IOException {
    Path src = dir.resolve(module);
    Files.createDirectories(src.resolve(pkg));
    Files.writeString(src.resolve("module-info.java"), descriptor);
    Files.writeString(src.resolve(pkg).resolve(cls + ".java"), main);
    return src;
  }

  private static int compile(Path src, Path out, String modulePath, ByteArrayOutputStream diag) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac).as("a JDK's compiler, to build the application module").isNotNull();
    try (var files = Files.walk(src)) {
      List<String> args = new ArrayList<>(List.of("-d", out.toString(), "--module-path",
          modulePath));
      files.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
      return javac.run(null, diag, diag, args.toArray(String[]::new));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void memAndRedisCachesBootFromTheModulePath(@TempDir Path dir) throws Exception {
    String modulePath = modulePath();
    Path src = write(dir, "src", "modcheck", "Main", APP_MAIN, APP_MODULE);
    Path out = dir.resolve("out");
    ByteArrayOutputStream diag = new ByteArrayOutputStream();
    assertThat(compile(src, out, modulePath, diag)).as(diag.toString()).isZero();

    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(),
        "--module-path", out + File.pathSeparator + modulePath,
        "--module", "larder.modcheck/modcheck.Main",
        "mem:", redis.url() + "?prefix=modcheck" + PATIENT)
        .redirectErrorStream(true).start();
    child.getOutputStream().close();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(2, TimeUnit.MINUTES)).as(output).isTrue();
    assertThat(child.exitValue()).as(output).isZero();
    assertThat(output)
        .contains("io.larder[mem]").contains("io.larder[none]")
        .contains("io.larder.redis[redis, redis-cluster, rediss]")
        .doesNotContain("(automatic)[")
        .contains("automatic=false")
        .contains("mem get=value incr=1")
        .contains("redis get=value incr=1");
  }

  @Test
  void internalPackagesAreNotExported(@TempDir Path dir) throws Exception {
    Path src = write(dir, "src", "modpeek", "Peek", PEEK_MAIN, PEEK_MODULE);
    ByteArrayOutputStream diag = new ByteArrayOutputStream();
    assertThat(compile(src, dir.resolve("out"), modulePath(), diag)).isNotZero();
    assertThat(diag.toString())
        .contains("package io.larder.internal is not visible")
        .contains("package io.larder.redis.internal is not visible");
  }
}
