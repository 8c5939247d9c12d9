package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rostersync.edlink.EntityType;
import org.rostersync.testing.TestDatabase;

/**
 * The stored side's SQL, run on PostgreSQL: each live stored pair arrives once, in the shard Java
 * computes for its id, with its hash intact; empty shards still get their row; soft-deleted rows,
 * other types and other integrations stay out.
 */
class ReadStoredHashesTest {
  @RegisterExtension static final TestDatabase.PerClass DB = TestDatabase.perClass();

  @Test
  void everyLivePairComesOnceInItsShardWithItsHash() throws Exception {
    String integration = UUID.randomUUID().toString();
    Random random = new Random(7);
    Map<UUID, byte[]> live = new HashMap<>();
    try (Connection c = DB.get().connect();
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO roster_entities (entity_type, integration_id, id, hash, data, deleted_at)"
                    + " VALUES (?, ?::uuid, ?, ?, '{}'::jsonb, ?)")) {
      for (int i = 0; i < 300; i++) {
        UUID id = UUID.randomUUID();
        // Hashes of other lengths too: the length travels with each pair.
        byte[] hash = new byte[i % 50 == 0 ? 5 : 32];
        random.nextBytes(hash);
        boolean deleted = i % 30 == 1;
        insert.setString(1, EntityType.PEOPLE.path());
        insert.setString(2, integration);
        insert.setObject(3, id);
        insert.setBytes(4, hash);
        insert.setObject(5, deleted ? java.time.OffsetDateTime.now() : null);
        insert.addBatch();
        if (!deleted) {
          live.put(id, hash);
        }
      }
      // Neither another type nor another integration may show up.
      insert.setString(1, EntityType.CLASSES.path());
      insert.setString(2, integration);
      insert.setObject(3, UUID.randomUUID());
      insert.setBytes(4, new byte[32]);
      insert.setObject(5, null);
      insert.addBatch();
      insert.setString(1, EntityType.PEOPLE.path());
      insert.setString(2, UUID.randomUUID().toString());
      insert.setObject(3, UUID.randomUUID());
      insert.setBytes(4, new byte[32]);
      insert.addBatch();
      insert.executeBatch();

      // 400 shards for 290 pairs: some shards are empty and must still get their row. A signal
      // of an earlier build reads by its scheme (MD5), as its remote shards were made.
      for (Sharding.Scheme scheme : Sharding.Scheme.values()) {
        for (int shardCount : new int[] {1, 3, 400}) {
          TypeFetched fetched =
              new TypeFetched("run-r", integration, EntityType.PEOPLE, shardCount, scheme);
          Map<UUID, byte[]> seen = new HashMap<>();
          int rows = 0;
          try (PreparedStatement q = c.prepareStatement(ReadStoredHashes.QUERY)) {
            ReadStoredHashes.setParameters(fetched, q);
            try (ResultSet rs = q.executeQuery()) {
              while (rs.next()) {
                rows++;
                KV<ShardKey, StoredShard> kv =
                    new ReadStoredHashes.StoredShardRowMapper().mapRow(rs);
                assertThat(kv.getKey().scheme(), is(scheme));
                StoredShard shard = kv.getValue();
                for (int i = 0; i < shard.size(); i++) {
                  UUID id = new UUID(shard.msb(i), shard.lsb(i));
                  assertThat(
                      id + " in " + scheme + " shard " + kv.getKey().shard(),
                      scheme.shardOf(shard.msb(i), shard.lsb(i), shardCount),
                      is(kv.getKey().shard()));
                  assertThat("once: " + id, seen.put(id, shard.hash(i)) == null, is(true));
                }
              }
            }
          }
          assertThat(rows, is(shardCount));
          assertThat(seen.keySet(), is(live.keySet()));
          live.forEach((id, hash) -> assertArrayEquals(hash, seen.get(id), id.toString()));
        }
      }
    }
  }

  @Test
  void bytesThatDoNotAddUpAreRefused() {
    ByteBuffer one = ByteBuffer.allocate(16 + 1 + 32);
    one.putLong(1).putLong(2).put((byte) 32);
    byte[] pair = one.array();
    IllegalStateException shortOf =
        assertThrows(
            IllegalStateException.class,
            () -> ReadStoredHashes.StoredShardRowMapper.unpack(2, pair));
    assertThat(shortOf.getMessage(), containsString("end early"));
    IllegalStateException tooMany =
        assertThrows(
            IllegalStateException.class,
            () -> ReadStoredHashes.StoredShardRowMapper.unpack(0, pair));
    assertThat(tooMany.getMessage(), containsString("more than"));
    assertThat(ReadStoredHashes.StoredShardRowMapper.unpack(1, pair).lsb(0), is(2L));
  }
}
