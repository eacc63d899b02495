package io.larder.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsTest {

  @Test
  void defaultsToAnSqliteCacheInTheDataFolderOnPort8080() {
    Options o = Options.parse();
    assertThat(o.cacheUrl()).isEqualTo("sqlite:" + Path.of("data", "larder-example-cache.db"));
    assertThat(o.port()).isEqualTo(8080);
    assertThat(o.data()).isEqualTo(Path.of("data"));
  }

  @Test
  void theDataFolderMovesTheDefaultCache() {
    Options o = Options.parse("--data", "/tmp/x");
    assertThat(o.cacheUrl()).isEqualTo("sqlite:/tmp/x/larder-example-cache.db");
  }

  @Test
  void takesEachOptionWithASpaceOrAnEqualsSign() {
    Options o = Options.parse("--cache", "redis://127.0.0.1:6379/0", "--port=0", "--data=d");
    assertThat(o.cacheUrl()).isEqualTo("redis://127.0.0.1:6379/0");
    assertThat(o.port()).isZero();
    assertThat(o.data()).isEqualTo(Path.of("d"));
    assertThat(Options.parse("--cache=memcached://a:11211,b:11211").cacheUrl())
        .isEqualTo("memcached://a:11211,b:11211");
  }

  @Test
  void staticFilesAreOffUnlessAFolderIsGiven() {
    assertThat(Options.parse().staticDir()).isNull();
    assertThat(Options.parse("--static", "site/files").staticDir()).isEqualTo(Path.of("site/files"));
    assertThat(Options.parse("--static=css").staticDir()).isEqualTo(Path.of("css"));
    assertThatThrownBy(() -> Options.parse("--static", "a", "--static", "b"))
        .hasMessage("--static was given twice");
  }

  @Test
  void startRefusesHelpAndAStaticFolderThatIsMissing(@TempDir Path dir) {
    assertThatThrownBy(() -> ExampleApp.start("--help"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--help");
    assertThatThrownBy(() -> ExampleApp.start("--cache", "mem:", "--port", "0",
        "--data", dir.toString(), "--static", dir.resolve("missing").toString()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a folder");
    assertThat(dir.resolve("larder-example-books.db")).doesNotExist();
  }

  @Test
  void badArgumentsAreNamed() {
    assertThatThrownBy(() -> Options.parse("--port", "http")).hasMessageContaining("'http'");
    assertThatThrownBy(() -> Options.parse("--port", "70000")).hasMessageContaining("70000");
    assertThatThrownBy(() -> Options.parse("--cache")).hasMessage("--cache needs a value");
    assertThatThrownBy(() -> Options.parse("--verbose")).hasMessage("unknown argument '--verbose'");
    assertThatThrownBy(() -> Options.parse("--port", "1", "--port", "2"))
        .hasMessage("--port was given twice");
  }

  @Test
  void runPrintsUsageForHelpAndForABadArgument() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertThat(ExampleApp.run(new String[] {"--help"}, o, e)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: larder example");
    assertThat(ExampleApp.run(new String[] {"--port", "x"}, o, e)).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("larder example: --port needs a number").contains("usage:");
  }

  @Test
  void noCacheRunsWithoutLarderAndCannotBeGivenWithACache() {
    assertThat(Options.parse().noCache()).isFalse();
    Options o = Options.parse("--no-cache");
    assertThat(o.noCache()).isTrue();
    assertThat(o.cacheUrl()).isEqualTo("none:");
    assertThatThrownBy(() -> Options.parse("--no-cache", "--cache", "mem:"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--no-cache")
        .hasMessageContaining("mem:");
    assertThatThrownBy(() -> Options.parse("--no-cache=yes"))
        .hasMessageContaining("--no-cache takes no value");
  }
}
