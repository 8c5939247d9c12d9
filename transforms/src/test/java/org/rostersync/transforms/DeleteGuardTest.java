package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;

/**
 * The delete guard's decision, and GuardDeletesFn's wait for every shard, with the database in
 * memory.
 */
class DeleteGuardTest {
  private static final String INTEGRATION = UUID.randomUUID().toString();
  private static final EntityType TYPE = EntityType.PEOPLE;
  private static final FetchSummary FETCH = new FetchSummary(1_000, 10, 1, 2_000, 0);

  /**
   * Settings and deletes in memory. Serialized into the DoFn, so what it records lives in a static
   * map under the instance's name.
   */
  static final class FakeDeleteStore implements WriteChanges.DeleteStore {
    private static final long serialVersionUID = 1L;
    static final Map<String, List<String>> LOG = new ConcurrentHashMap<>();
    private final String name;
    private final DeletePolicy override;
    private final boolean failDeletes;

    FakeDeleteStore(String name, DeletePolicy override, boolean failDeletes) {
      this.name = name;
      this.override = override;
      this.failDeletes = failDeletes;
      LOG.put(name, Collections.synchronizedList(new ArrayList<>()));
    }

    List<String> log() {
      return LOG.get(name);
    }

    @Override
    public DeletePolicy policyFor(String integrationId, DeletePolicy defaults) {
      log().add("policy " + integrationId);
      return override == null ? defaults : override;
    }

    @Override
    public long applyDeletes(SyncJob job, EntityType type, List<ShardChanges> all)
        throws SQLException {
      if (failDeletes) {
        throw new SQLException("canceling statement due to statement timeout", "57014");
      }
      long n = 0;
      for (ShardChanges s : all) {
        for (int i = 0; i < s.deletes(); i++) {
          log().add("delete " + new UUID(s.deleteMsb(i), s.deleteLsb(i)));
          n++;
        }
      }
      return n;
    }
  }

  private static SyncJob job(String run, boolean approve, long startedAt) {
    return new SyncJob(
        run, INTEGRATION, List.of(TYPE), SyncJob.Mode.AUTO, null, approve, startedAt);
  }

  /** Delete ids are (shard, i) so the order of the held sample can be checked. */
  static UUID deleteId(int shard, int i) {
    return new UUID(shard, i);
  }

  /** One shard's diff and the receipts of its batches. */
  record Case(ShardChanges shard, List<BatchWritten> receipts) {}

  /**
   * A shard that sent its creates and its updates in one batch each; {@code error} is the failure
   * of its creates' batch, after {@code created} rows were written.
   */
  static Case shard(
      SyncJob job,
      int shard,
      int shards,
      int stored,
      int created,
      int updated,
      int unchanged,
      int deletes,
      String error) {
    long[] msb = new long[deletes];
    long[] lsb = new long[deletes];
    for (int i = 0; i < deletes; i++) {
      msb[i] = deleteId(shard, i).getMostSignificantBits();
      lsb[i] = deleteId(shard, i).getLeastSignificantBits();
    }
    ShardKey key = new ShardKey(job.runId(), INTEGRATION, TYPE, shard, shards);
    List<BatchWritten> receipts = new ArrayList<>();
    if (created > 0 || error != null) {
      receipts.add(new BatchWritten(job, key, true, created, error));
    }
    if (updated > 0) {
      receipts.add(new BatchWritten(job, key, false, updated, null));
    }
    ShardChanges changes =
        new ShardChanges(
            job,
            key,
            FETCH,
            stored,
            created,
            updated,
            unchanged,
            receipts.size(),
            deletes,
            msb,
            lsb,
            null);
    return new Case(changes, receipts);
  }

  private static TypeOutcome decide(SyncJob job, List<Case> cases, FakeDeleteStore store) {
    List<ShardChanges> shards = new ArrayList<>();
    List<BatchWritten> receipts = new ArrayList<>();
    for (Case c : cases) {
      shards.add(c.shard());
      receipts.addAll(c.receipts());
    }
    return WriteChanges.GuardDeletesFn.decide(
        job, TYPE, shards, receipts, DeletePolicy.defaults(), store);
  }

  @Test
  void aShardErrorFailsTheTypeWithNoDeletesAndKeepsTheRowsWritten() {
    SyncJob job = job("run-1", true, 1);
    FakeDeleteStore store = new FakeDeleteStore("error", null, false);
    String error = "writing people#1/2 failed: SQLState 53300: too many connections";
    TypeOutcome o =
        decide(
            job,
            List.of(
                shard(job, 0, 2, 100, 5, 3, 90, 2, null),
                // Wrote 4 creates and 1 update before failing: counts are rows actually written.
                shard(job, 1, 2, 100, 4, 1, 80, 7, error)),
            store);
    assertThat(o.status(), is(TypeOutcome.Status.FAILED));
    assertThat(o.error(), equalTo("1 write(s) failed, no deletes applied: " + error));
    assertThat(o.deleted(), is(0L));
    assertThat(o.heldDeletes(), is(0L));
    assertThat(o.heldSample(), empty());
    assertThat(o.stored(), is(200L));
    assertThat(o.created(), is(9L));
    assertThat(o.updated(), is(4L));
    assertThat(o.unchanged(), is(170L));
    assertThat("neither the settings nor the deletes are touched", store.log(), empty());
  }

  @Test
  void aWaveAboveTheFractionIsHeldWithASampleOfTwenty() {
    SyncJob job = job("run-1", false, 1);
    FakeDeleteStore store = new FakeDeleteStore("held", null, false);
    // 30 of 200 stored rows = 15% > 10%.
    TypeOutcome o =
        decide(
            job,
            List.of(
                shard(job, 0, 2, 100, 1, 2, 70, 15, null),
                shard(job, 1, 2, 100, 0, 0, 85, 15, null)),
            store);
    assertThat(o.status(), is(TypeOutcome.Status.HELD));
    assertThat(o.heldDeletes(), is(30L));
    assertThat(o.deleted(), is(0L));
    assertThat(o.heldSample(), hasSize(20));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      expected.add(deleteId(0, i).toString());
    }
    for (int i = 0; i < 5; i++) {
      expected.add(deleteId(1, i).toString());
    }
    assertThat(o.heldSample(), equalTo(expected));
    assertThat(
        o.error(), equalTo("held 30 deletes of 200 stored rows (over 10%); approve to apply"));
    assertThat(o.created(), is(1L));
    assertThat(o.updated(), is(2L));
    assertThat(store.log(), equalTo(List.of("policy " + INTEGRATION)));
  }

  @Test
  void aSmallHeldWaveSamplesEveryId() {
    SyncJob job = job("run-1", false, 1);
    TypeOutcome o =
        decide(
            job,
            List.of(shard(job, 0, 1, 100, 0, 0, 80, 20, null)),
            new FakeDeleteStore("held-small", null, false));
    assertThat(o.status(), is(TypeOutcome.Status.HELD));
    assertThat(o.heldSample(), hasSize(20));
    TypeOutcome few =
        decide(
            job,
            List.of(shard(job, 0, 1, 100, 0, 0, 80, 11, null)),
            new FakeDeleteStore("held-few", null, false));
    assertThat(few.heldSample(), hasSize(11));
  }

  @Test
  void anApprovedWaveIsApplied() {
    SyncJob job = job("run-1", true, 1);
    FakeDeleteStore store = new FakeDeleteStore("approved", null, false);
    TypeOutcome o =
        decide(
            job,
            List.of(
                shard(job, 0, 2, 100, 0, 0, 70, 15, null),
                shard(job, 1, 2, 100, 0, 0, 85, 15, null)),
            store);
    assertThat(o.status(), is(TypeOutcome.Status.OK));
    assertThat(o.deleted(), is(30L));
    assertThat(o.heldDeletes(), is(0L));
    assertThat(o.error(), nullValue());
    assertThat(store.log().stream().filter(l -> l.startsWith("delete ")).count(), is(30L));
  }

  @Test
  void aWaveWithinTheFractionIsApplied() {
    SyncJob job = job("run-1", false, 1);
    FakeDeleteStore store = new FakeDeleteStore("within", null, false);
    TypeOutcome o = decide(job, List.of(shard(job, 0, 1, 100, 0, 0, 90, 10, null)), store);
    assertThat(o.status(), is(TypeOutcome.Status.OK));
    assertThat(o.deleted(), is(10L));
  }

  @Test
  void aTypeBelowGuardMinRowsIsNotGuarded() {
    SyncJob job = job("run-1", false, 1);
    FakeDeleteStore store = new FakeDeleteStore("small", null, false);
    // 40 of 49 stored rows: far above 10%, but 49 < 50 rows are not guarded.
    TypeOutcome o = decide(job, List.of(shard(job, 0, 1, 49, 0, 0, 9, 40, null)), store);
    assertThat(o.status(), is(TypeOutcome.Status.OK));
    assertThat(o.deleted(), is(40L));
  }

  @Test
  void aFirstSyncWritesWithoutAskingForSettings() {
    SyncJob job = job("run-1", false, 1);
    FakeDeleteStore store = new FakeDeleteStore("first", null, false);
    TypeOutcome o =
        decide(
            job,
            List.of(
                shard(job, 0, 2, 0, 600, 0, 0, 0, null), shard(job, 1, 2, 0, 400, 0, 0, 0, null)),
            store);
    assertThat(o.status(), is(TypeOutcome.Status.OK));
    assertThat(o.stored(), is(0L));
    assertThat(o.created(), is(1_000L));
    assertThat(o.deleted(), is(0L));
    assertThat(o.fetch(), equalTo(FETCH));
    assertThat("no deletes: no settings read, no delete statement", store.log(), empty());
  }

  @Test
  void theIntegrationsOwnSettingsOverrideTheDefaults() {
    SyncJob job = job("run-1", false, 1);
    // 5 of 100 is within the default 10%, but this integration allows 1%.
    FakeDeleteStore strict =
        new FakeDeleteStore("strict", new DeletePolicy(DeletePolicy.Mode.HARD, 0.01, 10), false);
    TypeOutcome o = decide(job, List.of(shard(job, 0, 1, 100, 0, 0, 95, 5, null)), strict);
    assertThat(o.status(), is(TypeOutcome.Status.HELD));
    assertThat(o.error(), containsString("(over 1%)"));
  }

  @Test
  void aFailedDeleteFailsTheTypeAndKeepsItsCounts() {
    SyncJob job = job("run-1", true, 1);
    TypeOutcome o =
        decide(
            job,
            List.of(shard(job, 0, 1, 100, 2, 3, 80, 15, null)),
            new FakeDeleteStore("delete-fails", null, true));
    assertThat(o.status(), is(TypeOutcome.Status.FAILED));
    assertThat(
        o.error(),
        equalTo("deleting failed: SQLState 57014: canceling statement due to statement timeout"));
    assertThat(o.deleted(), is(0L));
    assertThat(o.created(), is(2L));
    assertThat(o.updated(), is(3L));
  }

  private static Pipeline pipeline() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    options.as(StreamingOptions.class).setStreaming(true);
    return Pipeline.create(options);
  }

  /** The shard's own element and its receipts, as the guard receives them. */
  private static List<KV<String, TypeProgress>> progress(Case c, boolean receiptsFirst) {
    List<KV<String, TypeProgress>> out = new ArrayList<>();
    for (BatchWritten w : c.receipts()) {
      out.add(KV.of(w.key().typeKey(), TypeProgress.of(w)));
    }
    out.add(
        receiptsFirst ? out.size() : 0,
        KV.of(c.shard().key().typeKey(), TypeProgress.of(c.shard())));
    return out;
  }

  @SafeVarargs
  private static TestStream.Builder<KV<String, TypeProgress>> add(
      TestStream.Builder<KV<String, TypeProgress>> stream,
      List<KV<String, TypeProgress>>... parts) {
    List<KV<String, TypeProgress>> all = new ArrayList<>();
    for (List<KV<String, TypeProgress>> part : parts) {
      all.addAll(part);
    }
    for (KV<String, TypeProgress> e : all) {
      stream = stream.addElements(e).advanceProcessingTime(Duration.standardSeconds(1));
    }
    return stream;
  }

  /**
   * Shards and receipts arrive one by one, in any order (a shard of an older, abandoned run among
   * them, and one receipt after every shard is in): one event, once the last receipt of the current
   * run is in, with the counts of its three shards only.
   */
  @Test
  void theGuardWaitsForEveryShardAndEveryWrittenBatchOfTheCurrentRun() {
    SyncJob current = job("run-current", true, 2_000);
    SyncJob older = job("run-older", true, 1_000);
    FakeDeleteStore store = new FakeDeleteStore("stream", null, false);
    Case first = shard(current, 0, 3, 100, 1, 0, 98, 1, null);
    Case second = shard(current, 1, 3, 100, 0, 2, 97, 1, null);
    List<KV<String, TypeProgress>> firstParts = progress(first, false);
    Pipeline p = pipeline();
    PCollection<KV<String, RunEvent>> events =
        p.apply(
                add(
                        TestStream.create(
                            KvCoder.of(StringUtf8Coder.of(), TypeProgress.Coder.of())),
                        firstParts.subList(0, 1),
                        progress(shard(older, 1, 2, 999, 999, 999, 999, 0, null), false),
                        progress(second, true),
                        progress(shard(current, 2, 3, 100, 0, 0, 99, 1, null), false),
                        firstParts.subList(1, 2))
                    .advanceWatermarkToInfinity())
            .apply(ParDo.of(new WriteChanges.GuardDeletesFn(store, DeletePolicy.defaults())))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), RunEvent.Coder.of()));
    PAssert.that(events)
        .satisfies(
            all -> {
              List<KV<String, RunEvent>> list = new ArrayList<>();
              all.forEach(list::add);
              assertThat("one event per type: " + list, list, hasSize(1));
              KV<String, RunEvent> e = list.get(0);
              assertThat(e.getKey(), equalTo(current.runKey()));
              assertThat(e.getValue().job().runId(), equalTo("run-current"));
              TypeOutcome o = e.getValue().typeOutcome();
              assertThat(o.status(), is(TypeOutcome.Status.OK));
              assertThat(o.stored(), is(300L));
              assertThat(o.created(), is(1L));
              assertThat(o.updated(), is(2L));
              assertThat(o.unchanged(), is(294L));
              assertThat(o.deleted(), is(3L));
              return null;
            });
    p.run().waitUntilFinish();
    assertThat(store.log().stream().filter(l -> l.startsWith("delete ")).count(), is(3L));
  }
}
