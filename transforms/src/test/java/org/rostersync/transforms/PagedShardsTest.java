package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rostersync.edlink.EntityType;
import org.rostersync.hash.CanonicalHash;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.RosterType;

/**
 * A large type sharded and compressed while it is paged gives the shards a type sharded after its
 * last page gives (the same records in the same groups, duplicates settled alike), only not sorted.
 */
class PagedShardsTest {
  private static final SyncJob JOB = CoderGoldenBytesTest.JOB;
  private static final FetchSummary FETCH = CoderGoldenBytesTest.FETCH;

  @RegisterExtension
  static final SimulatorPerClass SIM =
      new SimulatorPerClass(29L, "paged-shards-secret", DatasetSize.TINY);

  private static byte[] json(UUID id, int n) {
    return ("{\"id\":\"" + id + "\",\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
  }

  /** Each row as text (id, hash, JSON), sorted: a shard's records whatever their order. */
  private static TreeSet<String> rowsOf(RemoteShard shard) {
    return new TreeSet<>(PackRemoteShardsTest.describe(shard));
  }

  @Test
  void givesTheShardsOfATypeShardedAfterItsLastPage() throws Exception {
    // 20,000 records: every bucket gets full frames and a partial one; every 13th served twice,
    // every 41st rejected (no JSON).
    RemoteShard all = new RemoteShard(JOB, null, 16);
    PagedShards paged = new PagedShards(PagedShards.FIRST_BUCKETS);
    for (int i = 0; i < 20_000; i++) {
      UUID id = UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16)});
      byte[] json = i % 41 == 3 ? null : json(id, i);
      byte[] hash = json == null ? new byte[0] : CanonicalHash.sha256(json);
      int copies = i % 13 == 0 ? 2 : 1;
      for (int c = 0; c < copies; c++) {
        all.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), hash, json);
        paged.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), hash, json);
      }
    }
    assertThat("duplicates dropped as they arrive", paged.size(), is(20_000));
    // {buckets, shards}: fewer shards than buckets, one bucket per shard, and more shards than
    // buckets (bucketed again).
    for (int[] counts : new int[][] {{64, 1}, {64, 2}, {8, 8}, {64, 64}, {4, 64}, {1, 2}}) {
      int shardCount = counts[1];
      PagedShards again = new PagedShards(counts[0]);
      for (int i = 0; i < all.size(); i++) {
        again.add(all.msb(i), all.lsb(i), all.hash(i), all.json(i));
      }
      RemoteShard[] expected =
          FetchEntities.FetchEntitiesFn.distribute(all, JOB, FETCH, shardCount);
      RemoteShard[] actual = again.shards(JOB, FETCH, shardCount);
      assertThat(actual.length, is(shardCount));
      int total = 0;
      for (int s = 0; s < shardCount; s++) {
        assertThat("compressed", actual[s].rows().isPacked(), is(true));
        assertThat(actual[s].fetch(), equalTo(FETCH));
        assertThat(
            "shard " + s + " of " + shardCount, rowsOf(actual[s]), equalTo(rowsOf(expected[s])));
        for (int i = 0; i < actual[s].size(); i++) {
          assertThat(
              Sharding.shardOf(new UUID(actual[s].msb(i), actual[s].lsb(i)), shardCount), is(s));
        }
        total += actual[s].size();
      }
      assertThat(total, is(20_000));
    }
  }

  /**
   * Each bucket keeps its open frame uncompressed, so a type paged whole must not have hundreds:
   * with 512 buckets (before commit f87317a) three such types in flight held about 100 MB of open
   * frames on the mixed fleet's no-change sync, and its peak RSS missed 2× the plain program's.
   */
  @Test
  void aTypePagedWholeKeepsFewOpenFrames() throws Exception {
    SyncJob job =
        new SyncJob(
            "run-b",
            UUID.randomUUID().toString(),
            List.of(EntityType.PEOPLE),
            SyncJob.Mode.FULL,
            null,
            false,
            0);
    PagedShards paged = PagedShards.forType(new TypeTask(job, EntityType.PEOPLE));
    assertThat(paged.bucketCount(), is(PagedShards.FIRST_BUCKETS));
    // 100,000 records of about 600 bytes (a person's size).
    String pad = "x".repeat(540);
    for (int i = 0; i < 100_000; i++) {
      UUID id = UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16), 1});
      byte[] json =
          ("{\"id\":\"" + id + "\",\"p\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8);
      paged.add(
          id.getMostSignificantBits(),
          id.getLeastSignificantBits(),
          CanonicalHash.sha256(json),
          json);
    }
    long oneFrame = PackedJson.FRAME * 600L;
    assertThat(
        "open frames of " + paged.bucketCount() + " buckets: " + paged.openBytes() + " bytes",
        paged.openBytes() <= 2 * oneFrame * PagedShards.FIRST_BUCKETS,
        is(true));
    assertThat(
        "open frames: " + paged.openBytes() + " bytes", paged.openBytes() <= 6L << 20, is(true));
    // Read ahead, the shard count is fixed: more buckets only when it needs more.
    TypeTask readAhead = new TypeTask(job, EntityType.PEOPLE).counted(60_000, 4);
    assertThat(PagedShards.forType(readAhead).bucketCount(), is(PagedShards.FIRST_BUCKETS));
    TypeTask large = new TypeTask(job, EntityType.PEOPLE).counted(5_000_000, 256);
    assertThat(PagedShards.forType(large).bucketCount(), is(256));
  }

  @Test
  void anIdServedTwiceWithDifferentContentFailsTheType() throws Exception {
    PagedShards paged = new PagedShards(PagedShards.FIRST_BUCKETS);
    UUID id = UUID.randomUUID();
    byte[] first = json(id, 1);
    paged.add(
        id.getMostSignificantBits(),
        id.getLeastSignificantBits(),
        CanonicalHash.sha256(first),
        first);
    byte[] second = json(id, 2);
    FetchEntities.BadRecordException e =
        assertThrows(
            FetchEntities.BadRecordException.class,
            () ->
                paged.add(
                    id.getMostSignificantBits(),
                    id.getLeastSignificantBits(),
                    CanonicalHash.sha256(second),
                    second));
    assertThat(e.getMessage(), containsString(id + " was served twice with different content"));
  }

  @Test
  void shardCountsArePowersOfTwoWithinTheBuckets() {
    assertThat(Sharding.powerOfTwoShardCountFor(0, 25_000, 512), is(1));
    assertThat(Sharding.powerOfTwoShardCountFor(25_000, 25_000, 512), is(1));
    assertThat(Sharding.powerOfTwoShardCountFor(25_001, 25_000, 512), is(2));
    assertThat(Sharding.powerOfTwoShardCountFor(100_000, 25_000, 512), is(4));
    assertThat(Sharding.powerOfTwoShardCountFor(1_000_000, 25_000, 512), is(64));
    assertThat(
        "capped by the buckets", Sharding.powerOfTwoShardCountFor(50_000_000, 1, 512), is(512));
    assertThat(
        "maxShards rounded down", Sharding.powerOfTwoShardCountFor(1_000_000, 25_000, 40), is(32));
    assertThrows(
        IllegalArgumentException.class,
        () -> new PagedShards(PagedShards.FIRST_BUCKETS).shards(JOB, FETCH, 40));
    assertThrows(IllegalArgumentException.class, () -> new PagedShards(48));
    assertThrows(IllegalArgumentException.class, () -> new PagedShards(1024));
  }

  @Test
  void aTypePagedWholeIsShardedAsItsPagesArrive() {
    long people = SIM.get().count(SIM.integration().id(), RosterType.PEOPLE);
    assertThat(people, greaterThan(0L));
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    Pipeline p = Pipeline.create(options);
    SyncJob job =
        new SyncJob(
            UUID.randomUUID().toString(),
            SIM.integration().id(),
            List.of(EntityType.PEOPLE),
            SyncJob.Mode.FULL,
            "req",
            false,
            1_000L);
    // Three groups' worth of records: sharded after the last page that is 3 shards, paged 4.
    int perShard = (int) ((people + 2) / 3);
    assertThat(Sharding.shardCountFor(people, perShard, 512), is(3));
    // Never spills; past its first page (7 records) the type goes on in buckets.
    PCollectionTuple out =
        p.apply(Create.of(new TypeTask(job, EntityType.PEOPLE)).withCoder(TypeTask.Coder.of()))
            .apply(
                FetchEntities.from(
                        EdlinkConfig.of(SIM.get().baseUrl(), SecretRef.plain(SIM.get().appSecret()))
                            .withPageSize(7))
                    .withSharding(perShard, 512)
                    .withBytesPerElement(Long.MAX_VALUE)
                    .withPackHereBelow(1));
    PAssert.that(out.get(FetchEntities.REMOTE))
        .satisfies(
            shards -> {
              List<Integer> seen = new ArrayList<>();
              long records = 0;
              for (KV<ShardKey, RemoteShard> kv : shards) {
                ShardKey key = kv.getKey();
                assertThat("rounded up to a power of two", key.shardCount(), is(4));
                assertThat(kv.getValue().rows().isPacked(), is(true));
                for (int i = 0; i < kv.getValue().size(); i++) {
                  UUID id = new UUID(kv.getValue().msb(i), kv.getValue().lsb(i));
                  assertThat(Sharding.shardOf(id, key.shardCount()), is(key.shard()));
                }
                records += kv.getValue().size();
                seen.add(key.shard());
              }
              assertThat("every record, once", records, is(people));
              assertThat("every shard", seen.size(), is(4));
              return null;
            });
    PAssert.that(out.get(FetchEntities.COMPLETE))
        .satisfies(
            done -> {
              for (TypeFetched t : done) {
                assertThat(t.shardCount(), is(4));
              }
              return null;
            });
    PAssert.that(out.get(FetchEntities.FAILED)).empty();
    p.run().waitUntilFinish();
  }
}
