package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;

/**
 * Golden bytes: the checked-in encoding of one sample value per coder must decode to that value and
 * re-encode to the same bytes. An edit that changes an encoding fails here, before it breaks {@code
 * --update} of a running job (state and in-flight elements written by the old build must still
 * decode): bump the version and keep reading the old one.
 */
class CoderGoldenBytesTest {
  private static final String INTEGRATION = "0b6c1a52-6f0e-4b6a-9a8e-2f4c1d3e5a7b";
  static final SyncJob JOB =
      new SyncJob(
              "run-1",
              INTEGRATION,
              List.of(EntityType.PEOPLE, EntityType.ENROLLMENTS),
              SyncJob.Mode.FULL,
              "req-1",
              true,
              1_700_000_000_000L)
          .mergedWith(
              new SyncJob(
                  "run-2",
                  INTEGRATION,
                  List.of(EntityType.CLASSES),
                  SyncJob.Mode.AUTO,
                  "req-2",
                  false,
                  1_700_000_001_000L))
          .withPlan("5f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "full sync requested");
  static final FetchSummary FETCH = new FetchSummary(120, 3, 1, 456, 2);
  static final TypeOutcome OUTCOME =
      new TypeOutcome(
          EntityType.ENROLLMENTS,
          TypeOutcome.Status.HELD,
          FETCH,
          100,
          5,
          6,
          0,
          89,
          40,
          List.of("a", "b"),
          "held 40 deletes");

  /**
   * A key of the shard scheme of every build before the range scheme: it still encodes as ShardKey
   * v1, so the golden lines of the values that embed it are unchanged.
   */
  static final ShardKey KEY =
      new ShardKey("run-1", INTEGRATION, EntityType.PEOPLE, 3, 8, Sharding.Scheme.MD5_OF_TEXT);

  static final BatchWritten WRITTEN = new BatchWritten(JOB, KEY, false, 42, "writing failed");

  /** name → (coder, sample value). */
  static Map<String, Object[]> samples() {
    Map<String, Object[]> m = new LinkedHashMap<>();
    m.put("SyncJob", new Object[] {SyncJob.Coder.of(), JOB});
    m.put("ShardKey", new Object[] {ShardKey.Coder.of(), KEY});
    // v2 (the shard scheme); a key of the old scheme is still written as v1 (above).
    m.put(
        "ShardKeyV2",
        new Object[] {
          ShardKey.Coder.of(),
          new ShardKey("run-1", INTEGRATION, EntityType.PEOPLE, 3, 8, Sharding.Scheme.ID_RANGE)
        });
    m.put("FetchSummary", new Object[] {FetchSummary.Coder.of(), FETCH});
    m.put("TypeOutcome", new Object[] {TypeOutcome.Coder.of(), OUTCOME});
    m.put(
        "TypeOutcomeFailed",
        new Object[] {
          TypeOutcome.Coder.of(), TypeOutcome.failed(EntityType.PEOPLE, null, "Edlink HTTP 500")
        });
    m.put("RunEventType", new Object[] {RunEvent.Coder.of(), RunEvent.type(JOB, OUTCOME)});
    m.put(
        "RunEventWholeRun",
        new Object[] {
          RunEvent.Coder.of(), RunEvent.wholeRun(JOB, RunResult.Status.SKIPPED, "no events after x")
        });
    // v2 (the stored count and the read-ahead shard count); v1 still decodes
    // (typeTasksOfV1StillDecode).
    m.put(
        "TypeTaskV2",
        new Object[] {TypeTask.Coder.of(), new TypeTask(JOB, EntityType.SCHOOLS, 12_345L, 8)});
    // v2 (the shard scheme); v1 still decodes (signalsAndPositionsOfV1ShardByMd5).
    m.put(
        "TypeFetchedV2",
        new Object[] {
          TypeFetched.Coder.of(),
          new TypeFetched("run-1", INTEGRATION, EntityType.SECTIONS, 4, Sharding.Scheme.ID_RANGE)
        });
    m.put(
        "RejectedRecord",
        new Object[] {
          RejectedRecord.Coder.of(),
          new RejectedRecord(
              "run-1",
              INTEGRATION,
              EntityType.PEOPLE,
              "6a0e4b1c-2d3f-4a5b-8c9d-0e1f2a3b4c5d",
              "too large",
              "{\"id\":1}")
        });
    m.put("BatchWritten", new Object[] {BatchWritten.Coder.of(), WRITTEN});
    m.put(
        "AdmittedRun",
        new Object[] {
          AdmitRuns.AdmittedRun.Coder.of(),
          new AdmitRuns.AdmittedRun(JOB, 1_700_000_002_000L, true, 123_456L)
        });
    m.put(
        "AdmittedRunEnded",
        new Object[] {
          AdmitRuns.AdmittedRun.Coder.of(),
          new AdmitRuns.AdmittedRun(JOB, 1_700_000_002_000L, false, null)
        });
    IdRows piece = new IdRows(1);
    piece.add(1L, 2L, new byte[] {7}, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    // v3 (a flag naming the JSON's compression); the v1 and v2 lines still decode
    // (spilledPartsOfV1AndV2StillDecode).
    m.put(
        "SpilledPartRecordsV3",
        new Object[] {SpilledPart.Coder.of(), SpilledPart.records(JOB, piece)});
    m.put(
        "SpilledPartEndV3", new Object[] {SpilledPart.Coder.of(), SpilledPart.end(JOB, 3, FETCH)});
    m.put(
        "SpilledPartAbortedV3",
        new Object[] {SpilledPart.Coder.of(), SpilledPart.end(JOB, 2, null)});
    m.put(
        "PagingPositionV2",
        new Object[] {PagingPosition.Coder.of(), position(Sharding.Scheme.ID_RANGE)});
    m.put("TypeProgressWritten", new Object[] {TypeProgress.Coder.of(), TypeProgress.of(WRITTEN)});
    m.put(
        "RunResult",
        new Object[] {
          RunResult.Coder.of(),
          new RunResult(
              "run-1",
              INTEGRATION,
              RunResult.Status.PARTIAL,
              "full sync requested",
              1L,
              2L,
              List.of(OUTCOME),
              "people: boom")
        });
    return m;
  }

  private static PagingPosition position(Sharding.Scheme scheme) {
    return new PagingPosition(
        "https://ed.link/api/v2/graph/enrollments?$cursor=abc",
        20_000L,
        2,
        1,
        3L,
        1_700_000_000_000L,
        new int[] {1, 0, 2},
        scheme);
  }

  private static Properties golden() throws IOException {
    Properties p = new Properties();
    try (InputStream in =
        CoderGoldenBytesTest.class.getResourceAsStream("/golden/coders.properties")) {
      if (in != null) {
        p.load(in);
      }
    }
    return p;
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void everyEncodingMatchesItsGoldenBytes() throws Exception {
    Properties golden = golden();
    StringBuilder missing = new StringBuilder();
    for (Map.Entry<String, Object[]> e : samples().entrySet()) {
      Coder coder = (Coder) e.getValue()[0];
      Object value = e.getValue()[1];
      String actual = HexFormat.of().formatHex(CoderUtils.encodeToByteArray(coder, value));
      String expected = golden.getProperty(e.getKey());
      if (expected == null) {
        missing.append(e.getKey()).append('=').append(actual).append('\n');
        continue;
      }
      byte[] bytes = HexFormat.of().parseHex(expected);
      Object decoded = CoderUtils.decodeFromByteArray(coder, bytes);
      assertThat(e.getKey() + " decodes from its golden bytes", decoded, equalTo(value));
      assertThat(
          e.getKey() + " re-encodes to its golden bytes (an encoding changed: bump its version)",
          HexFormat.of().formatHex(CoderUtils.encodeToByteArray(coder, decoded)),
          equalTo(expected));
      assertThat(e.getKey() + " encodes as before", actual, equalTo(expected));
    }
    assertThat("golden bytes missing for:\n" + missing, missing.length(), equalTo(0));
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void unknownVersionsAreRefusedClearly() throws Exception {
    for (Map.Entry<String, Object[]> e : samples().entrySet()) {
      Coder coder = (Coder) e.getValue()[0];
      byte[] bytes = CoderUtils.encodeToByteArray(coder, e.getValue()[1]);
      bytes[0] = 9;
      CoderException ex =
          assertThrows(
              CoderException.class,
              () -> coder.decode(new ByteArrayInputStream(bytes)),
              e.getKey());
      assertThat(ex.getMessage(), containsString("version 9 is unknown"));
    }
  }

  @Test
  void typeTasksOfV1StillDecode() throws Exception {
    TypeTask v1 =
        CoderUtils.decodeFromByteArray(
            TypeTask.Coder.of(), HexFormat.of().parseHex(golden().getProperty("TypeTask")));
    assertThat("not counted, not read ahead", v1, equalTo(new TypeTask(JOB, EntityType.SCHOOLS)));
    assertThat(v1.storedCount(), is(-1L));
    assertThat(v1.readAheadShards(), is(0));
  }

  /**
   * Work an earlier build started goes on by that build's shard scheme after an update: its signal
   * reads the stored hashes by MD5, its paging shards the rest of its pages by MD5, and its keys
   * keep their bytes.
   */
  @Test
  void signalsAndPositionsOfV1ShardByMd5() throws Exception {
    TypeFetched fetched =
        CoderUtils.decodeFromByteArray(
            TypeFetched.Coder.of(), HexFormat.of().parseHex(golden().getProperty("TypeFetched")));
    assertThat(
        fetched,
        equalTo(
            new TypeFetched(
                "run-1", INTEGRATION, EntityType.SECTIONS, 4, Sharding.Scheme.MD5_OF_TEXT)));
    assertThat(
        "the scheme survives the SQL round trip",
        TypeFetched.decode(fetched.encode()),
        equalTo(fetched));
    PagingPosition position =
        CoderUtils.decodeFromByteArray(
            PagingPosition.Coder.of(),
            HexFormat.of().parseHex(golden().getProperty("PagingPosition")));
    assertThat(position, equalTo(position(Sharding.Scheme.MD5_OF_TEXT)));
    assertThat(position.scheme(), is(Sharding.Scheme.MD5_OF_TEXT));
    ShardKey key =
        CoderUtils.decodeFromByteArray(
            ShardKey.Coder.of(), HexFormat.of().parseHex(golden().getProperty("ShardKey")));
    assertThat(key.scheme(), is(Sharding.Scheme.MD5_OF_TEXT));
    assertThat(
        "its join key encodes as the earlier build's did",
        HexFormat.of().formatHex(CoderUtils.encodeToByteArray(ShardKey.Coder.of(), key.joinKey())),
        equalTo(
            HexFormat.of()
                .formatHex(
                    CoderUtils.encodeToByteArray(
                        ShardKey.Coder.of(),
                        new ShardKey(
                            "",
                            INTEGRATION,
                            EntityType.PEOPLE,
                            3,
                            0,
                            Sharding.Scheme.MD5_OF_TEXT)))));
    assertThat(
        "keys of two schemes never pair",
        key.equals(
            new ShardKey("run-1", INTEGRATION, EntityType.PEOPLE, 3, 8, Sharding.Scheme.ID_RANGE)),
        is(false));
    byte[] unknown = CoderUtils.encodeToByteArray(TypeFetched.Coder.of(), fetched);
    unknown[unknown.length - 1] = 7;
    CoderException ex =
        assertThrows(
            CoderException.class,
            () -> CoderUtils.decodeFromByteArray(TypeFetched.Coder.of(), unknown));
    assertThat(ex.getMessage(), containsString("unknown shard scheme 7"));
  }

  @Test
  void spilledPartsOfV1AndV2StillDecode() throws Exception {
    IdRows piece = new IdRows(1);
    piece.add(1L, 2L, new byte[] {7}, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Map<String, SpilledPart> older =
        Map.of(
            "SpilledPartRecords", SpilledPart.records(JOB, piece),
            "SpilledPartEnd", SpilledPart.end(JOB, 3, FETCH),
            "SpilledPartAborted", SpilledPart.end(JOB, 2, null));
    for (Map.Entry<String, SpilledPart> e : older.entrySet()) {
      for (int version = 1; version <= 2; version++) {
        String name = e.getKey() + (version == 1 ? "" : "V" + version);
        byte[] bytes = HexFormat.of().parseHex(golden().getProperty(name));
        assertThat(name + " is v" + version, bytes[0], equalTo((byte) version));
        assertThat(
            name,
            CoderUtils.decodeFromByteArray(SpilledPart.Coder.of(), bytes),
            equalTo(e.getValue()));
      }
    }
    // A piece cut from a stretch is deflated, and stays so through its coder.
    IdRows packed = IdRows.packed(2);
    packed.add(1L, 2L, new byte[] {7}, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    packed.seal();
    SpilledPart back =
        CoderUtils.decodeFromByteArray(
            SpilledPart.Coder.of(),
            CoderUtils.encodeToByteArray(SpilledPart.Coder.of(), SpilledPart.records(JOB, packed)));
    assertThat(back.rows().isPacked(), equalTo(true));
    assertThat(back, equalTo(SpilledPart.records(JOB, piece)));
  }

  @Test
  void theBulkCodersAreVersionedAndEmbedNoJavaSerialization() throws Exception {
    RemoteShard remote = new RemoteShard(JOB, FETCH, 2);
    remote.add(1L, 2L, new byte[] {1, 2}, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    byte[] remoteV1 = HexFormat.of().parseHex(golden().getProperty("RemoteShard"));
    RemoteShard fromV1 = CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), remoteV1);
    assertThat("a v1 shard still decodes", fromV1.json(0), equalTo(remote.json(0)));
    assertThat("a v1 shard has no failure", fromV1.failure(), equalTo(null));
    byte[] remoteV2 = HexFormat.of().parseHex(golden().getProperty("RemoteShardV2"));
    RemoteShard fromV2 = CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), remoteV2);
    assertThat("a v2 shard still decodes", fromV2.json(0), equalTo(remote.json(0)));
    assertThat("v2: a shard may carry its failure", remoteV2[0], equalTo((byte) 2));
    byte[] remoteV3 = HexFormat.of().parseHex(golden().getProperty("RemoteShardV3"));
    RemoteShard fromV3 = CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), remoteV3);
    assertThat("a v3 shard still decodes", fromV3.json(0), equalTo(remote.json(0)));
    byte[] remoteV4 = HexFormat.of().parseHex(golden().getProperty("RemoteShardV4"));
    RemoteShard fromV4 = CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), remoteV4);
    assertThat("a v4 shard still decodes", fromV4.json(0), equalTo(remote.json(0)));
    assertThat("v4: a flag names the JSON's compression", remoteV4[0], equalTo((byte) 4));
    assertThat("a v4 shard is not withdrawn", fromV4.withdrawn(), is(false));
    assertThat(fromV4.fetch(), equalTo(FETCH));
    byte[] r = CoderUtils.encodeToByteArray(RemoteShard.Coder.of(), remote);
    assertThat(HexFormat.of().formatHex(r), equalTo(golden().getProperty("RemoteShardV5")));
    assertThat("v5: a shard may be withdrawn", r[0], equalTo((byte) 5));
    byte[] w = CoderUtils.encodeToByteArray(RemoteShard.Coder.of(), RemoteShard.withdrawn(JOB));
    assertThat(
        HexFormat.of().formatHex(w), equalTo(golden().getProperty("RemoteShardV5Withdrawn")));
    RemoteShard withdrawn = CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), w);
    assertThat(withdrawn.withdrawn(), is(true));
    assertThat(withdrawn.fetch(), equalTo(null));
    assertThat(withdrawn.job(), equalTo(JOB));
    assertThat(CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), r).withdrawn(), is(false));
    RemoteShard packed = RemoteShard.of(JOB, FETCH, IdRows.packed(2));
    packed.add(1L, 2L, new byte[] {1, 2}, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    packed.add(3L, 4L, new byte[0], null);
    byte[] rp = CoderUtils.encodeToByteArray(RemoteShard.Coder.of(), packed.seal());
    // Compressed bytes may differ between library builds, so the golden packed shards (v3
    // deflated, v4 Snappy) are checked by what they decode to (what --update needs), and today's
    // encoding by its round trip.
    assertThat(
        "this build packs with Snappy",
        CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), rp)
            .rows()
            .packedJson()
            .compression(),
        equalTo(PackedJson.Compression.SNAPPY));
    assertThat(
        "a v3 packed shard was deflated",
        CoderUtils.decodeFromByteArray(
                RemoteShard.Coder.of(),
                HexFormat.of().parseHex(golden().getProperty("RemoteShardV3Packed")))
            .rows()
            .packedJson()
            .compression(),
        equalTo(PackedJson.Compression.DEFLATE));
    for (byte[] bytes :
        List.of(
            HexFormat.of().parseHex(golden().getProperty("RemoteShardV3Packed")),
            HexFormat.of().parseHex(golden().getProperty("RemoteShardV4Packed")),
            rp)) {
      RemoteShard packedBack = CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), bytes);
      assertThat(packedBack.size(), equalTo(2));
      assertThat(packedBack.json(0), equalTo(remote.json(0)));
      assertThat(packedBack.hash(0), equalTo(new byte[] {1, 2}));
      assertThat("a rejected record keeps no JSON", packedBack.hasJson(1), equalTo(false));
      assertThat(packedBack.msb(1), equalTo(3L));
      assertThat(packedBack.lsb(1), equalTo(4L));
    }
    RemoteShard failed =
        CoderUtils.decodeFromByteArray(
            RemoteShard.Coder.of(),
            CoderUtils.encodeToByteArray(
                RemoteShard.Coder.of(), RemoteShard.failed(JOB, FETCH, "served twice")));
    assertThat(failed.failure(), equalTo("served twice"));
    // The embedded job is the versioned SyncJob encoding, not a Java serialization stream (0xACED).
    assertThat(r[1], equalTo((byte) 1));
    RemoteShard back = CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), r);
    assertThat(back.job(), equalTo(JOB));
    assertThat(back.fetch(), equalTo(FETCH));
    StoredShard stored = new StoredShard(1, new long[] {1L}, new long[] {2L}, new byte[][] {{3}});
    byte[] s = CoderUtils.encodeToByteArray(StoredShard.Coder.of(), stored);
    assertThat(HexFormat.of().formatHex(s), equalTo(golden().getProperty("StoredShard")));
    r[0] = 6;
    assertThrows(
        CoderException.class, () -> CoderUtils.decodeFromByteArray(RemoteShard.Coder.of(), r));

    ShardChanges changes =
        new ShardChanges(
            JOB, KEY, FETCH, 10, 2, 3, 4, 2, 1, new long[] {5L}, new long[] {6L}, "no stored side");
    byte[] c = CoderUtils.encodeToByteArray(ShardChanges.Coder.of(), changes);
    assertThat(HexFormat.of().formatHex(c), equalTo(golden().getProperty("ShardChanges")));
    assertThat("v2: the upserts moved to RowBatch", c[0], equalTo((byte) 2));
    ShardChanges changesBack = CoderUtils.decodeFromByteArray(ShardChanges.Coder.of(), c);
    assertThat(changesBack.rowBatches(), equalTo(2));
    assertThat(changesBack.deleteLsb(0), equalTo(6L));
    assertThat(changesBack.error(), equalTo("no stored side"));
    byte[] p = CoderUtils.encodeToByteArray(TypeProgress.Coder.of(), TypeProgress.of(changes));
    assertThat(HexFormat.of().formatHex(p), equalTo(golden().getProperty("TypeProgressShard")));
    c[0] = 1;
    CoderException v1 =
        assertThrows(
            CoderException.class, () -> CoderUtils.decodeFromByteArray(ShardChanges.Coder.of(), c));
    assertThat(v1.getMessage(), containsString("drain the job and relaunch"));

    IdRows one = new IdRows(1);
    one.add(1L, 2L, new byte[] {7}, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    RowBatch rows = new RowBatch(JOB, KEY, true, one);
    RowBatch batchV1 =
        CoderUtils.decodeFromByteArray(
            RowBatch.Coder.of(), HexFormat.of().parseHex(golden().getProperty("RowBatch")));
    assertThat("a v1 batch still decodes", batchV1.rows().sameRows(one), equalTo(true));
    RowBatch batchV2 =
        CoderUtils.decodeFromByteArray(
            RowBatch.Coder.of(), HexFormat.of().parseHex(golden().getProperty("RowBatchV2")));
    assertThat("a v2 batch still decodes", batchV2.rows().sameRows(one), equalTo(true));
    byte[] b = CoderUtils.encodeToByteArray(RowBatch.Coder.of(), rows);
    assertThat(HexFormat.of().formatHex(b), equalTo(golden().getProperty("RowBatchV3")));
    assertThat(CoderUtils.decodeFromByteArray(RowBatch.Coder.of(), b).key(), equalTo(KEY));
  }

  @Test
  void valueTypesInferTheirExplicitCoders() throws Exception {
    CoderRegistry registry = CoderRegistry.createDefault();
    for (Class<?> c :
        List.of(
            SyncJob.class,
            ShardKey.class,
            RunEvent.class,
            TypeOutcome.class,
            TypeTask.class,
            TypeFetched.class,
            RejectedRecord.class,
            RunResult.class,
            FetchSummary.class,
            RemoteShard.class,
            StoredShard.class,
            ShardChanges.class,
            RowBatch.class,
            BatchWritten.class,
            TypeProgress.class,
            SpilledPart.class,
            PagingPosition.class)) {
      Coder<?> coder = registry.getCoder(TypeDescriptor.of(c));
      assertThat(
          c.getSimpleName() + " has an explicit coder",
          coder instanceof SerializableCoder,
          equalTo(false));
    }
    ShardKey.Coder.of().verifyDeterministic();
  }
}
