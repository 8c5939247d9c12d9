package org.rostersync.sandbox.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EntityType;
import org.rostersync.edlink.Integration;
import org.rostersync.hash.CanonicalHash;
import org.rostersync.sandbox.SourceComparison;
import org.rostersync.transforms.Ids;

/**
 * What a standalone Edlink (the simulator in its own process) serves for every active integration,
 * as {@code (id, canonical hash)}, fetched over HTTP: the truth a database is compared with after
 * each measured run. Holds hashes only, so a fleet of a million records stays small.
 */
final class SourceSnapshot {
  private final Map<UUID, Map<EntityType, Map<UUID, byte[]>>> hashes;
  private final long records;

  private SourceSnapshot(Map<UUID, Map<EntityType, Map<UUID, byte[]>>> hashes, long records) {
    this.hashes = hashes;
    this.records = records;
  }

  static SourceSnapshot fetch(EdlinkClient client) throws Exception {
    Map<UUID, Map<EntityType, Map<UUID, byte[]>>> hashes = new HashMap<>();
    long records = 0;
    for (Integration i : client.listIntegrations()) {
      if (!i.isActive() || !Ids.isUuid(i.id())) {
        continue;
      }
      Map<EntityType, Map<UUID, byte[]>> types = new EnumMap<>(EntityType.class);
      for (EntityType type : EntityType.values()) {
        Map<UUID, byte[]> m = new HashMap<>();
        client.fetchAll(
            i.accessToken(),
            type,
            page ->
                page.forEach(
                    r ->
                        m.put(
                            UUID.fromString(r.get("id").getAsString()), CanonicalHash.sha256(r))));
        types.put(type, m);
        records += m.size();
      }
      hashes.put(UUID.fromString(i.id()), types);
    }
    return new SourceSnapshot(hashes, records);
  }

  long records() {
    return records;
  }

  int integrations() {
    return hashes.size();
  }

  /** The whole database against the snapshot: rows missing, extra (any integration) or stale. */
  SourceComparison.Diff compare(BenchDb db) throws SQLException {
    long stored = 0, extra = 0, stale = 0, found = 0;
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT integration_id, entity_type, id, hash FROM roster_entities WHERE deleted_at IS NULL")) {
        ps.setFetchSize(10_000);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            stored++;
            Map<EntityType, Map<UUID, byte[]>> types = hashes.get((UUID) rs.getObject(1));
            byte[] want =
                types == null
                    ? null
                    : types.get(EntityType.fromPath(rs.getString(2))).get((UUID) rs.getObject(3));
            if (want == null) {
              extra++;
            } else {
              found++;
              if (!java.util.Arrays.equals(want, rs.getBytes(4))) {
                stale++;
              }
            }
          }
        }
      }
      c.rollback();
    }
    return new SourceComparison.Diff(records, stored, records - found, extra, stale);
  }
}
