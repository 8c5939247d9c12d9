package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rostersync.edlink.EntityType;
import org.rostersync.hash.CanonicalHash;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.RosterType;

/**
 * The fetch hands its shards on with their JSON as fetched (so its fetch-complete signal, and the
 * stored-hash read behind it, need not wait for the deflating), and {@code PackRemoteShards}
 * deflates them before they wait for the join: the same records, sorted and deduplicated as before.
 */
class PackRemoteShardsTest {
  private static final SyncJob JOB = CoderGoldenBytesTest.JOB;
  private static final FetchSummary FETCH = CoderGoldenBytesTest.FETCH;

  @RegisterExtension
  static final SimulatorPerClass SIM =
      new SimulatorPerClass(23L, "pack-shards-secret", DatasetSize.TINY);

  private static Pipeline directPipeline() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    return Pipeline.create(options);
  }

  /** 300 records, every tenth served twice, every 37th rejected (no JSON). */
  private static RemoteShard fetched() {
    RemoteShard all = new RemoteShard(JOB, null, 16);
    for (int i = 0; i < 300; i++) {
      UUID id = UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8), 7});
      byte[] json =
          i % 37 == 5
              ? null
              : ("{\"id\":\"" + id + "\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
      byte[] hash = json == null ? new byte[0] : CanonicalHash.sha256(json);
      all.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), hash, json);
      if (i % 10 == 0) {
        all.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), hash, json);
      }
    }
    return all;
  }

  private static void assertSameRecords(RemoteShard actual, RemoteShard expected) {
    assertThat(actual.size(), is(expected.size()));
    IdRows.JsonReader a = actual.jsonReader();
    IdRows.JsonReader e = expected.jsonReader();
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.msb(i), is(expected.msb(i)));
      assertThat(actual.lsb(i), is(expected.lsb(i)));
      assertThat(actual.hash(i), equalTo(expected.hash(i)));
      assertThat(a.json(i), equalTo(e.json(i)));
    }
  }

  /**
   * Each record as text (id, hash, JSON), to compare shards across the pipeline's serialization.
   */
  static ArrayList<String> describe(RemoteShard shard) {
    ArrayList<String> out = new ArrayList<>();
    IdRows.JsonReader json = shard.jsonReader();
    for (int i = 0; i < shard.size(); i++) {
      byte[] j = json.json(i);
      out.add(
          new UUID(shard.msb(i), shard.lsb(i))
              + " "
              + HexFormat.of().formatHex(shard.hash(i))
              + " "
              + (j == null ? "-" : new String(j, StandardCharsets.UTF_8)));
    }
    return out;
  }

  @Test
  void rawShardsShareTheFetchedJsonAndPackIntoWhatTheFetchUsedToEmit() throws Exception {
    RemoteShard all = fetched();
    Map<UUID, byte[]> fetchedJson = new HashMap<>();
    for (int i = 0; i < all.size(); i++) {
      fetchedJson.put(new UUID(all.msb(i), all.lsb(i)), all.json(i));
    }
    RemoteShard[] raw =
        FetchEntities.FetchEntitiesFn.shardsOf(all, JOB, FETCH, 3, Sharding.CURRENT);
    RemoteShard[] packed = FetchEntities.FetchEntitiesFn.distribute(all, JOB, FETCH, 3);
    List<KV<ShardKey, RemoteShard>> input = new ArrayList<>();
    int total = 0;
    for (int s = 0; s < raw.length; s++) {
      assertThat("not deflated yet", raw[s].rows().isPacked(), is(false));
      assertThat("deflated", packed[s].rows().isPacked(), is(true));
      assertSameRecords(raw[s], packed[s]);
      for (int i = 0; i < raw[s].size(); i++) {
        byte[] own = fetchedJson.get(new UUID(raw[s].msb(i), raw[s].lsb(i)));
        if (own != null) {
          assertThat("the fetch's own array, not a copy", raw[s].json(i), sameInstance(own));
        }
      }
      assertThat("packing a packed shard is a no-op", packed[s].packed(), sameInstance(packed[s]));
      total += raw[s].size();
      input.add(
          KV.of(new ShardKey(JOB.runId(), JOB.integrationId(), EntityType.PEOPLE, s, 3), raw[s]));
    }
    assertThat("each id once", total, is(300));
    HashMap<Integer, ArrayList<String>> expected = new HashMap<>();
    for (int s = 0; s < packed.length; s++) {
      expected.put(s, describe(packed[s]));
    }

    Pipeline p = directPipeline();
    PCollection<KV<ShardKey, RemoteShard>> out =
        p.apply(Create.of(input).withCoder(KvCoder.of(ShardKey.Coder.of(), RemoteShard.Coder.of())))
            .apply(ParDo.of(new FetchEntities.PackRemoteShardFn()));
    PAssert.that(out)
        .satisfies(
            shards -> {
              int seen = 0;
              for (KV<ShardKey, RemoteShard> kv : shards) {
                assertThat(kv.getValue().rows().isPacked(), is(true));
                assertThat(describe(kv.getValue()), equalTo(expected.get(kv.getKey().shard())));
                seen++;
              }
              assertThat(seen, is(3));
              return null;
            });
    p.run().waitUntilFinish();
  }

  /**
   * Fetches the people of the simulator's integration with {@code configure} applied; checks the
   * shards.
   */
  private static void fetchPeopleAndCheck(UnaryOperator<FetchEntities> configure) {
    long people = SIM.get().count(SIM.integration().id(), RosterType.PEOPLE);
    assertThat(people, greaterThan(0L));
    Pipeline p = directPipeline();
    SyncJob job =
        new SyncJob(
            UUID.randomUUID().toString(),
            SIM.integration().id(),
            List.of(EntityType.PEOPLE),
            SyncJob.Mode.FULL,
            "req",
            false,
            1_000L);
    PCollectionTuple out =
        p.apply(Create.of(new TypeTask(job, EntityType.PEOPLE)).withCoder(TypeTask.Coder.of()))
            .apply(
                configure.apply(
                    FetchEntities.from(
                            EdlinkConfig.of(
                                    SIM.get().baseUrl(), SecretRef.plain(SIM.get().appSecret()))
                                .withPageSize(7))
                        .withSharding(5, 512)));
    PAssert.that(out.get(FetchEntities.REMOTE))
        .satisfies(
            shards -> {
              long records = 0;
              int count = 0;
              for (KV<ShardKey, RemoteShard> kv : shards) {
                assertThat("deflated before the join", kv.getValue().rows().isPacked(), is(true));
                records += kv.getValue().size();
                count++;
              }
              assertThat("every record, once", records, is(people));
              assertThat("several shards", count, greaterThan(1));
              return null;
            });
    PAssert.that(out.get(FetchEntities.FAILED)).empty();
    p.run().waitUntilFinish();
  }

  @Test
  void aLargeTypesShardsAreDeflatedByTheStepAfterTheFetch() {
    // Every type counts as large: the fetch emits raw shards, PackRemoteShards deflates them.
    fetchPeopleAndCheck(f -> f.withPackHereBelow(0));
  }

  @Test
  void aSmallTypeArrivesDeflatedWithTheDefaultThreshold() {
    fetchPeopleAndCheck(f -> f);
  }

  @Test
  void aNegativeThresholdIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            FetchEntities.from(
                    EdlinkConfig.of(SIM.get().baseUrl(), SecretRef.plain(SIM.get().appSecret())))
                .withPackHereBelow(-1));
  }
}
