package org.rostersync.sandbox.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.UUID;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EntityType;
import org.rostersync.hash.CanonicalHash;
import org.rostersync.transforms.WriteChanges;

/**
 * Baseline (d): the naive sync, one {@code INSERT ... ON CONFLICT} statement and one transaction
 * (autocommit) per record, types one after another on one connection.
 */
final class NaivePerRowSync {
  private NaivePerRowSync() {}

  /** Rows written. */
  static long run(EdlinkClient client, BenchDb db, String integrationId, String token)
      throws Exception {
    UUID integration = UUID.fromString(integrationId);
    long written = 0;
    try (Connection c = db.connect();
        PreparedStatement ps = c.prepareStatement(WriteChanges.upsertSql())) {
      c.setAutoCommit(true);
      for (EntityType type : EntityType.values()) {
        long[] n = {0};
        client.fetchAll(
            token,
            type,
            page -> {
              try {
                for (int k = 0; k < page.size(); k++) {
                  byte[] canonical = page.canonical(k).bytes();
                  ps.setString(1, type.path());
                  ps.setObject(2, integration);
                  ps.setObject(3, UUID.fromString(page.id(k)));
                  ps.setBytes(4, CanonicalHash.sha256(canonical));
                  ps.setString(5, new String(canonical, StandardCharsets.UTF_8));
                  ps.setTimestamp(6, new Timestamp(System.currentTimeMillis()));
                  n[0] += ps.executeUpdate();
                }
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
            });
        written += n[0];
      }
    }
    return written;
  }
}
