package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;

class PackedJsonTest {
  private static final String INTEGRATION = "dd62026c-1180-40ca-a614-ae537f766cb4";
  private static final SyncJob JOB =
      new SyncJob(
          "run-1",
          INTEGRATION,
          List.of(EntityType.PEOPLE),
          SyncJob.Mode.FULL,
          "test",
          false,
          1_700_000_000_000L);
  private static final FetchSummary FETCH = new FetchSummary(3, 1, 0, 5, 0);

  /**
   * Person-like records: the same keys every time, values that vary, a rejected one now and then.
   */
  private static List<byte[]> records(int n, long seed) {
    Random random = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i % 37 == 5) {
        out.add(null);
        continue;
      }
      String json =
          "{\"created_date\":\"2026-11-2"
              + random.nextInt(10)
              + "T10:00:00.000Z\",\"email\":\"p"
              + random.nextInt(1_000_000)
              + "@school.example\",\"first_name\":\"Zoë "
              + i
              + "\",\"id\":\""
              + new UUID(random.nextLong(), random.nextLong())
              + "\",\"roles\":[\"student\"],\"grade_levels\":[\""
              + random.nextInt(12)
              + "\"],\"demographics\":{\"birthday\":null,\"gender\":\"unspecified\"}}";
      out.add(json.getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  private static RemoteShard packedShard(List<byte[]> records) {
    RemoteShard shard = RemoteShard.of(JOB, FETCH, IdRows.packed(4));
    for (int i = 0; i < records.size(); i++) {
      byte[] json = records.get(i);
      shard.add(i, -i, json == null ? new byte[0] : new byte[] {(byte) i}, json);
    }
    return shard;
  }

  private static void assertSameRecords(RemoteShard shard, List<byte[]> records) {
    assertThat(shard.size(), equalTo(records.size()));
    IdRows.JsonReader reader = shard.jsonReader();
    for (int i = 0; i < records.size(); i++) {
      assertThat("row " + i, reader.json(i), equalTo(records.get(i)));
      assertThat(shard.jsonLength(i), equalTo(records.get(i) == null ? -1 : records.get(i).length));
      assertThat(shard.msb(i), equalTo((long) i));
    }
  }

  @Test
  void rowsReadBackInAnyOrderAcrossFramesAndTheOpenTail() {
    // Three full frames and a partial one, read before sealing, after, and backwards.
    List<byte[]> records = records(3 * PackedJson.FRAME + 17, 1);
    RemoteShard shard = packedShard(records);
    assertSameRecords(shard, records);
    shard.seal();
    assertSameRecords(shard, records);
    IdRows.JsonReader reader = shard.jsonReader();
    for (int i = records.size() - 1; i >= 0; i--) {
      assertThat("row " + i + " read backwards", reader.json(i), equalTo(records.get(i)));
    }
    assertThrows(IllegalStateException.class, () -> shard.add(1, 1, new byte[1], new byte[1]));
  }

  @Test
  void framesPackedSideBySideEqualThoseAddedRowByRow() {
    // Ten frames and a partial one, rejected rows included, deflated on the common pool.
    List<byte[]> records = records(10 * PackedJson.FRAME + 33, 9);
    PackedJson byRow = new PackedJson(4);
    records.forEach(byRow::add);
    byRow.seal();
    PackedJson atOnce = PackedJson.packAll(records.toArray(new byte[0][]), records.size());
    assertThat(atOnce.size(), equalTo(records.size()));
    for (int f = 0; f <= records.size() / PackedJson.FRAME; f++) {
      assertThat("frame " + f, atOnce.frame(f), equalTo(byRow.frame(f)));
      assertThat(atOnce.fullFrame(f), equalTo(byRow.fullFrame(f)));
    }
    PackedJson.Reader reader = atOnce.reader();
    for (int i = 0; i < records.size(); i++) {
      assertThat("row " + i, reader.json(i), equalTo(records.get(i)));
      assertThat(atOnce.length(i), equalTo(byRow.length(i)));
    }
  }

  @Test
  void theFetchSortsEachShardByIdAndDropsIdenticalDuplicates() throws Exception {
    List<byte[]> records = records(500, 12);
    records.replaceAll(r -> r == null ? "{}".getBytes(StandardCharsets.UTF_8) : r);
    RemoteShard all = new RemoteShard(JOB, null, 16);
    for (int i = 0; i < records.size(); i++) {
      UUID id = UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8)});
      byte[] json = records.get(i);
      byte[] hash = org.rostersync.hash.CanonicalHash.sha256(json);
      all.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), hash, json);
      if (i % 100 == 0) {
        // Served twice, the same content (a page retried): kept once.
        all.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), hash, json);
      }
    }
    for (int shardCount : new int[] {1, 4}) {
      RemoteShard[] shards = FetchEntities.FetchEntitiesFn.distribute(all, JOB, FETCH, shardCount);
      int total = 0;
      for (int s = 0; s < shardCount; s++) {
        RemoteShard shard = shards[s];
        IdRows.JsonReader reader = shard.jsonReader();
        for (int i = 0; i < shard.size(); i++) {
          UUID id = new UUID(shard.msb(i), shard.lsb(i));
          assertThat(Sharding.shardOf(id, shardCount), equalTo(s));
          if (i > 0) {
            UUID before = new UUID(shard.msb(i - 1), shard.lsb(i - 1));
            assertThat(
                "ascending ids",
                Long.compare(before.getMostSignificantBits(), id.getMostSignificantBits()) < 0
                    || before.getMostSignificantBits() == id.getMostSignificantBits()
                        && Long.compare(
                                before.getLeastSignificantBits(), id.getLeastSignificantBits())
                            < 0,
                equalTo(true));
          }
          assertThat(
              org.rostersync.hash.CanonicalHash.sha256(reader.json(i)), equalTo(shard.hash(i)));
        }
        total += shard.size();
      }
      assertThat("each id once", total, equalTo(500));
    }
  }

  @Test
  void positionsSortByIdAsTheComparatorSortsThem() {
    java.util.Random random = new java.util.Random(7);
    for (int m : new int[] {0, 1, 2, 3, 1_000, 20_000}) {
      RemoteShard all = new RemoteShard(JOB, null, 16);
      long base = random.nextLong();
      for (int i = 0; i < m; i++) {
        long msb;
        long lsb = random.nextLong();
        switch (i % 4) {
          case 0 -> msb = random.nextLong(); // an ordinary random id
          case 1 -> msb = base ^ random.nextInt(1 << 12); // high bits shared with many others
          case 2 -> msb = -Math.abs(base) ^ random.nextInt(8); // negative, high bits shared
          default -> {
            // The same id as an earlier record, when there is one.
            int earlier = random.nextInt(Math.max(1, i));
            msb = i == 0 ? 0 : all.msb(earlier);
            lsb = i == 0 ? 0 : all.lsb(earlier);
          }
        }
        all.add(msb, lsb, new byte[32], "{}".getBytes(StandardCharsets.UTF_8));
      }
      int[] positions = new int[m];
      Integer[] expected = new Integer[m];
      for (int i = 0; i < m; i++) {
        positions[i] = m - 1 - i;
        expected[i] = m - 1 - i;
      }
      FetchEntities.FetchEntitiesFn.sortById(all, positions);
      Arrays.sort(
          expected,
          java.util.Comparator.<Integer>comparingLong(all::msb).thenComparingLong(all::lsb));
      for (int i = 0; i < m; i++) {
        assertThat("m=" + m + " #" + i, all.msb(positions[i]), equalTo(all.msb(expected[i])));
        assertThat("m=" + m + " #" + i, all.lsb(positions[i]), equalTo(all.lsb(expected[i])));
      }
      assertThat(
          "each position once", Arrays.stream(positions).distinct().count(), equalTo((long) m));
    }
  }

  @Test
  void aShardWaitsForItsJoinAtAFractionOfItsJson() throws Exception {
    List<byte[]> records = records(5_000, 2);
    long json = 0;
    for (byte[] r : records) {
      json += r == null ? 0 : r.length;
    }
    RemoteShard shard = packedShard(records).seal();
    byte[] encoded = CoderUtils.encodeToByteArray(RemoteShard.Coder.of(), shard);
    // The ids, hashes and lengths stay as they are; the JSON shrinks to well under half.
    long fixed = 5_000L * (8 + 8 + 4 + 4 + 4);
    assertThat(encoded.length - fixed, lessThan(json / 2));
    RemoteShard back = CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), encoded);
    assertSameRecords(back, records);
  }

  @Test
  void anUnsealedShardEncodesItsTailToo() throws Exception {
    List<byte[]> records = records(PackedJson.FRAME + 3, 3);
    RemoteShard shard = packedShard(records);
    RemoteShard back =
        CoderUtils.decodeFromByteArray(
            RemoteShard.Coder.of(), CoderUtils.encodeToByteArray(RemoteShard.Coder.of(), shard));
    assertSameRecords(back, records);
    assertThat(back.rows().sameRows(shard.rows()), equalTo(true));
  }

  @Test
  void theFetchHandsOnPackedShardsThatClassifyAsTheRecordsWere() throws Exception {
    List<byte[]> records = records(700, 4);
    RemoteShard all = new RemoteShard(JOB, null, 16);
    for (int i = 0; i < records.size(); i++) {
      byte[] json = records.get(i);
      UUID id = UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8)});
      all.add(
          id.getMostSignificantBits(),
          id.getLeastSignificantBits(),
          json == null ? new byte[0] : org.rostersync.hash.CanonicalHash.sha256(json),
          json);
    }
    RemoteShard[] shards = FetchEntities.FetchEntitiesFn.distribute(all, JOB, FETCH, 3);
    int creates = 0;
    for (int s = 0; s < shards.length; s++) {
      assertThat(shards[s].rows().isPacked(), equalTo(true));
      ShardKey key = new ShardKey("run-1", INTEGRATION, EntityType.PEOPLE, s, 3);
      ClassifyChanges.Diff diff =
          ClassifyChanges.classify(
              key,
              shards[s],
              new StoredShard(0, new long[0], new long[0], new byte[0][]),
              new ClassifyChanges.WriteLimits(100, 1 << 20));
      for (RowBatch batch : diff.creates()) {
        for (int i = 0; i < batch.size(); i++) {
          UUID id = new UUID(batch.rows().msb[i], batch.rows().lsb[i]);
          int original = -1;
          for (int r = 0; r < all.size(); r++) {
            if (all.msb(r) == id.getMostSignificantBits()
                && all.lsb(r) == id.getLeastSignificantBits()) {
              original = r;
            }
          }
          assertThat(batch.rows().json(i), equalTo(records.get(original)));
          creates++;
        }
      }
    }
    long rejected = records.stream().filter(r -> r == null).count();
    assertThat("every record but the rejected ones", creates, equalTo((int) (700 - rejected)));
  }

  /**
   * Stored hashes for the rows of {@code shard} whose index {@code changed} accepts, the rest
   * equal.
   */
  private static StoredShard storedFor(RemoteShard shard, java.util.function.IntPredicate changed) {
    int n = shard.size();
    long[] msb = new long[n];
    long[] lsb = new long[n];
    byte[][] hashes = new byte[n][];
    for (int i = 0; i < n; i++) {
      msb[i] = shard.msb(i);
      lsb[i] = shard.lsb(i);
      hashes[i] = changed.test(i) ? new byte[] {-1} : shard.hash(i);
    }
    return new StoredShard(n, msb, lsb, hashes);
  }

  private static List<String> jsonOf(List<RowBatch> batches) {
    List<String> out = new ArrayList<>();
    for (RowBatch batch : batches) {
      IdRows.JsonReader reader = batch.rows().reader();
      for (int i = 0; i < batch.size(); i++) {
        out.add(new String(reader.json(i), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static List<String> text(List<byte[]> records) {
    return records.stream().map(r -> new String(r, StandardCharsets.UTF_8)).toList();
  }

  @Test
  void aFrameWhoseRowsAllChangeMovesToItsBatchStillDeflated() {
    List<byte[]> records = records(3 * PackedJson.FRAME + 8, 6);
    records.replaceAll(r -> r == null ? "{}".getBytes(StandardCharsets.UTF_8) : r);
    RemoteShard shard = packedShard(records).seal();
    ShardKey key = new ShardKey("run-1", INTEGRATION, EntityType.PEOPLE, 0, 1);
    ClassifyChanges.Diff cold =
        ClassifyChanges.classify(
            key,
            shard,
            new StoredShard(0, new long[0], new long[0], new byte[0][]),
            new ClassifyChanges.WriteLimits(5_000, 1 << 24));
    assertThat(cold.creates().size(), equalTo(1));
    PackedJson batch = cold.creates().get(0).rows().packedJson();
    for (int f = 0; f < 3; f++) {
      assertThat("frame " + f, batch.frame(f), sameInstance(shard.rows().packedJson().frame(f)));
    }
    assertThat(jsonOf(cold.creates()), equalTo(text(records)));

    // Every third row changed: nothing moves whole, every changed row is read once.
    ClassifyChanges.Diff some =
        ClassifyChanges.classify(
            key,
            shard,
            storedFor(shard, i -> i % 3 == 0),
            new ClassifyChanges.WriteLimits(50, 1 << 24));
    List<byte[]> expected = new ArrayList<>();
    for (int i = 0; i < records.size(); i += 3) {
      expected.add(records.get(i));
    }
    assertThat(jsonOf(some.updates()), equalTo(text(expected)));
    for (RowBatch b : some.updates()) {
      assertThat(b.size(), lessThanOrEqualTo(50));
    }

    // Whole frames, but the rows limit cuts between them.
    ClassifyChanges.Diff all =
        ClassifyChanges.classify(
            key, shard, storedFor(shard, i -> true), new ClassifyChanges.WriteLimits(150, 1 << 24));
    assertThat(jsonOf(all.updates()), equalTo(text(records)));
    for (RowBatch b : all.updates()) {
      assertThat(b.size(), lessThanOrEqualTo(150));
      assertThat(b.rows().isPacked(), equalTo(true));
    }
  }

  @Test
  void threadsPackingAtOnceShareTheCompressorsSafely() throws Exception {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<Boolean>> done = new ArrayList<>();
      for (int t = 0; t < 32; t++) {
        long seed = 100 + t;
        int extra = t % 7;
        done.add(
            pool.submit(
                () -> {
                  List<byte[]> records = records(4 * PackedJson.FRAME + extra, seed);
                  RemoteShard shard = packedShard(records).seal();
                  assertSameRecords(shard, records);
                  return true;
                }));
      }
      for (java.util.concurrent.Future<Boolean> f : done) {
        assertThat(f.get(), equalTo(true));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aCorruptFrameIsRefusedClearly() throws Exception {
    RemoteShard shard = packedShard(records(10, 5)).seal();
    byte[] encoded = CoderUtils.encodeToByteArray(RemoteShard.Coder.of(), shard);
    // The frame's compressed bytes sit just before the failure's -1 length.
    for (int i = encoded.length - 40; i < encoded.length - 4; i++) {
      encoded[i] = (byte) 0xff;
    }
    RemoteShard back = CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), encoded);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> back.json(0));
    assertThat(e.getMessage(), containsString("JSON frame"));
  }

  /**
   * A shard encoded before Snappy (RemoteShard v3, in a running job's state when it is updated) has
   * deflated frames: they still read, and one moved to a write batch is compressed again rather
   * than mixed with Snappy frames.
   */
  @Test
  void aDeflatedFrameOfAnOlderBuildReadsAndMovesToABatchRecompressed() throws Exception {
    List<byte[]> records = records(2 * PackedJson.FRAME + 2, 6);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
    out.writeInt(records.size());
    for (byte[] r : records) {
      out.writeInt(r == null ? -1 : r.length);
    }
    int frames = (records.size() + PackedJson.FRAME - 1) / PackedJson.FRAME;
    out.writeInt(frames);
    for (int f = 0; f < frames; f++) {
      java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
      for (int r = f * PackedJson.FRAME;
          r < Math.min(records.size(), (f + 1) * PackedJson.FRAME);
          r++) {
        if (records.get(r) != null) {
          plain.write(records.get(r));
        }
      }
      java.util.zip.Deflater d =
          new java.util.zip.Deflater(java.util.zip.Deflater.BEST_SPEED, true);
      d.setInput(plain.toByteArray());
      d.finish();
      byte[] buf = new byte[plain.size() + 64];
      int n = d.deflate(buf);
      d.end();
      out.writeInt(n);
      out.write(buf, 0, n);
    }
    PackedJson old =
        PackedJson.readFrom(
            new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())),
            PackedJson.Compression.DEFLATE);
    for (int i = 0; i < records.size(); i++) {
      assertThat("row " + i, old.json(i), equalTo(records.get(i)));
    }

    PackedJson batch = new PackedJson(2 * PackedJson.FRAME);
    batch.appendFrame(old, 1);
    batch.appendFrame(old, 0);
    batch.seal();
    assertThat(batch.compression(), equalTo(PackedJson.Compression.SNAPPY));
    for (int k = 0; k < PackedJson.FRAME; k++) {
      assertThat(batch.json(k), equalTo(records.get(PackedJson.FRAME + k)));
      assertThat(batch.json(PackedJson.FRAME + k), equalTo(records.get(k)));
    }
    PackedJson next = new PackedJson(PackedJson.FRAME);
    next.appendFrame(batch, 1);
    assertThat(
        "a frame of the same compression moves as it is",
        next.frame(0),
        sameInstance(batch.frame(1)));
  }

  @Test
  void aCoderFlagNamesOneCompressionAndAnUnknownOneIsRefused() throws Exception {
    for (PackedJson.Compression c : PackedJson.Compression.values()) {
      assertThat(PackedJson.Compression.ofFlag(c.flag), equalTo(c));
    }
    org.apache.beam.sdk.coders.CoderException e =
        assertThrows(
            org.apache.beam.sdk.coders.CoderException.class,
            () -> PackedJson.Compression.ofFlag(3));
    assertThat(e.getMessage(), containsString("unknown compression 3"));
  }
}
