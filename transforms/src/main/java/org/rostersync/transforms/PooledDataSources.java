package org.rostersync.transforms;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.apache.beam.sdk.transforms.SerializableFunction;

/**
 * One pooled DataSource per database per worker JVM, shared by every DoFn instance and thread. A
 * pool per DoFn instance would open (threads x steps) connections and can exhaust the server.
 */
public final class PooledDataSources {
  private static final Map<String, HikariDataSource> POOLS = new ConcurrentHashMap<>();
  private static final Map<DataSource, JdbcConfig> CONFIGS = new ConcurrentHashMap<>();

  private PooledDataSources() {}

  public static DataSource get(JdbcConfig config) {
    return POOLS.computeIfAbsent(
        config.poolKey(),
        k -> {
          HikariDataSource ds = create(config);
          CONFIGS.put(ds, config);
          return ds;
        });
  }

  /**
   * After the server refused the password: reads it again from its source (it may have been rotated
   * in Secret Manager) and lets the pool open new connections with it. Returns whether there is a
   * pool to refresh.
   */
  public static boolean refreshPassword(DataSource ds) {
    JdbcConfig config = CONFIGS.get(ds);
    if (config == null || !(ds instanceof HikariDataSource)) {
      return false;
    }
    HikariDataSource pool = (HikariDataSource) ds;
    pool.getHikariConfigMXBean().setPassword(config.password().refresh());
    if (pool.getHikariPoolMXBean() != null) {
      pool.getHikariPoolMXBean().softEvictConnections();
    }
    SyncMetrics.SECRET_REFRESHES.inc();
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
    POOLS.values().forEach(HikariDataSource::close);
    POOLS.clear();
    CONFIGS.clear();
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
}
