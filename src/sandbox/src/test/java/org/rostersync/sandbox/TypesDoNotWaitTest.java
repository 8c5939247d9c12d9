package org.rostersync.sandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;
import org.rostersync.pipeline.SyncOptions;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.FaultKind;
import org.rostersync.sandbox.simulator.FaultRule;
import org.rostersync.testing.TestDatabase;
import org.rostersync.testing.TestSimulator;
import org.rostersync.transforms.PooledDataSources;

/**
 * Overlap instead of phases: a type is joined and written as soon as it is fetched, without waiting
 * for the integration's other types. With one type's paging held up by a slow Edlink page, the
 * other types' rows are already in the database well before the slow type's first row.
 */
class TypesDoNotWaitTest {
  private static final long SLOW_PAGE_MILLIS = 6_000;

  private static TestDatabase db;
  private static EdlinkSimulator sim;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.start();
    sim = TestSimulator.builder(31L, "overlap-secret").integration(DatasetSize.SMALL).start();
  }

  @AfterAll
  static void stop() throws Exception {
    PooledDataSources.closeAll();
    sim.close();
    db.close();
  }

  /** Seconds between the newest row of {@code early} and the oldest row of {@code late}. */
  private static double gapSeconds(String integration, EntityType early, EntityType late)
      throws Exception {
    return Double.parseDouble(
        SyncChecks.scalar(
            db,
            "SELECT extract(epoch FROM"
                + " (SELECT min(synced_at) FROM roster_entities WHERE integration_id = '"
                + integration
                + "' AND entity_type = '"
                + late.path()
                + "') - (SELECT max(synced_at) FROM roster_entities WHERE integration_id = '"
                + integration
                + "' AND entity_type = '"
                + early.path()
                + "'))"));
  }

  @Test
  void aTypeIsWrittenWithoutWaitingForASlowOne() throws Exception {
    String a = sim.integrations().get(0).id();
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(a)
                .endpoint("people")
                .kind(FaultKind.SLOW)
                .delayMillis(SLOW_PAGE_MILLIS)
                // The first page: every paging starts with it. A later forward page is paged
                // around from the end ($last, $before), and the type then does not wait for it.
                .onPage(1)
                .times(1)
                .build());
    SyncOptions o = SyncRunner.options(db.config(), sim.baseUrl(), sim.appSecret());
    o.setIntegrationIds(a);
    o.setMode("full");
    o.setPageSize(100);
    SyncRunner.Outcome outcome = SyncRunner.run(o, null);
    assertThat(outcome.state(), is(PipelineResult.State.DONE));
    assertThat(outcome.runs().get(0).status(), equalTo("succeeded"));
    SyncChecks.assertDatabaseEqualsSource(db, a, sim);
    for (EntityType early : new EntityType[] {EntityType.CLASSES, EntityType.SCHOOLS}) {
      double gap = gapSeconds(a, early, EntityType.PEOPLE);
      System.out.printf(
          "[overlap] last %s row %.1f s before the first person%n", early.path(), gap);
      assertThat(
          early.path() + " were all written this many seconds before the first person",
          gap,
          greaterThan(SLOW_PAGE_MILLIS / 2000.0));
    }
  }
}
