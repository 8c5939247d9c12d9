package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * templates/run-direct.sh, the cron VM's command, with the real java and a small jar: the first run
 * writes the class-data archive, later runs map it (with {@code -Xshare:on} java refuses to start
 * when it cannot), a failed first run leaves none, and an empty archive directory turns it off.
 */
class RunDirectScriptTest {
  static final Path SCRIPT = Path.of("../templates/run-direct.sh");

  @TempDir Path dir;

  /** The small jar's program: prints its arguments, fails when asked to. */
  public static final class Echo {
    public static void main(String[] args) {
      System.out.println("args " + String.join(" ", args));
      System.out.println("arenas " + System.getenv("MALLOC_ARENA_MAX"));
      if (List.of(args).contains("--fail")) {
        System.exit(3);
      }
    }
  }

  @Test
  void theFirstRunWritesTheArchiveAndLaterRunsMapIt() throws Exception {
    Path jar = jar();
    Result first = run(jar, Map.of(), "--allIntegrations=true");
    assertThat(first.output, first.exit, is(0));
    assertThat(first.output, containsString("args --runner=DirectRunner --allIntegrations=true"));
    assertThat(archives(), hasSize(1));

    // -Xshare:on: java exits with an error rather than run without the archive.
    Result second = run(jar, Map.of("ROSTER_SYNC_JVM_FLAGS", "-Xshare:on -Xlog:class+load"), "--x");
    assertThat(second.output, second.exit, is(0));
    assertThat(
        "Echo came from the archive",
        second.output,
        containsString(Echo.class.getName() + " source: shared objects file (top)"));
    assertThat(archives(), hasSize(1));
  }

  @Test
  void aFailedFirstRunLeavesNoArchive() throws Exception {
    Path jar = jar();
    Result failed = run(jar, Map.of(), "--fail");
    assertThat(failed.output, failed.exit, is(3));
    assertThat(archives(), empty());
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(
          "no temporary archive left",
          files.filter(p -> p.toString().endsWith(".tmp")).toList(),
          empty());
    }
  }

  @Test
  void anEmptyArchiveDirectoryRunsWithoutOne() throws Exception {
    Path jar = jar();
    Result r = run(jar, Map.of("ROSTER_SYNC_CDS_DIR", ""), "--y");
    assertThat(r.output, r.exit, is(0));
    assertThat(archives(), empty());
    assertThat(r.output, not(containsString("error")));
  }

  @Test
  void mallocArenasAreCappedUnlessTheCallerSaysOtherwise() throws Exception {
    Path jar = jar();
    Result byDefault = run(jar, Map.of(), "--a");
    assertThat(byDefault.output, containsString("arenas 2"));
    Result four = run(jar, Map.of("MALLOC_ARENA_MAX", "4"), "--b");
    assertThat(four.output, containsString("arenas 4"));
    Result glibcs = run(jar, Map.of("MALLOC_ARENA_MAX", ""), "--c");
    assertThat(glibcs.output, containsString("arenas null"));
  }

  private List<Path> archives() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".jsa")).toList();
    }
  }

  private record Result(int exit, String output) {}

  private Result run(Path jar, Map<String, String> env, String... args) throws Exception {
    List<String> cmd =
        Stream.concat(Stream.of("bash", SCRIPT.toString()), Stream.of(args)).toList();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ROSTER_SYNC_JAR", jar.toString());
    pb.environment().put("ROSTER_SYNC_CDS_DIR", dir.toString());
    pb.environment().put("ROSTER_SYNC_JVM_FLAGS", "-Xmx64m");
    pb.environment().remove("MALLOC_ARENA_MAX");
    pb.environment()
        .put(
            "PATH",
            Path.of(System.getProperty("java.home"), "bin")
                + ":"
                + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }

  private Path jar() throws IOException {
    Path jar = dir.resolve("echo.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Echo.class.getName());
    String entry = Echo.class.getName().replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest);
        InputStream in = Echo.class.getClassLoader().getResourceAsStream(entry)) {
      out.putNextEntry(new JarEntry(entry));
      in.transferTo(out);
      out.closeEntry();
    }
    return jar;
  }
}
