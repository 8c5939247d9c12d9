package org.rostersync.testing;

import org.rostersync.edlink.EntityType;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.FaultKind;
import org.rostersync.sandbox.simulator.FaultRule;
import org.rostersync.sandbox.simulator.RosterType;

/**
 * The tests' Edlink: the simulator in-process, over real HTTP on a free port, with a fixed seed so
 * its data is the same on every run. The one simulator fixture of the build, shared with the other
 * modules' tests through this module's test-jar (they declare {@code roster-sync-simulator}).
 */
public final class TestSimulator {
  private TestSimulator() {}

  /** A simulator to finish configuring: free port, {@code seed}, {@code appSecret}. */
  public static EdlinkSimulator.Builder builder(long seed, String appSecret) {
    return EdlinkSimulator.builder().port(0).seed(seed).appSecret(appSecret);
  }

  /** A started simulator with one integration of each of {@code sizes}, in that order. */
  public static EdlinkSimulator start(long seed, String appSecret, DatasetSize... sizes) {
    EdlinkSimulator.Builder builder = builder(seed, appSecret);
    for (DatasetSize size : sizes) {
      builder.integration(size);
    }
    return builder.start();
  }

  /** Every request of {@code integrationId} to {@code endpoint} is answered {@code millis} late. */
  public static void slow(EdlinkSimulator sim, String integrationId, String endpoint, long millis) {
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(integrationId)
                .endpoint(endpoint)
                .kind(FaultKind.SLOW)
                .delayMillis(millis)
                .build());
  }

  /**
   * The simulator's name for the sync's {@code type} (the simulator keeps its own list, so that it
   * depends on nothing of the sync; {@code SimulatorTypesTest} keeps the two lists equal).
   */
  public static RosterType type(EntityType type) {
    return RosterType.fromPath(type.path());
  }
}
