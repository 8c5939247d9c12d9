package org.rostersync.sandbox.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Edlink simulator in a JVM and a session of its own ({@code setsid}), as the measurements need
 * it (never sharing a heap or a CPU profile with the program measured). Closed, or at JVM exit, its
 * whole process group is killed.
 */
public final class StandaloneSimulator implements AutoCloseable {
  private static final String LISTENING = "Edlink simulator listening on ";

  private final Process process;
  private final String baseUrl;
  private final Thread killAtExit;

  private StandaloneSimulator(Process process, String baseUrl) {
    this.process = process;
    this.baseUrl = baseUrl;
    this.killAtExit = new Thread(() -> killGroup(process.pid(), "KILL"));
    Runtime.getRuntime().addShutdownHook(killAtExit);
  }

  /**
   * Starts {@code SimulatorMain} with {@code jvmFlags} and {@code simulatorArgs} on {@code
   * classpath}, its output in {@code log}, and waits until it listens (at most two minutes).
   */
  public static StandaloneSimulator start(
      String javaBin, String classpath, Path log, List<String> jvmFlags, List<String> simulatorArgs)
      throws IOException, InterruptedException {
    Files.deleteIfExists(log);
    List<String> cmd = new ArrayList<>(List.of("setsid", javaBin));
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-cp", classpath, "org.rostersync.sandbox.simulator.SimulatorMain"));
    cmd.addAll(simulatorArgs);
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline && p.isAlive()) {
      for (String line : Files.exists(log) ? Files.readAllLines(log) : List.<String>of()) {
        if (line.startsWith(LISTENING)) {
          return new StandaloneSimulator(p, line.substring(LISTENING.length()).trim());
        }
      }
      Thread.sleep(100);
    }
    new StandaloneSimulator(p, null).close();
    throw new IllegalStateException("the simulator did not start; see " + log);
  }

  public String baseUrl() {
    return baseUrl;
  }

  @Override
  public void close() throws InterruptedException {
    killGroup(process.pid(), "TERM");
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      killGroup(process.pid(), "KILL");
      process.waitFor();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killAtExit);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs anyway
    }
  }

  /** Sends {@code signal} to the process group {@code pgid}; nothing when it is gone. */
  static void killGroup(long pgid, String signal) {
    try {
      new ProcessBuilder("kill", "-" + signal, "--", "-" + pgid)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      // nothing left to kill
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
