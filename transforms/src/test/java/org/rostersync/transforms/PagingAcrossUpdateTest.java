package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rostersync.edlink.EntityType;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.RosterType;

/**
 * A spilled type's paging that an earlier build started (its position decoded as v1: shards by MD5)
 * goes on by that build's scheme after an update, through to its assembled shards and the signal
 * that reads its stored hashes; a paging this build starts shards by id range. Were the rest of an
 * old paging sharded by range, a record would sit in another group than its stored row, and that
 * row would look deleted.
 */
class PagingAcrossUpdateTest {
  private static final int SHARDS = 4;

  @RegisterExtension
  static final SimulatorPerClass SIM =
      new SimulatorPerClass(31L, "paging-update-secret", DatasetSize.SMALL);

  private static SyncJob job(String run) {
    return new SyncJob(
        run,
        SIM.integration().id(),
        List.of(EntityType.PEOPLE),
        SyncJob.Mode.FULL,
        "req",
        false,
        1L);
  }

  private static KV<TypeTask, PagingPosition> paging(String run, Sharding.Scheme scheme) {
    String firstPage = SIM.get().baseUrl() + "/api/v2/graph/people?$first=50";
    return KV.of(
        new TypeTask(job(run), EntityType.PEOPLE),
        new PagingPosition(firstPage, 0, 0, 0, 0, 1_000L, new int[SHARDS], scheme));
  }

  @Test
  void aPagingGoesOnByTheSchemeItStartedWith() {
    long people = SIM.get().count(SIM.integration().id(), RosterType.PEOPLE);
    assertThat(people, greaterThan(100L));
    Map<String, Sharding.Scheme> runs =
        Map.of("run-old", Sharding.Scheme.MD5_OF_TEXT, "run-new", Sharding.Scheme.ID_RANGE);
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    Pipeline p = Pipeline.create(options);
    EdlinkConfig edlink =
        EdlinkConfig.of(SIM.get().baseUrl(), SecretRef.plain(SIM.get().appSecret()))
            .withPageSize(50);
    PCollectionTuple fetched =
        p.apply(
                Create.of(
                        paging("run-old", Sharding.Scheme.MD5_OF_TEXT),
                        paging("run-new", Sharding.Scheme.ID_RANGE))
                    .withCoder(KvCoder.of(TypeTask.Coder.of(), PagingPosition.Coder.of())))
            .apply(
                ParDo.of(new FetchRemainingPagesFn(edlink, 8_000))
                    .withOutputTags(
                        FetchEntities.SPILLED,
                        TupleTagList.of(FetchEntities.COMPLETE)
                            .and(FetchEntities.FAILED)
                            .and(FetchEntities.REJECTED)));
    fetched
        .get(FetchEntities.SPILLED)
        .setCoder(KvCoder.of(ShardKey.Coder.of(), SpilledPart.Coder.of()));
    fetched.get(FetchEntities.COMPLETE).setCoder(TypeFetched.Coder.of());
    fetched
        .get(FetchEntities.FAILED)
        .setCoder(KvCoder.of(StringUtf8Coder.of(), RunEvent.Coder.of()));
    fetched.get(FetchEntities.REJECTED).setCoder(RejectedRecord.Coder.of());
    PCollection<KV<ShardKey, RemoteShard>> assembled =
        fetched
            .get(FetchEntities.SPILLED)
            .apply(ParDo.of(new AssembleSpilledShardFn()))
            .setCoder(KvCoder.of(ShardKey.Coder.of(), RemoteShard.Coder.of()));

    PAssert.that(assembled)
        .satisfies(
            shards -> {
              Map<String, Long> records = new HashMap<>();
              Map<String, Integer> groups = new HashMap<>();
              for (KV<ShardKey, RemoteShard> kv : shards) {
                ShardKey key = kv.getKey();
                Sharding.Scheme scheme = runs.get(key.runId());
                assertThat(key + " keeps its paging's scheme", key.scheme(), is(scheme));
                assertThat(key.shardCount(), is(SHARDS));
                RemoteShard shard = kv.getValue();
                for (int i = 0; i < shard.size(); i++) {
                  assertThat(
                      new UUID(shard.msb(i), shard.lsb(i)) + " in its " + scheme + " shard",
                      scheme.shardOf(shard.msb(i), shard.lsb(i), SHARDS),
                      is(key.shard()));
                }
                records.merge(key.runId(), (long) shard.size(), Long::sum);
                groups.merge(key.runId(), 1, Integer::sum);
              }
              for (String run : runs.keySet()) {
                assertThat(run + ": every record, once", records.get(run), is(people));
                assertThat(run + ": every shard", groups.get(run), is(SHARDS));
              }
              return null;
            });
    PAssert.that(fetched.get(FetchEntities.COMPLETE))
        .satisfies(
            done -> {
              int n = 0;
              for (TypeFetched t : done) {
                assertThat(
                    "the stored hashes are read by the paging's scheme",
                    t.scheme(),
                    is(runs.get(t.runId())));
                assertThat(t.shardCount(), is(SHARDS));
                n++;
              }
              assertThat(n, is(2));
              return null;
            });
    PAssert.that(fetched.get(FetchEntities.FAILED)).empty();
    p.run().waitUntilFinish();
  }
}
