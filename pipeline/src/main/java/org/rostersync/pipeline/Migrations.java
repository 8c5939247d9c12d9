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
  private Migrations() {}

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
