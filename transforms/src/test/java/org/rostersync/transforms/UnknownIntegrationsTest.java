package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.testing.TestSimulator;

/**
 * A flood of job messages naming unknown integrations must not become the same number of Meta API
 * calls.
 */
class UnknownIntegrationsTest {
  private static EdlinkSimulator sim;

  @BeforeAll
  static void start() throws Exception {
    sim = TestSimulator.start(9L, "unknown-secret", DatasetSize.TINY);
  }

  @AfterAll
  static void stop() {
    IntegrationTokens.clear();
    sim.close();
  }

  @Test
  void unknownIdsAreLookedUpAgainstOneCachedListing() throws Exception {
    IntegrationTokens.clear();
    EdlinkClient client =
        EdlinkClient.builder().baseUrl(sim.baseUrl()).appSecret(sim.appSecret()).build();
    long before = sim.requestCount();
    String unknown = UUID.randomUUID().toString();
    for (int i = 0; i < 10; i++) {
      assertThat(IntegrationTokens.find(client, sim.baseUrl(), unknown).isPresent(), is(false));
      assertThat(
          IntegrationTokens.find(client, sim.baseUrl(), UUID.randomUUID().toString()).isPresent(),
          is(false));
    }
    assertThat(
        "20 lookups of unknown ids, at most one listing",
        sim.requestCount() - before,
        lessThanOrEqualTo(1L));
    String known = sim.integrations().get(0).id();
    assertThat(IntegrationTokens.find(client, sim.baseUrl(), known).isPresent(), is(true));
    assertThat(sim.requestCount() - before, lessThanOrEqualTo(1L));
  }
}
