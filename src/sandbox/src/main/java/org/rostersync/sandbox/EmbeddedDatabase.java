package org.rostersync.sandbox;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import org.rostersync.transforms.JdbcConfig;
import org.rostersync.transforms.SecretRef;

/**
 * A real PostgreSQL server started from Maven-delivered binaries (zonky), for the launcher and
 * tests.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** A throw-away server on a free port. */
  public static EmbeddedDatabase start() throws IOException {
    return new EmbeddedDatabase(EmbeddedPostgres.builder().start());
  }

  /**
   * A server whose files stay in {@code dataDirectory}, so the data can be inspected after a run.
   */
  public static EmbeddedDatabase start(Path dataDirectory, int port) throws IOException {
    return new EmbeddedDatabase(
        EmbeddedPostgres.builder()
            .setDataDirectory(dataDirectory)
            .setCleanDataDirectory(false)
            .setPort(port)
            .start());
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  public int port() {
    return postgres.getPort();
  }

  public JdbcConfig config() {
    return JdbcConfig.of(jdbcUrl(), "postgres", SecretRef.plain("postgres"));
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
