package org.rostersync.sandbox.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory probe in its own JVM: runs the command and reads the {@code RESULT k=v ...} line it
 * prints last; a probe that prints {@code PHASE name} lines is reported as failing in the last one.
 * Shared by the fetch and join probes.
 */
public final class ProbeProcess {
  private static final String JAVA =
      Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final String CLASSPATH = System.getProperty("java.class.path");

  private ProbeProcess() {}

  /** The simulator in its own JVM, serving one integration of {@code size}. */
  public static StandaloneSimulator simulator(String size, String secret)
      throws IOException, InterruptedException {
    return StandaloneSimulator.start(
        JAVA,
        CLASSPATH,
        Files.createTempFile("probe-simulator", ".log"),
        List.of("-Xmx3g"),
        List.of("--port=0", "--secret=" + secret, "--fleet=" + size + ":1"));
  }

  /**
   * The command of one probe JVM under {@code -Xmx<heap>} and the parallel collector: {@code main}
   * with {@code args}, and each of the {@code passed} flags the command line gave.
   */
  public static List<String> command(
      Class<?> main,
      String heap,
      List<String> args,
      Map<String, String> flags,
      List<String> passed) {
    List<String> cmd =
        new ArrayList<>(List.of(JAVA, "-Xmx" + heap, "-XX:+UseParallelGC", "-cp", CLASSPATH));
    cmd.add(main.getName());
    cmd.addAll(args);
    for (String f : passed) {
      if (flags.containsKey(f)) {
        cmd.add("--" + f + "=" + flags.get(f));
      }
    }
    return cmd;
  }

  /**
   * The probe's result fields with {@code outcome=ok}, or {@code outcome} {@code OOM} when it ran
   * out of heap, {@code failed} otherwise, with the phase in parentheses and {@code output}, the
   * probe's last lines.
   */
  public static Map<String, String> run(List<String> command)
      throws IOException, InterruptedException {
    Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(probe.getInputStream().readAllBytes());
    probe.waitFor();
    String result = null;
    String phase = null;
    for (String line : out.split("\n")) {
      if (line.startsWith("RESULT ")) {
        result = line;
      } else if (line.startsWith("PHASE ")) {
        phase = line.substring("PHASE ".length()).trim();
      }
    }
    Map<String, String> fields = new HashMap<>();
    if (result == null) {
      String outcome = out.contains("OutOfMemoryError") ? "OOM" : "failed";
      fields.put("outcome", phase == null ? outcome : outcome + "(" + phase + ")");
      fields.put("output", out.substring(Math.max(0, out.length() - 2000)));
      return fields;
    }
    fields.put("outcome", "ok");
    for (String kv : result.substring("RESULT ".length()).split(" ")) {
      String[] p = kv.split("=", 2);
      fields.put(p[0], p.length > 1 ? p[1] : "");
    }
    return fields;
  }
}
