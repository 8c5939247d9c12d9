package org.rostersync.sandbox.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;
import org.rostersync.transforms.JdbcConfig;

/**
 * The benchmark's plain JDBC access to the roster database: connections for the baselines, resets,
 * write checks.
 */
final class BenchDb {
  private final JdbcConfig jdbc;

  BenchDb(JdbcConfig jdbc) {
    this.jdbc = jdbc;
  }

  JdbcConfig config() {
    return jdbc;
  }

  /**
   * A connection with the same pgjdbc settings the pipeline's pool uses (multi-row batched
   * inserts).
   */
  Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", jdbc.user());
    p.setProperty("password", jdbc.password().resolve());
    p.setProperty("reWriteBatchedInserts", "true");
    p.setProperty("ApplicationName", "roster-sync-bench");
    return DriverManager.getConnection(jdbc.url(), p);
  }

  /** An empty database for a cold scenario: roster rows and all sync bookkeeping go. */
  void reset() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(
          "TRUNCATE roster_entities, sync_runs, sync_state, sync_leases, dead_letter_records");
    }
    vacuum();
  }

  /**
   * Settles the tables between scenarios so no scenario pays for the previous one's dead tuples.
   */
  void vacuum() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("VACUUM ANALYZE roster_entities");
      // Flush the dirty pages now, not during the next scenario.
      s.execute("CHECKPOINT");
    }
  }

  /** The next transaction id: rows whose xmin is at least this were written afterwards. */
  long nextXid() throws SQLException {
    return queryLong("SELECT txid_current() + 1", null);
  }

  /**
   * Row versions of the integration written since {@code xid} (inserts and updates; deletes leave
   * none).
   */
  long rowVersionsSince(String integrationId, long xid) throws SQLException {
    try (Connection c = connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM roster_entities WHERE integration_id = ? AND xmin::text::bigint >= ?")) {
      ps.setObject(1, UUID.fromString(integrationId));
      ps.setLong(2, xid);
      return single(ps);
    }
  }

  /** Row versions of any integration written since {@code xid}. */
  long rowVersionsSince(long xid) throws SQLException {
    try (Connection c = connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM roster_entities WHERE xmin::text::bigint >= ?")) {
      ps.setLong(1, xid);
      return single(ps);
    }
  }

  long liveRows(String integrationId) throws SQLException {
    return queryLong(
        "SELECT count(*) FROM roster_entities WHERE integration_id = ? AND deleted_at IS NULL",
        integrationId);
  }

  private long queryLong(String sql, String integrationId) throws SQLException {
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement(sql)) {
      if (integrationId != null) {
        ps.setObject(1, UUID.fromString(integrationId));
      }
      return single(ps);
    }
  }

  private static long single(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
