package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.sandbox.simulator.DatasetSize;

/**
 * A flood of job messages naming unknown integrations must not become the same number of Meta API
 * calls.
 */
class UnknownIntegrationsTest {
  @RegisterExtension
  static final SimulatorPerClass SIM =
      new SimulatorPerClass(9L, "unknown-secret", DatasetSize.TINY);

  @Test
  void unknownIdsAreLookedUpAgainstOneCachedListing() throws Exception {
    IntegrationTokens.clear();
    EdlinkClient client =
        EdlinkClient.builder()
            .baseUrl(SIM.get().baseUrl())
            .appSecret(SIM.get().appSecret())
            .build();
    long before = SIM.get().requestCount();
    String unknown = UUID.randomUUID().toString();
    for (int i = 0; i < 10; i++) {
      assertThat(
          IntegrationTokens.find(client, SIM.get().baseUrl(), unknown).isPresent(), is(false));
      assertThat(
          IntegrationTokens.find(client, SIM.get().baseUrl(), UUID.randomUUID().toString())
              .isPresent(),
          is(false));
    }
    assertThat(
        "20 lookups of unknown ids, at most one listing",
        SIM.get().requestCount() - before,
        lessThanOrEqualTo(1L));
    String known = SIM.get().integrations().get(0).id();
    assertThat(IntegrationTokens.find(client, SIM.get().baseUrl(), known).isPresent(), is(true));
    assertThat(SIM.get().requestCount() - before, lessThanOrEqualTo(1L));
  }
}
