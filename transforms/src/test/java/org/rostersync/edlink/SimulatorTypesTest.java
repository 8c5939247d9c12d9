package org.rostersync.edlink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rostersync.sandbox.simulator.RosterType;
import org.rostersync.testing.TestSimulator;

/** The simulator's own list of types is the sync's: same paths, event targets and order. */
class SimulatorTypesTest {
  @Test
  void theSimulatorServesExactlyTheTypesTheSyncFetches() {
    List<String> sync = Arrays.stream(EntityType.values()).map(EntityType::path).toList();
    List<String> simulator = Arrays.stream(RosterType.values()).map(RosterType::path).toList();
    assertThat(simulator, equalTo(sync));
  }

  @Test
  void eventTargetsAgree() {
    for (EntityType type : EntityType.values()) {
      RosterType simulated = TestSimulator.type(type);
      assertThat(simulated.eventTarget(), equalTo(type.eventTarget()));
      assertThat(RosterType.fromEventTarget(type.eventTarget()), is(simulated));
    }
  }
}
