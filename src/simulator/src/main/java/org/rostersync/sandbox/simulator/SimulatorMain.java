package org.rostersync.sandbox.simulator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Runs the simulator as a standalone server until interrupted. See {@code docs/simulator.md}. */
public final class SimulatorMain {
  private static final String USAGE =
      String.join(
          "\n",
          "Usage: SimulatorMain [options]",
          "  --port=8787             port on 127.0.0.1 (0 = any free port)",
          "  --seed=42               seed of the generated data",
          "  --integrations=3        number of integrations",
          "  --size=small            tiny | small | medium | largeish | large",
          "  --fleet=SIZE:N,...      a mixed fleet instead of --integrations/--size, in this order,",
          "                          e.g. --fleet=largeish:1,medium:3,small:16,tiny:30",
          "  --secret=sim-app-secret application secret (Meta API and admin API)",
          "  --shuffle-keys          emit object keys in random order",
          "  --latency-ms=0          hold back every Graph and Meta API answer this long, as a",
          "                          remote Edlink's network and server time would",
          "  --help                  this text");

  private SimulatorMain() {}

  public static void main(String[] args) throws InterruptedException {
    int port = 8787;
    long seed = 42;
    int count = 3;
    DatasetSize size = DatasetSize.SMALL;
    String secret = "sim-app-secret";
    boolean shuffle = false;
    long latencyMillis = 0;
    List<DatasetSize> fleet = null;
    for (String arg : args) {
      String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : "";
      if (arg.equals("--help") || arg.equals("-h")) {
        System.out.println(USAGE);
        return;
      } else if (arg.startsWith("--port=")) {
        port = Integer.parseInt(value);
      } else if (arg.startsWith("--seed=")) {
        seed = Long.parseLong(value);
      } else if (arg.startsWith("--integrations=")) {
        count = Integer.parseInt(value);
      } else if (arg.startsWith("--size=")) {
        size = DatasetSize.named(value);
      } else if (arg.startsWith("--fleet=")) {
        fleet = fleet(value);
      } else if (arg.startsWith("--secret=")) {
        secret = value;
      } else if (arg.startsWith("--latency-ms=")) {
        latencyMillis = Long.parseLong(value);
      } else if (arg.equals("--shuffle-keys")) {
        shuffle = true;
      } else {
        System.err.println("Unknown option: " + arg + "\n" + USAGE);
        System.exit(2);
      }
    }
    EdlinkSimulator.Builder builder =
        EdlinkSimulator.builder()
            .port(port)
            .seed(seed)
            .appSecret(secret)
            .shuffleKeys(shuffle)
            .latency(java.time.Duration.ofMillis(latencyMillis));
    for (DatasetSize s : fleet != null ? fleet : Collections.nCopies(count, size)) {
      builder.integration(s);
    }
    EdlinkSimulator sim = builder.start();
    System.out.println("Edlink simulator listening on " + sim.baseUrl());
    System.out.println(
        "  Graph API:  "
            + sim.baseUrl()
            + "/api/v2/graph/   Meta API: "
            + sim.baseUrl()
            + "/api/v1/integrations");
    System.out.println("  App secret: " + sim.appSecret());
    for (SimIntegration i : sim.integrations()) {
      System.out.println(
          "  integration " + i.id() + "  token " + i.accessToken() + "  size " + i.size().name());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  sim.close();
                  stopped.countDown();
                }));
    stopped.await();
  }

  /**
   * Parses {@code SIZE:N,SIZE:N,...} ({@code SIZE} alone means one) into the integrations' sizes,
   * in order.
   */
  static List<DatasetSize> fleet(String spec) {
    List<DatasetSize> out = new ArrayList<>();
    for (String part : spec.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      String[] p = part.trim().split(":", 2);
      int n = p.length == 2 ? Integer.parseInt(p[1].trim()) : 1;
      if (n < 0) {
        throw new IllegalArgumentException("negative count in --fleet: " + part);
      }
      out.addAll(Collections.nCopies(n, DatasetSize.named(p[0])));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--fleet names no integration: " + spec);
    }
    return out;
  }
}
