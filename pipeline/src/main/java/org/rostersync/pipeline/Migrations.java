package org.rostersync.pipeline;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.rostersync.transforms.JdbcConfig;

/**
 * Applies the schema with Flyway. Idempotent, and safe when several launchers start at once: Flyway
 * serialises migrations with a PostgreSQL advisory lock. Also a command: {@code java -cp ...
 * org.rostersync.pipeline.Migrations --jdbcUrl=... [--jdbcUser=...]} (password from
 * ROSTER_SYNC_JDBC_PASSWORD).
 */
public final class Migrations {
  private Migrations() {}

  public static MigrateResult apply(JdbcConfig jdbc) {
    return Flyway.configure()
        .dataSource(jdbc.url(), jdbc.user(), jdbc.password().resolve())
        .locations("classpath:db/migration")
        .load()
        .migrate();
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
