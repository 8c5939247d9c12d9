package org.rostersync.sandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.rostersync.edlink.EntityType;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.testing.TestDatabase;

/** What the end-to-end tests check after a sync: the database against the source, stored rows. */
final class SyncChecks {
  private SyncChecks() {}

  /** Every entity type of {@code integration}: the stored rows equal the source's records. */
  static void assertDatabaseEqualsSource(TestDatabase db, String integration, EdlinkSimulator sim)
      throws Exception {
    Map<EntityType, SourceComparison.Diff> diffs =
        SourceComparison.compare(db.config(), integration, sim);
    for (Map.Entry<EntityType, SourceComparison.Diff> e : diffs.entrySet()) {
      assertThat(
          integration + " " + e.getKey().path() + " " + e.getValue(),
          e.getValue().equal(),
          is(true));
    }
  }

  /** The first column of the first row of {@code sql}, as text. */
  /** One type's counts in a run's {@code sync_runs.counts}. */
  static com.google.gson.JsonObject typeCounts(SyncRunner.RunRow run, EntityType t) {
    return com.google.gson.JsonParser.parseString(run.countsJson())
        .getAsJsonObject()
        .getAsJsonObject(t.path());
  }

  static String scalar(TestDatabase db, String sql) throws SQLException {
    try (Connection c = db.connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Live (not soft-deleted) stored rows of one type of one integration. */
  static long storedRows(TestDatabase db, String integration, EntityType t) throws SQLException {
    return Long.parseLong(
        scalar(
            db,
            "SELECT count(*) FROM roster_entities WHERE integration_id = '"
                + integration
                + "' AND entity_type = '"
                + t.path()
                + "' AND deleted_at IS NULL"));
  }
}
