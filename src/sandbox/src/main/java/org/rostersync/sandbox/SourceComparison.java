package org.rostersync.sandbox;

import com.google.gson.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.rostersync.edlink.EntityType;
import org.rostersync.hash.CanonicalHash;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.RosterType;
import org.rostersync.transforms.JdbcConfig;

/**
 * Compares what the database holds for an integration with what the source serves, per entity type,
 * by id and canonical hash: rows missing, extra, or stale (same id, other content).
 */
public final class SourceComparison {
  private SourceComparison() {}

  /** The difference for one type. */
  public record Diff(long source, long stored, long missing, long extra, long stale) {
    public boolean equal() {
      return missing == 0 && extra == 0 && stale == 0;
    }
  }

  public static Map<EntityType, Diff> compare(
      JdbcConfig jdbc, String integrationId, EdlinkSimulator source) throws SQLException {
    Map<EntityType, Diff> out = new EnumMap<>(EntityType.class);
    try (Connection c =
        DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password().resolve())) {
      for (EntityType type : EntityType.values()) {
        Map<UUID, byte[]> expected = new HashMap<>();
        for (JsonObject record : source.records(integrationId, RosterType.fromPath(type.path()))) {
          expected.put(
              UUID.fromString(record.get("id").getAsString()), CanonicalHash.sha256(record));
        }
        long stored = 0, extra = 0, stale = 0, found = 0;
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, hash FROM roster_entities WHERE entity_type = ?"
                    + " AND integration_id = ?::uuid AND deleted_at IS NULL")) {
          ps.setString(1, type.path());
          ps.setString(2, integrationId);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              stored++;
              byte[] want = expected.get((UUID) rs.getObject(1));
              if (want == null) {
                extra++;
              } else {
                found++;
                if (!Arrays.equals(want, rs.getBytes(2))) {
                  stale++;
                }
              }
            }
          }
        }
        out.put(type, new Diff(expected.size(), stored, expected.size() - found, extra, stale));
      }
    }
    return out;
  }

  /** Sums the per-type differences. */
  public static Diff total(Map<EntityType, Diff> diffs) {
    long source = 0, stored = 0, missing = 0, extra = 0, stale = 0;
    for (Diff d : diffs.values()) {
      source += d.source();
      stored += d.stored();
      missing += d.missing();
      extra += d.extra();
      stale += d.stale();
    }
    return new Diff(source, stored, missing, extra, stale);
  }
}
