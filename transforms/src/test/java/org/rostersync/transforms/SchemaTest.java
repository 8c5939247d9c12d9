package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rostersync.testing.TestDatabase;

/**
 * The migrations on a real PostgreSQL: idempotent, typed views work, and SQL shards ids like Java
 * does.
 */
class SchemaTest {
  @RegisterExtension static final TestDatabase.PerClass DB = TestDatabase.perClass();

  @Test
  void migrationsAreIdempotent() {
    assertThat(Schema.migrate(DB.get().config()).migrationsExecuted, is(0));
  }

  /**
   * The launcher's skip: current at the newest version, behind without it, and on an empty server.
   */
  @Test
  void aSchemaIsCurrentOnlyWithEveryMigrationOfThisBuild() throws Exception {
    assertThat(Schema.isCurrent(DB.get().config()), is(true));
    try (TestDatabase empty = TestDatabase.start()) {
      assertThat("no history table", Schema.isCurrent(empty.config()), is(false));
      Schema.migrateIfBehind(empty.config());
      assertThat(Schema.isCurrent(empty.config()), is(true));
      try (Connection c = empty.connect();
          Statement st = c.createStatement()) {
        st.executeUpdate(
            "DELETE FROM flyway_schema_history WHERE version = '" + Schema.NEWEST_VERSION + "'");
      }
      assertThat("the newest migration missing", Schema.isCurrent(empty.config()), is(false));
    }
  }

  @Test
  void sqlShardFunctionMatchesJava() throws Exception {
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ids.add(UUID.randomUUID());
    }
    // The ends of the id space too: the range scheme's first and last shards.
    ids.add(new UUID(0L, 0L));
    ids.add(new UUID(-1L, -1L));
    ids.add(new UUID(Long.MAX_VALUE, 0L));
    ids.add(new UUID(Long.MIN_VALUE, 0L));
    try (Connection c = DriverManager.getConnection(DB.get().jdbcUrl(), "postgres", "postgres");
        Statement st = c.createStatement()) {
      for (Sharding.Scheme scheme : Sharding.Scheme.values()) {
        for (int shards : new int[] {1, 7, 64, 511, 512}) {
          for (UUID id : ids) {
            String sql =
                "SELECT "
                    + scheme
                        .sql()
                        .replace("?", String.valueOf(shards))
                        .replace("id::text", "'" + id + "'::uuid::text");
            try (ResultSet rs = st.executeQuery(sql)) {
              rs.next();
              int java =
                  scheme.shardOf(id.getMostSignificantBits(), id.getLeastSignificantBits(), shards);
              assertThat(scheme + " shard of " + id, rs.getInt(1), equalTo(java));
              assertThat(java >= 0 && java < shards, is(true));
            }
          }
        }
      }
    }
  }

  @Test
  void rangeShardsFollowPostgresIdOrder() throws Exception {
    // Shard s of S holds one stretch of PostgreSQL's uuid order, so a batch written in id order
    // touches one narrow stretch of the primary key's index.
    try (Connection c = DriverManager.getConnection(DB.get().jdbcUrl(), "postgres", "postgres");
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT gen_random_uuid() AS id FROM generate_series(1, 2000) ORDER BY 1")) {
      int last = 0;
      int[] sizes = new int[16];
      while (rs.next()) {
        UUID id = (UUID) rs.getObject(1);
        int shard = Sharding.Scheme.ID_RANGE.shardOf(id.getMostSignificantBits(), 0L, 16);
        assertThat("shards never go back in id order", shard >= last, is(true));
        last = shard;
        sizes[shard]++;
      }
      for (int n : sizes) {
        assertThat("random ids fill the ranges about evenly: " + n, n > 60 && n < 200, is(true));
      }
    }
  }

  @Test
  void typedViewsExposeMainFields() throws Exception {
    UUID integration = UUID.randomUUID();
    UUID person = UUID.randomUUID();
    UUID school = UUID.randomUUID();
    try (Connection c = DriverManager.getConnection(DB.get().jdbcUrl(), "postgres", "postgres");
        Statement st = c.createStatement()) {
      st.executeUpdate(
          "INSERT INTO roster_entities (entity_type, integration_id, id, hash, data) VALUES ('people', '"
              + integration
              + "', '"
              + person
              + "', '\\x00', '{\"first_name\":\"Zoë\",\"roles\":[\"student\"],"
              + "\"school_ids\":[\""
              + school
              + "\"],\"graduation_year\":2031}')");
      try (ResultSet rs =
          st.executeQuery(
              "SELECT first_name, roles[1], graduation_year FROM people WHERE id = '"
                  + person
                  + "'")) {
        assertThat(rs.next(), is(true));
        assertThat(rs.getString(1), equalTo("Zoë"));
        assertThat(rs.getString(2), equalTo("student"));
        assertThat(rs.getInt(3), equalTo(2031));
      }
      try (ResultSet rs =
          st.executeQuery(
              "SELECT school_id FROM person_schools WHERE person_id = '" + person + "'")) {
        assertThat(rs.next(), is(true));
        assertThat(rs.getObject(1), equalTo(school));
      }
    }
  }
}
