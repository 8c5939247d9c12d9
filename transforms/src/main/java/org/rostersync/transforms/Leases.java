package org.rostersync.transforms;

import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-integration lease that keeps two runs of one integration from writing at once (streaming
 * and batch). A lease has a short expiry and is renewed while its run is alive, so a drained,
 * cancelled or crashed run blocks its integration for at most one expiry; a run that never finishes
 * is expired (recorded {@code failed}) after {@code maxRunDuration}. Behind an interface so
 * admission can be tested without PostgreSQL.
 */
public interface Leases extends Serializable {
  /**
   * Takes (or renews, for the same run) the lease; returns null when {@code runId} holds it, else
   * the holder.
   */
  String acquire(String integrationId, String runId, Duration ttl) throws SQLException;

  /**
   * Pushes the expiry out; false when {@code runId} no longer holds the lease (ended, or expired
   * and taken).
   */
  boolean renew(String integrationId, String runId, Duration ttl) throws SQLException;

  /**
   * A run that did not end in time: records it {@code failed} with the reason unless it was
   * recorded already, and releases its lease.
   */
  void expire(SyncJob run, String reason) throws SQLException;

  /** The leases in {@code sync_leases}, runs in {@code sync_runs}. */
  static Leases jdbc(JdbcConfig jdbc) {
    return new Jdbc(jdbc);
  }

  /** PostgreSQL implementation. */
  final class Jdbc implements Leases {
    private static final long serialVersionUID = 1L;
    static final String ACQUIRE =
        "INSERT INTO sync_leases (integration_id, run_id, acquired_at, expires_at)"
            + " VALUES (?, ?, now(), now() + ?::interval)"
            + " ON CONFLICT (integration_id) DO UPDATE SET run_id = EXCLUDED.run_id,"
            + " acquired_at = CASE WHEN sync_leases.run_id = EXCLUDED.run_id THEN sync_leases.acquired_at"
            + " ELSE EXCLUDED.acquired_at END, expires_at = EXCLUDED.expires_at"
            + " WHERE sync_leases.expires_at < now() OR sync_leases.run_id = EXCLUDED.run_id"
            + " RETURNING run_id";
    static final String HOLDER = "SELECT run_id FROM sync_leases WHERE integration_id = ?";
    static final String RENEW =
        "UPDATE sync_leases SET expires_at = now() + ?::interval"
            + " WHERE integration_id = ? AND run_id = ?";
    static final String RECORD_EXPIRED =
        "INSERT INTO sync_runs (run_id, integration_id, request_id, request_ids,"
            + " mode, status, started_at, finished_at, error) VALUES (?, ?, ?, ?, ?, 'failed', ?, now(), ?)"
            + " ON CONFLICT (run_id, integration_id) DO NOTHING";
    static final String RELEASE = "DELETE FROM sync_leases WHERE integration_id = ? AND run_id = ?";

    private final JdbcConfig jdbc;
    private transient DataSource ds;

    Jdbc(JdbcConfig jdbc) {
      this.jdbc = jdbc;
    }

    private DataSource ds() {
      if (ds == null) {
        ds = PooledDataSources.get(jdbc);
      }
      return ds;
    }

    @Override
    public String acquire(String integrationId, String runId, Duration ttl) throws SQLException {
      return Database.inTransaction(
          ds(),
          c -> {
            UUID integration = UUID.fromString(integrationId);
            try (PreparedStatement ps = c.prepareStatement(ACQUIRE)) {
              ps.setObject(1, integration);
              ps.setString(2, runId);
              ps.setString(3, ttl.getMillis() + " milliseconds");
              try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                  return null;
                }
              }
            }
            try (PreparedStatement ps = c.prepareStatement(HOLDER)) {
              ps.setObject(1, integration);
              try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "?";
              }
            }
          });
    }

    @Override
    public boolean renew(String integrationId, String runId, Duration ttl) throws SQLException {
      return Database.inTransaction(
          ds(),
          c -> {
            try (PreparedStatement ps = c.prepareStatement(RENEW)) {
              ps.setString(1, ttl.getMillis() + " milliseconds");
              ps.setObject(2, UUID.fromString(integrationId));
              ps.setString(3, runId);
              return ps.executeUpdate() > 0;
            }
          });
    }

    @Override
    public void expire(SyncJob run, String reason) throws SQLException {
      Database.inTransaction(
          ds(),
          c -> {
            UUID integration = UUID.fromString(run.integrationId());
            try (PreparedStatement ps = c.prepareStatement(RECORD_EXPIRED)) {
              ps.setString(1, run.runId());
              ps.setObject(2, integration);
              ps.setString(3, run.requestId());
              ps.setArray(
                  4,
                  run.requestIds().isEmpty()
                      ? null
                      : c.createArrayOf("text", run.requestIds().toArray()));
              ps.setString(5, run.mode().name().toLowerCase(java.util.Locale.ROOT));
              ps.setTimestamp(6, new Timestamp(run.startedAtMillis()));
              ps.setString(7, reason);
              ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(RELEASE)) {
              ps.setObject(1, integration);
              ps.setString(2, run.runId());
              ps.executeUpdate();
            }
            return null;
          });
    }
  }

  /**
   * Keeps the leases of the runs this JVM planned alive while the JVM lives (batch has no timers to
   * do it): every quarter expiry it renews each registered lease until its run released it, lost
   * it, or ran out of time. When the job is cancelled or the worker dies, renewals stop and the
   * lease lapses within one expiry.
   */
  final class Heartbeat {
    private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);
    private static final Map<String, Entry> RUNS = new ConcurrentHashMap<>();
    private static ScheduledExecutorService timer;

    private record Entry(
        Leases leases, String integrationId, String runId, Duration ttl, long deadlineMillis) {}

    private Heartbeat() {}

    static synchronized void keepAlive(
        Leases leases, String integrationId, String runId, Duration ttl, Duration maxRunDuration) {
      RUNS.put(
          integrationId + "/" + runId,
          new Entry(
              leases,
              integrationId,
              runId,
              ttl,
              System.currentTimeMillis() + maxRunDuration.getMillis()));
      if (timer == null) {
        timer =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "lease-heartbeat");
                  t.setDaemon(true);
                  return t;
                });
        long every = Math.max(1_000, ttl.getMillis() / 4);
        timer.scheduleWithFixedDelay(Heartbeat::beat, every, every, TimeUnit.MILLISECONDS);
      }
    }

    static void forget(String integrationId, String runId) {
      RUNS.remove(integrationId + "/" + runId);
    }

    private static void beat() {
      long now = System.currentTimeMillis();
      for (Map.Entry<String, Entry> e : RUNS.entrySet()) {
        Entry run = e.getValue();
        try {
          if (now > run.deadlineMillis()
              || !run.leases().renew(run.integrationId(), run.runId(), run.ttl())) {
            RUNS.remove(e.getKey());
          }
        } catch (SQLException | RuntimeException ex) {
          LOG.warn("renewing the lease of run {} failed: {}", run.runId(), ex.toString());
        }
      }
    }
  }
}
