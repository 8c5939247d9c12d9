package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;

/**
 * The pieces of a spilled type: the paging restriction checkpoints only after a claimed stretch
 * (never throwing a stretch away) and refuses runner splits; a shard is handed to the join once
 * every piece its end marker counts has come, in any order; an abort drops the pieces; an id served
 * twice with different content makes a failed shard, which fails its group.
 */
class SpilledShardsTest {
  private static final SyncJob JOB = CoderGoldenBytesTest.JOB;
  private static final FetchSummary FETCH = CoderGoldenBytesTest.FETCH;

  private static Pipeline directPipeline() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    return Pipeline.create(options);
  }

  private static PagingPosition at(String cursor, int[] pieces) {
    return new PagingPosition(cursor, 10, 1, 0, 0, 1_000L, pieces, Sharding.CURRENT);
  }

  @Test
  void theTrackerCheckpointsOnlyAfterAClaimedStretch() {
    PagingTracker tracker = new PagingTracker(at("https://ed.link/p2", new int[] {1, 1}));
    assertThat("no split before the stretch is claimed", tracker.trySplit(0), nullValue());
    PagingPosition reached = at("https://ed.link/p3", new int[] {2, 1});
    assertThat(tracker.tryClaim(reached), is(true));
    assertThat("runner-initiated splits are refused", tracker.trySplit(0.5), nullValue());
    SplitResult<PagingPosition> checkpoint = tracker.trySplit(0);
    assertThat("the rest resumes where the stretch ended", checkpoint.getResidual(), is(reached));
    assertThat(checkpoint.getPrimary().finished(), is(true));
    assertThat("one claim per call", tracker.tryClaim(reached), is(false));
    tracker.checkDone();
  }

  @Test
  void theTrackerRefusesToEndWithoutAClaimOrACheckpoint() {
    PagingTracker unclaimed = new PagingTracker(at("https://ed.link/p2", new int[] {1}));
    assertThrows(IllegalStateException.class, unclaimed::checkDone);
    PagingTracker stopped = new PagingTracker(at("https://ed.link/p2", new int[] {1}));
    stopped.tryClaim(at("https://ed.link/p3", new int[] {2}));
    assertThrows(IllegalStateException.class, stopped::checkDone);
    PagingTracker ended = new PagingTracker(at("https://ed.link/p2", new int[] {1}));
    ended.tryClaim(at(null, new int[] {2}));
    assertThat("nothing left after the last page", ended.trySplit(0), nullValue());
    ended.checkDone();
  }

  private static IdRows rows(long... idsAndHashes) {
    IdRows r = new IdRows(4);
    for (int i = 0; i < idsAndHashes.length; i += 2) {
      r.add(
          0L,
          idsAndHashes[i],
          new byte[] {(byte) idsAndHashes[i + 1]},
          ("{\"v\":" + idsAndHashes[i + 1] + "}").getBytes(StandardCharsets.UTF_8));
    }
    return r;
  }

  private static ShardKey key(int shard) {
    return new ShardKey(JOB.runId(), JOB.integrationId(), EntityType.ENROLLMENTS, shard, 4);
  }

  /** The assembler's input key: the run left out. */
  private static ShardKey piece(int shard) {
    return key(shard).withoutRun();
  }

  private static SyncJob olderRun() {
    return new SyncJob(
        "run-0",
        JOB.integrationId(),
        JOB.entityTypes(),
        JOB.mode(),
        "req-0",
        false,
        JOB.startedAtMillis() - 60_000);
  }

  @Test
  void aShardIsAssembledOnceEveryPieceHasComeAndAnAbortDropsThem() {
    Pipeline p = directPipeline();
    List<KV<ShardKey, SpilledPart>> parts = new ArrayList<>();
    // Shard 0: the end marker first, then two pieces (one with an identical duplicate).
    parts.add(KV.of(piece(0), SpilledPart.end(JOB, 2, FETCH)));
    parts.add(KV.of(piece(0), SpilledPart.records(JOB, rows(5, 1, 3, 1))));
    parts.add(KV.of(piece(0), SpilledPart.records(JOB, rows(4, 1, 3, 1))));
    // Shard 1: no pieces at all.
    parts.add(KV.of(piece(1), SpilledPart.end(JOB, 0, FETCH)));
    // Shard 2: aborted after one piece.
    parts.add(KV.of(piece(2), SpilledPart.records(JOB, rows(9, 1))));
    parts.add(KV.of(piece(2), SpilledPart.end(JOB, 1, null)));
    // Shard 3: one id with two contents in two pieces.
    parts.add(KV.of(piece(3), SpilledPart.records(JOB, rows(7, 1))));
    parts.add(KV.of(piece(3), SpilledPart.records(JOB, rows(7, 2))));
    parts.add(KV.of(piece(3), SpilledPart.end(JOB, 2, FETCH)));
    PCollection<KV<ShardKey, RemoteShard>> shards =
        p.apply(Create.of(parts).withCoder(KvCoder.of(ShardKey.Coder.of(), SpilledPart.Coder.of())))
            .apply(ParDo.of(new AssembleSpilledShardFn()))
            .setCoder(KvCoder.of(ShardKey.Coder.of(), RemoteShard.Coder.of()));
    PAssert.that(shards)
        .satisfies(
            all -> {
              List<String> seen = new ArrayList<>();
              for (KV<ShardKey, RemoteShard> kv : all) {
                RemoteShard s = kv.getValue();
                StringBuilder ids = new StringBuilder();
                for (int i = 0; i < s.size(); i++) {
                  ids.append(s.lsb(i)).append(' ');
                }
                assertThat("the full key again", kv.getKey().runId(), equalTo(JOB.runId()));
                seen.add(kv.getKey().shard() + ":" + ids.toString().trim() + ":" + s.failure());
                assertThat(s.fetch(), equalTo(FETCH));
              }
              java.util.Collections.sort(seen);
              assertThat(seen.size(), is(3));
              assertThat("sorted, the duplicate dropped", seen.get(0), equalTo("0:3 4 5:null"));
              assertThat("an empty shard still reaches the join", seen.get(1), equalTo("1::null"));
              assertThat(seen.get(2), containsString("3::id "));
              assertThat(seen.get(2), containsString("served twice with different content"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void anAbandonedRunsPiecesAreDroppedAndANewerRunReplacesThem() {
    Pipeline p = directPipeline();
    SyncJob older = olderRun();
    TestStream<KV<ShardKey, SpilledPart>> stream =
        TestStream.create(KvCoder.of(ShardKey.Coder.of(), SpilledPart.Coder.of()))
            // Shard 0: an abandoned run left a piece; the newer run's pieces replace it.
            .addElements(KV.of(piece(0), SpilledPart.records(older, rows(1, 1))))
            .addElements(KV.of(piece(0), SpilledPart.records(JOB, rows(2, 1))))
            .addElements(KV.of(piece(0), SpilledPart.end(older, 1, FETCH)))
            .addElements(KV.of(piece(0), SpilledPart.end(JOB, 1, FETCH)))
            .advanceWatermarkToInfinity();
    PCollection<KV<ShardKey, RemoteShard>> shards =
        p.apply(stream)
            .apply(ParDo.of(new AssembleSpilledShardFn()))
            .setCoder(KvCoder.of(ShardKey.Coder.of(), RemoteShard.Coder.of()));
    PAssert.that(shards)
        .satisfies(
            all -> {
              List<KV<ShardKey, RemoteShard>> out = new ArrayList<>();
              all.forEach(out::add);
              assertThat("only the newer run's shard", out.size(), is(1));
              assertThat(out.get(0).getKey().runId(), equalTo(JOB.runId()));
              assertThat(out.get(0).getValue().size(), is(1));
              assertThat(out.get(0).getValue().lsb(0), is(2L));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aFailedRemoteShardFailsItsGroupWithoutCreatesUpdatesOrDeletes() {
    Pipeline p = directPipeline();
    ShardKey key = key(3);
    TupleTag<KV<ShardKey, RemoteShard>> remoteTag = new TupleTag<>("remote");
    TupleTag<KV<ShardKey, StoredShard>> storedTag = new TupleTag<>("stored");
    StoredShard stored = new StoredShard(1, new long[] {0L}, new long[] {8L}, new byte[][] {{1}});
    PCollection<KV<ShardKey, KV<ShardKey, RemoteShard>>> remote =
        p.apply(
            "Remote",
            Create.of(KV.of(key, KV.of(key, RemoteShard.failed(JOB, FETCH, "id x served twice"))))
                .withCoder(
                    KvCoder.of(
                        ShardKey.Coder.of(),
                        KvCoder.of(ShardKey.Coder.of(), RemoteShard.Coder.of()))));
    PCollection<KV<ShardKey, KV<ShardKey, StoredShard>>> storedSide =
        p.apply(
            "Stored",
            Create.of(KV.of(key, KV.of(key, stored)))
                .withCoder(
                    KvCoder.of(
                        ShardKey.Coder.of(),
                        KvCoder.of(ShardKey.Coder.of(), StoredShard.Coder.of()))));
    PCollectionTuple classified =
        KeyedPCollectionTuple.of(remoteTag, remote)
            .and(storedTag, storedSide)
            .apply(CoGroupByKey.create())
            .apply(ClassifyChanges.of(remoteTag, storedTag));
    PAssert.that(classified.get(ClassifyChanges.CREATES)).empty();
    PAssert.that(classified.get(ClassifyChanges.UPDATES)).empty();
    PAssert.that(classified.get(ClassifyChanges.DELETES))
        .satisfies(
            all -> {
              List<ShardChanges> groups = new ArrayList<>();
              all.forEach(groups::add);
              assertThat(groups.size(), is(1));
              assertThat(groups.get(0).error(), containsString("served twice"));
              assertThat(
                  "the stored row is not taken for a delete", groups.get(0).deletes(), is(0));
              return null;
            });
    p.run().waitUntilFinish();
  }
}
