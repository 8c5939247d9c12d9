package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.testing.TestDatabase;
import org.rostersync.testing.TestSimulator;

/**
 * Secrets rotate while a streaming job runs for months: after the application secret or the
 * database password is rotated at its source, the next refused call reads it again and goes on,
 * without a worker restart.
 */
class SecretRotationTest {
  /** The secret store (Secret Manager in production). */
  static final Map<String, String> STORE = new ConcurrentHashMap<>();

  /**
   * Caches the value once read, as {@code SecretManagerSecret} does; {@link #refresh()} reads the
   * store again.
   */
  static final class StoredSecret implements SecretRef {
    private final String name;
    private transient String cached;

    StoredSecret(String name) {
      this.name = name;
    }

    @Override
    public String resolve() {
      if (cached == null) {
        cached = STORE.get(name);
      }
      return cached;
    }

    @Override
    public String refresh() {
      cached = STORE.get(name);
      return cached;
    }
  }

  private static EdlinkSimulator sim;

  @BeforeAll
  static void start() throws Exception {
    sim = TestSimulator.start(5L, "secret-one", DatasetSize.TINY, DatasetSize.TINY);
  }

  @AfterAll
  static void stop() {
    PooledDataSources.closeAll();
    sim.close();
  }

  /**
   * A worker-side DoFn that lists integrations through the Meta API the way ExpandJobs and PlanRuns
   * do.
   */
  static final class ListIntegrationsFn extends EdlinkClientFn<String, String> {
    ListIntegrationsFn(EdlinkConfig edlink) {
      super(edlink);
    }

    @ProcessElement
    public void process() {}

    List<org.rostersync.edlink.Integration> list() throws org.rostersync.edlink.EdlinkException {
      return withAppSecret(org.rostersync.edlink.EdlinkClient::listIntegrations);
    }
  }

  @Test
  void aRotatedApplicationSecretIsReadAgainAndTheTickGoesOn() throws Exception {
    STORE.put("edlink", "secret-one");
    ListIntegrationsFn fn =
        new ListIntegrationsFn(EdlinkConfig.of(sim.baseUrl(), new StoredSecret("edlink")));
    fn.setup();
    assertThat(fn.list(), hasSize(2));

    sim.rotateAppSecret("secret-two");
    STORE.put("edlink", "secret-two");
    assertThat("the same worker lists again after the rotation", fn.list(), hasSize(2));
    fn.teardown();
  }

  @Test
  void aRotatedDatabasePasswordIsReadAgainAndWorkGoesOn(@TempDir Path dir) throws Exception {
    try (TestDatabase db = TestDatabase.inDirectory(dir.resolve("pg"))) {
      try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
          Statement st = c.createStatement()) {
        st.execute("CREATE ROLE rotator LOGIN PASSWORD 'pw-one'");
      }
      // Password authentication for that role (the embedded server trusts everyone else).
      Path hba = dir.resolve("pg").resolve("pg_hba.conf");
      Files.writeString(
          hba,
          "host all rotator 127.0.0.1/32 scram-sha-256\nhost all rotator ::1/128 scram-sha-256\n"
              + Files.readString(hba));
      try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
          Statement st = c.createStatement()) {
        st.execute("SELECT pg_reload_conf()");
      }
      String plainUrl =
          db.jdbcUrl().replaceAll("user=[^&]*&?", "").replaceAll("password=[^&]*&?", "");
      java.sql.SQLException refused =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.sql.SQLException.class,
              () -> DriverManager.getConnection(plainUrl, "rotator", "wrong").close());
      assertThat("the server checks the password", refused.getSQLState(), equalTo("28P01"));
      STORE.put("db", "pw-one");
      JdbcConfig jdbc = JdbcConfig.of(plainUrl, "rotator", new StoredSecret("db"));
      DataSource ds = PooledDataSources.get(jdbc);
      assertThat(currentUser(ds), equalTo("rotator"));

      try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
          Statement st = c.createStatement()) {
        st.execute("ALTER ROLE rotator PASSWORD 'pw-two'");
        st.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'rotator'");
      }
      STORE.put("db", "pw-two");
      assertThat("work goes on with the rotated password", currentUser(ds), equalTo("rotator"));
      assertThat(PooledDataSources.refreshPassword(ds), is(true));
    }
  }

  private static String currentUser(DataSource ds) throws Exception {
    return Database.inTransaction(
        ds,
        c -> {
          try (Statement st = c.createStatement();
              ResultSet rs = st.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
          }
        });
  }
}
