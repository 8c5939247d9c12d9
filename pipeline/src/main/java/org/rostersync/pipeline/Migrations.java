package org.rostersync.pipeline;

import org.flywaydb.core.api.output.MigrateResult;
import org.rostersync.transforms.JdbcConfig;
import org.rostersync.transforms.Schema;

/**
 * Applies the schema ({@link Schema}: the Flyway migrations that ship in the transforms jar).
 * Idempotent, and safe when several launchers start at once: Flyway serialises migrations with a
 * PostgreSQL advisory lock. Also a command: {@code java -cp ... org.rostersync.pipeline.Migrations
 * --jdbcUrl=... [--jdbcUser=...]} (password from ROSTER_SYNC_JDBC_PASSWORD).
 */
public final class Migrations {
  /**
   * The newest migration this build carries ({@code MigrationSafetyTest} keeps it equal to the
   * highest {@code V<n>__} file).
   */
  static final int NEWEST_VERSION = 7;

  private Migrations() {}

  /**
   * Migrates unless the database already has every migration of this build: a run against a current
   * schema then costs one query instead of Flyway's scan of the bundled jar (≈170 MB) and its round
   * trips.
   */
  public static void applyIfBehind(JdbcConfig jdbc) {
    if (!isCurrent(jdbc)) {
      apply(jdbc);
    }
  }

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

  public static MigrateResult apply(JdbcConfig jdbc) {
    return Schema.migrate(jdbc);
  }

  public static void main(String[] args) {
    SyncOptions options =
        org.apache.beam.sdk.options.PipelineOptionsFactory.fromArgs(args)
            .withValidation()
            .as(SyncOptions.class);
    MigrateResult result = apply(SyncConfigs.jdbc(options));
    System.out.println(
        "schema at version "
            + result.targetSchemaVersion
            + " ("
            + result.migrationsExecuted
            + " migrations applied now)");
  }
}
