package org.rostersync.transforms;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The tables the transforms read and write: Flyway migrations in {@code db/migration} of this
 * module's resources, next to the code that writes them. Applying them is idempotent, and safe when
 * several launchers start at once (Flyway serialises migrations with a PostgreSQL advisory lock).
 * The pipeline applies them before it runs ({@code org.rostersync.pipeline.Migrations}, also the
 * operator's command); tests apply them through the shared {@code TestDatabase} fixture.
 */
public final class Schema {
  /**
   * The newest migration this module carries ({@code MigrationSafetyTest} keeps it equal to the
   * highest {@code V<n>__} file).
   */
  public static final int NEWEST_VERSION = 7;

  private Schema() {}

  /**
   * Migrates unless the database already has every migration of this build: a run against a current
   * schema then costs one query instead of Flyway's scan of the bundled jar (≈170 MB) and its round
   * trips.
   */
  public static void migrateIfBehind(JdbcConfig jdbc) {
    if (!isCurrent(jdbc)) {
      migrate(jdbc);
    }
  }

  /** Every migration of this build applied, none failed. */
  static boolean isCurrent(JdbcConfig jdbc) {
    try (java.sql.Connection c =
            java.sql.DriverManager.getConnection(
                jdbc.url(), jdbc.user(), jdbc.password().resolve());
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FILTER (WHERE NOT success), max(version::int) FILTER (WHERE success)"
                    + " FROM flyway_schema_history WHERE version ~ '^[0-9]+$'")) {
      return rs.next() && rs.getInt(1) == 0 && rs.getInt(2) == NEWEST_VERSION;
    } catch (java.sql.SQLException e) {
      // No history table yet, or no way to tell: Flyway decides (and reports any real error).
      return false;
    }
  }

  /** Brings the database at {@code jdbc} to the latest schema version. */
  public static MigrateResult migrate(JdbcConfig jdbc) {
    return Flyway.configure()
        .dataSource(jdbc.url(), jdbc.user(), jdbc.password().resolve())
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }
}
