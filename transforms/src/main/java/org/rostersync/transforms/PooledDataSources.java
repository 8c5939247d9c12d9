package org.rostersync.transforms;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.apache.beam.sdk.transforms.SerializableFunction;

/**
 * One pooled DataSource per database per worker JVM, shared by every DoFn instance and thread. A
 * pool per DoFn instance would open (threads x steps) connections and can exhaust the server.
 */
public final class PooledDataSources {
  private static final Map<String, RotatingPool> POOLS = new ConcurrentHashMap<>();

  private PooledDataSources() {}

  public static DataSource get(JdbcConfig config) {
    return POOLS.computeIfAbsent(config.poolKey(), k -> new RotatingPool(create(config), config));
  }

  /**
   * Reads the password of a pool from {@link #get} again from its source and lets the pool open new
   * connections with it. Returns whether {@code ds} is such a pool.
   */
  public static boolean refreshPassword(DataSource ds) {
    if (!(ds instanceof RotatingPool)) {
      return false;
    }
    ((RotatingPool) ds).refreshPassword();
    return true;
  }

  /** For {@code JdbcIO.withDataSourceProviderFn}. */
  public static SerializableFunction<Void, DataSource> providerFn(JdbcConfig config) {
    return ignored -> get(config);
  }

  /**
   * For JdbcIO reads: the shared pool, with queries that retry transient failures on a fresh
   * connection.
   */
  public static SerializableFunction<Void, DataSource> retryingProviderFn(JdbcConfig config) {
    return ignored -> RetryingQueries.wrap(get(config));
  }

  /**
   * Closes every pool of this JVM (tests and the local launcher, between runs against different
   * servers).
   */
  public static synchronized void closeAll() {
    POOLS.values().forEach(p -> p.pool.close());
    POOLS.clear();
  }

  private static HikariDataSource create(JdbcConfig config) {
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(config.url());
    hc.setUsername(config.user());
    hc.setPassword(config.password().resolve());
    hc.setMaximumPoolSize(config.maxPoolSize());
    hc.setMinimumIdle(0);
    hc.setPoolName("roster-sync");
    // Multi-row inserts for the upsert batches; cursors for large reads need autocommit off (JdbcIO
    // does that).
    hc.addDataSourceProperty("reWriteBatchedInserts", "true");
    hc.addDataSourceProperty("ApplicationName", "roster-sync");
    return new HikariDataSource(hc);
  }

  /**
   * The shared pool. A connection the server refuses for its credentials (SQLState class 28) reads
   * the password again from its source once (it may have been rotated in Secret Manager) and is
   * tried again, so every user of the pool survives a rotation without a worker restart.
   */
  private static final class RotatingPool implements DataSource {
    final HikariDataSource pool;
    private final JdbcConfig config;

    RotatingPool(HikariDataSource pool, JdbcConfig config) {
      this.pool = pool;
      this.config = config;
    }

    @Override
    public Connection getConnection() throws SQLException {
      try {
        return pool.getConnection();
      } catch (SQLException e) {
        if (!Database.isAuthFailure(e)) {
          throw e;
        }
        refreshPassword();
        return pool.getConnection();
      }
    }

    synchronized void refreshPassword() {
      pool.getHikariConfigMXBean().setPassword(config.password().refresh());
      if (pool.getHikariPoolMXBean() != null) {
        pool.getHikariPoolMXBean().softEvictConnections();
      }
      SyncMetrics.SECRET_REFRESHES.inc();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return pool.getConnection(user, password);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      return iface.isInstance(this) ? iface.cast(this) : pool.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
      return iface.isInstance(this) || pool.isWrapperFor(iface);
    }
  }
}
