package org.rostersync.transforms;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.SimIntegration;
import org.rostersync.testing.TestSimulator;

/**
 * A simulator for one test class, started before its first test and closed after its last, with the
 * integration tokens the steps cached forgotten: {@code @RegisterExtension static final
 * SimulatorPerClass SIM = new SimulatorPerClass(seed, secret, DatasetSize.TINY);}
 */
final class SimulatorPerClass implements BeforeAllCallback, AfterAllCallback {
  private final long seed;
  private final String appSecret;
  private final DatasetSize[] sizes;
  private EdlinkSimulator sim;

  SimulatorPerClass(long seed, String appSecret, DatasetSize... sizes) {
    this.seed = seed;
    this.appSecret = appSecret;
    this.sizes = sizes;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    sim = TestSimulator.start(seed, appSecret, sizes);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    IntegrationTokens.clear();
    sim.close();
  }

  /** The running simulator. */
  EdlinkSimulator get() {
    return sim;
  }

  /** Its first integration. */
  SimIntegration integration() {
    return sim.integrations().get(0);
  }
}
