package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@link KyotoTycoonServer#locate} looks for {@code ktserver}, and in which order. */
class KyotoTycoonServerTest {
  @TempDir Path tmp;

  private Path executable(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    Files.writeString(path, "#!/bin/sh\n");
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    return path;
  }

  @Test
  void theSharedFolderIsFoundFromAWorktreeTwoLevelsBelowIt() throws IOException {
    // /work/shared/kyototycoon beside /work/main, seen from /work/wt/kt/larder-kyototycoon
    Path shared = executable(tmp.resolve("shared/kyototycoon/bin/ktserver"));
    Path module = Files.createDirectories(tmp.resolve("wt/kt/larder-kyototycoon"));
    assertThat(KyotoTycoonServer.locate(Map.of("PATH", ""), module)).contains(shared);
  }

  @Test
  void theNearestSharedFolderWins() throws IOException {
    executable(tmp.resolve("shared/kyototycoon/bin/ktserver"));
    Path near = executable(tmp.resolve("project/shared/kyototycoon/bin/ktserver"));
    Path module = Files.createDirectories(tmp.resolve("project/checkout/module"));
    assertThat(KyotoTycoonServer.locate(Map.of(), module)).contains(near);
  }

  @Test
  void thePathComesBeforeTheSharedFolder() throws IOException {
    executable(tmp.resolve("shared/kyototycoon/bin/ktserver"));
    Path onPath = executable(tmp.resolve("bin/ktserver"));
    String path = tmp.resolve("empty") + File.pathSeparator + tmp.resolve("bin");
    assertThat(KyotoTycoonServer.locate(Map.of("PATH", path), tmp)).contains(onPath);
  }

  @Test
  void theVariableComesFirst() throws IOException {
    executable(tmp.resolve("bin/ktserver"));
    Path named = executable(tmp.resolve("elsewhere/my-ktserver"));
    Map<String, String> env = Map.of("PATH", tmp.resolve("bin").toString(),
        KyotoTycoonServer.EXECUTABLE_VARIABLE, named.toString());
    assertThat(KyotoTycoonServer.locate(env, tmp)).contains(named);
  }

  @Test
  void aVariableNamingNothingIsAnErrorNotASkip() {
    Map<String, String> env = Map.of(KyotoTycoonServer.EXECUTABLE_VARIABLE,
        tmp.resolve("missing").toString());
    assertThatThrownBy(() -> KyotoTycoonServer.locate(env, tmp))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("KTSERVER=")
        .hasMessageContaining("missing");
  }

  @Test
  void nothingFoundIsEmptyAndTheMessageSaysHowToGetOne() {
    assertThat(KyotoTycoonServer.locate(Map.of("PATH", tmp.toString()), tmp)).isEmpty();
    assertThat(KyotoTycoonServer.missingMessage()).contains("KTSERVER")
        .contains("shared/kyototycoon/bin/ktserver").contains("build.sh");
  }

  @Test
  void builderRejectsWhatTheLauncherOwns() {
    for (String owned : new String[] {"-host", "-port", "-dmn", "-log", "-pid"}) {
      assertThatThrownBy(() -> KyotoTycoonServer.builder().args(owned)).as(owned)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(owned);
    }
    assertThatThrownBy(() -> KyotoTycoonServer.builder().databases())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
