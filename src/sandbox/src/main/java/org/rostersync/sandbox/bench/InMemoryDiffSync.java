package org.rostersync.sandbox.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EntityType;
import org.rostersync.hash.CanonicalHash;
import org.rostersync.transforms.WriteChanges;

/**
 * Baseline (c): the plain single-process program a team would write instead of this project. Per
 * entity type (the types run in parallel on a pool of the pipeline's width): read the stored {@code
 * (id, hash)} into a hash map, page the type from Edlink, hash each record canonically and diff it
 * against the map while fetching, upsert the creates and updates in batches, and once the fetch
 * completed delete what the map still holds. It uses the pipeline's SQL, so both leave the same
 * rows.
 */
final class InMemoryDiffSync {
  /** What one sync did. */
  record Result(long fetched, long created, long updated, long deleted) {
    long written() {
      return created + updated + deleted;
    }
  }

  private final EdlinkClient client;
  private final BenchDb db;
  private final int threads;
  private final int batchSize;

  InMemoryDiffSync(EdlinkClient client, BenchDb db, int threads, int batchSize) {
    this.client = client;
    this.db = db;
    this.threads = threads;
    this.batchSize = batchSize;
  }

  Result sync(String integrationId, String token) throws Exception {
    LongAdder created = new LongAdder();
    LongAdder updated = new LongAdder();
    LongAdder deleted = new LongAdder();
    long fetched =
        PerType.sum(
            threads, type -> syncType(integrationId, token, type, created, updated, deleted));
    return new Result(fetched, created.sum(), updated.sum(), deleted.sum());
  }

  private long syncType(
      String integrationId,
      String token,
      EntityType type,
      LongAdder created,
      LongAdder updated,
      LongAdder deleted)
      throws Exception {
    UUID integration = UUID.fromString(integrationId);
    Timestamp now = new Timestamp(System.currentTimeMillis());
    try (Connection c = db.connect()) {
      Map<UUID, byte[]> stored = readStored(c, type, integration);
      c.setAutoCommit(false);
      try (PreparedStatement upsert = c.prepareStatement(WriteChanges.upsertSql())) {
        int[] pending = {0};
        long fetched =
            client
                .fetchAll(
                    token,
                    type,
                    page -> {
                      try {
                        for (int k = 0; k < page.size(); k++) {
                          UUID id = UUID.fromString(page.id(k));
                          byte[] canonical = page.canonical(k).bytes();
                          byte[] hash = CanonicalHash.sha256(canonical);
                          byte[] old = stored.remove(id);
                          if (old != null && Arrays.equals(old, hash)) {
                            continue;
                          }
                          (old == null ? created : updated).increment();
                          upsert.setString(1, type.path());
                          upsert.setObject(2, integration);
                          upsert.setObject(3, id);
                          upsert.setBytes(4, hash);
                          upsert.setString(5, new String(canonical, StandardCharsets.UTF_8));
                          upsert.setTimestamp(6, now);
                          upsert.addBatch();
                          if (++pending[0] == batchSize) {
                            upsert.executeBatch();
                            c.commit();
                            pending[0] = 0;
                          }
                        }
                      } catch (SQLException e) {
                        throw new IllegalStateException(e);
                      }
                    })
                .records();
        if (pending[0] > 0) {
          upsert.executeBatch();
          c.commit();
        }
        // The fetch completed: whatever the map still holds is gone at the source.
        deleted.add(delete(c, type, integration, new ArrayList<>(stored.keySet())));
        return fetched;
      }
    }
  }

  private static Map<UUID, byte[]> readStored(Connection c, EntityType type, UUID integration)
      throws SQLException {
    Map<UUID, byte[]> stored = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT id, hash FROM roster_entities"
                + " WHERE entity_type = ? AND integration_id = ? AND deleted_at IS NULL")) {
      ps.setString(1, type.path());
      ps.setObject(2, integration);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          stored.put((UUID) rs.getObject(1), rs.getBytes(2));
        }
      }
    }
    return stored;
  }

  private long delete(Connection c, EntityType type, UUID integration, List<UUID> ids)
      throws SQLException {
    long n = 0;
    try (PreparedStatement ps = c.prepareStatement(WriteChanges.hardDeleteSql())) {
      for (int from = 0; from < ids.size(); from += batchSize) {
        List<UUID> chunk = ids.subList(from, Math.min(ids.size(), from + batchSize));
        ps.setString(1, type.path());
        ps.setObject(2, integration);
        ps.setArray(3, c.createArrayOf("uuid", chunk.toArray()));
        n += ps.executeUpdate();
      }
    }
    c.commit();
    return n;
  }
}
