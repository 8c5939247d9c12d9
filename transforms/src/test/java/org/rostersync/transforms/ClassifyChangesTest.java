package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;

class ClassifyChangesTest {
  private static final String INTEGRATION = "dd62026c-1180-40ca-a614-ae537f766cb4";
  private static final SyncJob JOB =
      new SyncJob(
          "run-1", INTEGRATION, List.of(EntityType.PEOPLE), SyncJob.Mode.FULL, null, false, 0L);
  private static final ShardKey KEY = new ShardKey("run-1", INTEGRATION, EntityType.PEOPLE, 0, 1);
  private static final ClassifyChanges.WriteLimits LIMITS =
      new ClassifyChanges.WriteLimits(SyncDefaults.ROWS_PER_WRITE, SyncDefaults.BYTES_PER_WRITE);

  private static byte[] hash(int v) {
    byte[] h = new byte[32];
    h[0] = (byte) v;
    return h;
  }

  @Test
  void classifiesCreatesUpdatesDeletesAndUnchanged() {
    UUID same = UUID.randomUUID(),
        changed = UUID.randomUUID(),
        created = UUID.randomUUID(),
        gone = UUID.randomUUID();
    RemoteShard remote = new RemoteShard(JOB, new FetchSummary(3, 1, 0, 5, 0), 4);
    remote.add(
        same.getMostSignificantBits(), same.getLeastSignificantBits(), hash(1), "{}".getBytes());
    remote.add(
        changed.getMostSignificantBits(),
        changed.getLeastSignificantBits(),
        hash(9),
        "{\"a\":1}".getBytes());
    remote.add(
        created.getMostSignificantBits(),
        created.getLeastSignificantBits(),
        hash(3),
        "{\"b\":2}".getBytes());
    StoredShard stored =
        new StoredShard(
            3,
            new long[] {
              same.getMostSignificantBits(),
              changed.getMostSignificantBits(),
              gone.getMostSignificantBits()
            },
            new long[] {
              same.getLeastSignificantBits(),
              changed.getLeastSignificantBits(),
              gone.getLeastSignificantBits()
            },
            new byte[][] {hash(1), hash(2), hash(4)});

    ClassifyChanges.Diff d = ClassifyChanges.classify(KEY, remote, stored, LIMITS);
    ShardChanges c = d.shard();

    assertThat(c.created(), is(1));
    assertThat(c.updated(), is(1));
    assertThat(c.unchanged(), is(1));
    assertThat(c.deletes(), is(1));
    assertThat(c.stored(), is(3));
    assertThat("one batch of creates, one of updates", c.rowBatches(), is(2));
    RowBatch creates = d.creates().get(0);
    assertThat(creates.creates(), is(true));
    assertThat(new UUID(creates.rows().msb[0], creates.rows().lsb[0]), equalTo(created));
    RowBatch updates = d.updates().get(0);
    assertThat(updates.creates(), is(false));
    assertThat(new UUID(updates.rows().msb[0], updates.rows().lsb[0]), equalTo(changed));
    assertThat(new UUID(c.deleteMsb(0), c.deleteLsb(0)), equalTo(gone));
  }

  /** No batch above its row or byte limit, whatever the size of the group; none lost either. */
  @Test
  void batchesStayWithinTheirLimits() {
    int n = 2_345;
    RemoteShard remote = new RemoteShard(JOB, new FetchSummary(n, 1, 0, 5, 0), n);
    byte[] json = new byte[100];
    for (int i = 0; i < n; i++) {
      remote.add(i, i, hash(1), json);
    }
    StoredShard none = new StoredShard(0, new long[0], new long[0], new byte[0][]);
    ClassifyChanges.Diff byRows =
        ClassifyChanges.classify(
            KEY, remote, none, new ClassifyChanges.WriteLimits(1_000, 1L << 30));
    assertThat(byRows.creates().size(), is(3));
    assertThat(byRows.shard().rowBatches(), is(3));
    assertThat(byRows.creates().get(2).size(), is(345));
    ClassifyChanges.Diff byBytes =
        ClassifyChanges.classify(KEY, remote, none, new ClassifyChanges.WriteLimits(5_000, 10_000));
    int rows = 0;
    for (RowBatch b : byBytes.creates()) {
      assertThat("100 rows of 100 bytes fit 10,000 bytes", b.size() <= 100, is(true));
      rows += b.size();
    }
    assertThat(rows, is(n));
    assertThat(byBytes.shard().created(), is(n));
  }

  @Test
  void emptyRemoteAgainstStoredRowsDeletesThemAll() {
    RemoteShard remote = new RemoteShard(JOB, new FetchSummary(0, 1, 0, 1, 0), 0);
    StoredShard stored =
        new StoredShard(2, new long[] {1, 2}, new long[] {3, 4}, new byte[][] {hash(1), hash(2)});
    ClassifyChanges.Diff d = ClassifyChanges.classify(KEY, remote, stored, LIMITS);
    assertThat(d.shard().deletes(), is(2));
    assertThat(d.shard().rowBatches(), is(0));
    assertThat(d.creates().size() + d.updates().size(), is(0));
  }

  @Test
  void shardChangesSurviveTheirCoder() throws Exception {
    RemoteShard remote = new RemoteShard(JOB, new FetchSummary(2, 1, 0, 5, 0), 1);
    remote.add(1, 2, hash(1), "{\"name\":\"Zoë 🎓\"}".getBytes(StandardCharsets.UTF_8));
    ClassifyChanges.Diff d =
        ClassifyChanges.classify(
            KEY,
            remote,
            new StoredShard(1, new long[] {7}, new long[] {8}, new byte[][] {hash(5)}),
            LIMITS);
    ShardChanges s = d.shard();
    ShardChanges c =
        new ShardChanges(
            s.job(),
            s.key(),
            s.fetch(),
            s.stored(),
            s.created(),
            s.updated(),
            s.unchanged(),
            s.rowBatches(),
            1,
            new long[] {s.deleteMsb(0)},
            new long[] {s.deleteLsb(0)},
            "boom");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ShardChanges.Coder.of().encode(c, bytes);
    ShardChanges back =
        ShardChanges.Coder.of().decode(new ByteArrayInputStream(bytes.toByteArray()));
    assertThat(back.key(), equalTo(KEY));
    assertThat(back.job(), equalTo(JOB));
    assertThat(back.created(), is(1));
    assertThat(back.rowBatches(), is(1));
    assertThat(back.deletes(), is(1));
    assertThat(back.deleteMsb(0), is(7L));
    assertThat(back.error(), equalTo("boom"));
    bytes.reset();
    RowBatch.Coder.of().encode(d.creates().get(0), bytes);
    RowBatch rows = RowBatch.Coder.of().decode(new ByteArrayInputStream(bytes.toByteArray()));
    assertThat(rows.key(), equalTo(KEY));
    assertThat(rows.creates(), is(true));
    assertThat(
        new String(rows.rows().json(0), StandardCharsets.UTF_8), equalTo("{\"name\":\"Zoë 🎓\"}"));
  }

  @Test
  void distributeDropsIdenticalDuplicatesAndRejectsConflictingOnes() throws Exception {
    UUID id = UUID.randomUUID();
    RemoteShard all = new RemoteShard(JOB, null, 4);
    all.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), hash(1), "{}".getBytes());
    all.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), hash(1), "{}".getBytes());
    for (int i = 0; i < 20; i++) {
      UUID other = UUID.randomUUID();
      all.add(
          other.getMostSignificantBits(),
          other.getLeastSignificantBits(),
          hash(2),
          "{}".getBytes());
    }
    RemoteShard[] shards =
        FetchEntities.FetchEntitiesFn.distribute(all, JOB, new FetchSummary(22, 1, 0, 1, 0), 4);
    int total = 0;
    List<UUID> seen = new ArrayList<>();
    for (int s = 0; s < shards.length; s++) {
      for (int i = 0; i < shards[s].size(); i++) {
        UUID u = new UUID(shards[s].msb(i), shards[s].lsb(i));
        assertThat("record in its own shard", Sharding.shardOf(u, 4), is(s));
        seen.add(u);
      }
      total += shards[s].size();
    }
    assertThat(total, is(21));
    assertThat(seen.stream().filter(id::equals).count(), is(1L));

    all.add(
        id.getMostSignificantBits(), id.getLeastSignificantBits(), hash(7), "{\"x\":1}".getBytes());
    org.junit.jupiter.api.Assertions.assertThrows(
        FetchEntities.BadRecordException.class,
        () ->
            FetchEntities.FetchEntitiesFn.distribute(
                all, JOB, new FetchSummary(23, 1, 0, 1, 0), 4));
  }

  @Test
  void shardCountGrowsWithSizeWithinBounds() {
    assertThat(Sharding.shardCountFor(0, 5000, 512), is(1));
    assertThat(Sharding.shardCountFor(4999, 5000, 512), is(1));
    assertThat(Sharding.shardCountFor(1_000_000, 5000, 512), is(200));
    assertThat(Sharding.shardCountFor(100_000_000, 5000, 512), is(512));
  }

  @Test
  void deletePolicyHoldsOnlySuspiciousWaves() {
    DeletePolicy p = DeletePolicy.defaults();
    assertThat(p.holds(11, 100, false), is(true));
    assertThat(p.holds(10, 100, false), is(false));
    assertThat("approved", p.holds(100, 100, true), is(false));
    assertThat("few rows are not guarded", p.holds(5, 5, false), is(false));
  }
}
