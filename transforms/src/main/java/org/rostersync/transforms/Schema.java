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
  private Schema() {}

  /** Brings the database at {@code jdbc} to the latest schema version. */
  public static MigrateResult migrate(JdbcConfig jdbc) {
    return Flyway.configure()
        .dataSource(jdbc.url(), jdbc.user(), jdbc.password().resolve())
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }
}
