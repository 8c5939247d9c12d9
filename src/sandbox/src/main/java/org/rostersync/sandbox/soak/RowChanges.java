package org.rostersync.sandbox.soak;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.rostersync.transforms.JdbcConfig;

/**
 * What one round did to the stored rows, per (integration, type): rows gone, added and changed
 * since a snapshot taken before the round. The snapshot is a table in the database itself, so it
 * survives the restart.
 */
final class RowChanges {
  /** Changes of one (integration, type). */
  record Change(long gone, long added, long changed) {
    static final Change NONE = new Change(0, 0, 0);

    boolean none() {
      return gone == 0 && added == 0 && changed == 0;
    }
  }

  private static final String TABLE = "soak_round_snapshot";

  private RowChanges() {}

  static void snapshot(JdbcConfig jdbc) throws SQLException {
    try (Connection c = connect(jdbc);
        Statement st = c.createStatement()) {
      st.execute("DROP TABLE IF EXISTS " + TABLE);
      st.execute(
          "CREATE TABLE "
              + TABLE
              + " AS SELECT entity_type, integration_id, id, hash FROM roster_entities"
              + " WHERE deleted_at IS NULL");
    }
  }

  /**
   * Changes since {@link #snapshot}, keyed by {@code integrationId + "/" + type path}; absent means
   * none.
   */
  static Map<String, Change> since(JdbcConfig jdbc) throws SQLException {
    Map<String, Change> out = new HashMap<>();
    try (Connection c = connect(jdbc);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT coalesce(s.integration_id, r.integration_id)::text,"
                    + " coalesce(s.entity_type, r.entity_type),"
                    + " count(*) FILTER (WHERE r.id IS NULL), count(*) FILTER (WHERE s.id IS NULL),"
                    + " count(*) FILTER (WHERE s.id IS NOT NULL AND r.id IS NOT NULL AND s.hash <> r.hash)"
                    + " FROM "
                    + TABLE
                    + " s FULL JOIN (SELECT entity_type, integration_id, id, hash FROM roster_entities"
                    + " WHERE deleted_at IS NULL) r"
                    + " ON s.entity_type = r.entity_type AND s.integration_id = r.integration_id AND s.id = r.id"
                    + " WHERE r.id IS NULL OR s.id IS NULL OR s.hash <> r.hash GROUP BY 1, 2")) {
      while (rs.next()) {
        out.put(
            rs.getString(1) + "/" + rs.getString(2),
            new Change(rs.getLong(3), rs.getLong(4), rs.getLong(5)));
      }
    }
    return out;
  }

  static void drop(JdbcConfig jdbc) throws SQLException {
    try (Connection c = connect(jdbc);
        Statement st = c.createStatement()) {
      st.execute("DROP TABLE IF EXISTS " + TABLE);
    }
  }

  private static Connection connect(JdbcConfig jdbc) throws SQLException {
    return DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password().resolve());
  }
}
