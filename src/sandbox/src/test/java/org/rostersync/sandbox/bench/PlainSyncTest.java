package org.rostersync.sandbox.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.rostersync.edlink.EntityType;
import org.rostersync.pipeline.Migrations;
import org.rostersync.sandbox.SourceComparison;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.FaultKind;
import org.rostersync.sandbox.simulator.FaultRule;
import org.rostersync.testing.TestDatabase;
import org.rostersync.testing.TestSimulator;
import org.rostersync.transforms.EdlinkConfig;
import org.rostersync.transforms.SecretRef;

/**
 * The benchmark's plain program is only a fair baseline if it is correct: on a small simulated
 * fleet and a real PostgreSQL, the first sync equals the source, a resync writes nothing, churn
 * writes exactly the changed rows, an inactive integration is left alone, and a failed fetch rolls
 * its whole integration back. In order, one state.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlainSyncTest {
  private static TestDatabase pg;
  private static EdlinkSimulator sim;
  private static BenchDb db;
  private static PlainSync plain;
  private static String small;
  private static String tiny;
  private static String disabled;

  @BeforeAll
  static void start() throws Exception {
    pg = TestDatabase.start();
    Migrations.apply(pg.config());
    db = new BenchDb(pg.config());
    sim =
        TestSimulator.builder(11L, "plain-secret")
            .shuffleKeys(true)
            .integration(DatasetSize.SMALL)
            .integration(DatasetSize.TINY)
            .integration(DatasetSize.TINY)
            .start();
    small = sim.integrations().get(0).id();
    tiny = sim.integrations().get(1).id();
    disabled = sim.integrations().get(2).id();
    sim.setStatus(disabled, "disabled");
    // Pages of 1,000 and batches of 500, so paging and several write batches per type are
    // exercised; no retries,
    // so the injected fault fails the fetch at once.
    plain =
        new PlainSync(
                EdlinkConfig.of(sim.baseUrl(), SecretRef.plain(sim.appSecret()))
                    .withPageSize(1000)
                    .withRetries(1, 1)
                    .newClient((attempt, reason) -> {}),
                pg.config(),
                500,
                EntityType.values().length)
            // New rows by COPY, as the pipeline writes them (the benchmark's recipe upserts them;
            // updates here still go by upsert).
            .copyingNewRows(true);
  }

  @AfterAll
  static void stop() throws Exception {
    if (plain != null) {
      plain.close();
    }
    if (sim != null) {
      sim.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  private static SourceComparison.Diff diff(String id) throws Exception {
    return SourceComparison.total(SourceComparison.compare(pg.config(), id, sim));
  }

  @Test
  @Order(1)
  void firstSyncEqualsTheSource() throws Exception {
    PlainSync.Totals t = plain.syncAll();
    SourceComparison.Diff s = diff(small);
    SourceComparison.Diff i = diff(tiny);
    assertThat(s.toString(), s.equal(), is(true));
    assertThat(i.toString(), i.equal(), is(true));
    assertThat(t.integrations(), is(2));
    assertThat(t.failed(), is(0));
    assertThat(t.created(), equalTo(s.source() + i.source()));
    assertThat(t.updated() + t.deleted(), is(0L));
    assertThat(db.liveRows(disabled), is(0L));
  }

  @Test
  @Order(2)
  void resyncWritesNothing() throws Exception {
    long xid = db.nextXid();
    PlainSync.Totals t = plain.syncAll();
    assertThat(t.written(), is(0L));
    assertThat(t.fetched(), greaterThan(0L));
    assertThat(db.rowVersionsSince(small, xid) + db.rowVersionsSince(tiny, xid), is(0L));
  }

  @Test
  @Order(3)
  void churnWritesExactlyTheChangedRows() throws Exception {
    sim.applyDay(small, 0.05);
    SourceComparison.Diff before = diff(small);
    assertThat(before.stale(), greaterThan(0L));
    assertThat(before.extra(), greaterThan(0L));
    assertThat(before.missing(), greaterThan(0L));
    long xid = db.nextXid();
    PlainSync.Totals t = plain.syncAll();
    assertThat(t.created(), is(before.missing()));
    assertThat(t.updated(), is(before.stale()));
    assertThat(t.deleted(), is(before.extra()));
    assertThat(db.rowVersionsSince(small, xid), is(before.missing() + before.stale()));
    assertThat(db.rowVersionsSince(tiny, xid), is(0L));
    SourceComparison.Diff after = diff(small);
    assertThat(after.toString(), after.equal(), is(true));
  }

  @Test
  @Order(4)
  void aFailedFetchRollsTheWholeIntegrationBack() throws Exception {
    sim.applyDay(small, 0.05);
    SourceComparison.Diff before = diff(small);
    assertThat(before.equal(), is(false));
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(small)
                .endpoint("enrollments")
                .kind(FaultKind.SERVER_ERROR_500)
                .build());
    long xid = db.nextXid();
    long live = db.liveRows(small);
    try {
      PlainSync.Totals t = plain.syncAll();
      assertThat(t.failed(), is(1));
    } finally {
      sim.faults().clear();
    }
    // Nothing of the failed integration was written, not even the types that were fetched fine.
    assertThat(db.rowVersionsSince(small, xid), is(0L));
    assertThat(db.liveRows(small), is(live));
    assertThat(diff(small), equalTo(before));
    PlainSync.Totals t = plain.syncAll();
    assertThat(t.failed(), is(0));
    assertThat(diff(small).equal(), is(true));
  }
}
