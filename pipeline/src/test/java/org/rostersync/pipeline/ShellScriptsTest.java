package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Shell scripts under {@code set -o pipefail} must not pipe into {@code head}: when {@code head}
 * exits first the writer gets SIGPIPE and the whole script fails at random (CI failed 2 of 5 runs
 * that way).
 */
class ShellScriptsTest {
  static final Pattern PIPEFAIL =
      Pattern.compile("set -[a-z]*o pipefail|set -o pipefail|set -euo pipefail");
  static final Pattern PIPE_INTO_HEAD = Pattern.compile("\\|\\s*head\\b");

  static List<Path> scripts() throws IOException {
    List<Path> out = new ArrayList<>();
    out.add(Path.of("../.ci/run"));
    for (String dir : List.of("../templates", "../terraform", "../src")) {
      try (Stream<Path> s = Files.walk(Path.of(dir))) {
        s.filter(p -> p.toString().endsWith(".sh") && !p.toString().contains("node_modules"))
            .forEach(out::add);
      }
    }
    return out;
  }

  @Test
  void noScriptUnderPipefailPipesIntoHead() throws IOException {
    List<Path> all = scripts();
    assertThat("found the scripts", all, not(empty()));
    List<String> offenders = new ArrayList<>();
    for (Path p : all) {
      String text = Files.readString(p);
      if (!PIPEFAIL.matcher(text).find()) {
        continue;
      }
      String[] lines = text.split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        String line = lines[i].strip();
        if (!line.startsWith("#") && PIPE_INTO_HEAD.matcher(line).find()) {
          offenders.add(p + ":" + (i + 1) + ": " + line);
        }
      }
    }
    assertThat(offenders, empty());
  }
}
