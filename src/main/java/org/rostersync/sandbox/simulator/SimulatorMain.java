package org.rostersync.sandbox.simulator;

import java.util.concurrent.CountDownLatch;

/** Runs the simulator as a standalone server until interrupted. See {@code docs/simulator.md}. */
public final class SimulatorMain {
  private static final String USAGE = String.join("\n",
      "Usage: SimulatorMain [options]",
      "  --port=8787             port on 127.0.0.1 (0 = any free port)",
      "  --seed=42               seed of the generated data",
      "  --integrations=3        number of integrations",
      "  --size=small            tiny | small | medium | large",
      "  --secret=sim-app-secret application secret (Meta API and admin API)",
      "  --shuffle-keys          emit object keys in random order",
      "  --help                  this text");

  private SimulatorMain() {}

  public static void main(String[] args) throws InterruptedException {
    int port = 8787;
    long seed = 42;
    int count = 3;
    DatasetSize size = DatasetSize.SMALL;
    String secret = "sim-app-secret";
    boolean shuffle = false;
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
      } else if (arg.startsWith("--secret=")) {
        secret = value;
      } else if (arg.equals("--shuffle-keys")) {
        shuffle = true;
      } else {
        System.err.println("Unknown option: " + arg + "\n" + USAGE);
        System.exit(2);
      }
    }
    EdlinkSimulator.Builder builder =
        EdlinkSimulator.builder().port(port).seed(seed).appSecret(secret).shuffleKeys(shuffle);
    for (int i = 0; i < count; i++) {
      builder.integration(size);
    }
    EdlinkSimulator sim = builder.start();
    System.out.println("Edlink simulator listening on " + sim.baseUrl());
    System.out.println("  Graph API:  " + sim.baseUrl() + "/api/v2/graph/   Meta API: " + sim.baseUrl() + "/api/v1/integrations");
    System.out.println("  App secret: " + sim.appSecret());
    for (SimIntegration i : sim.integrations()) {
      System.out.println("  integration " + i.id() + "  token " + i.accessToken() + "  size " + i.size().name());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sim.close();
      stopped.countDown();
    }));
    stopped.await();
  }
}
