package org.rostersync.transforms;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * Streaming admission: one run per integration at a time, and no pile-up of duplicate jobs. A run takes a lease
 * row in {@code sync_leases} (released by {@link RecordRuns}); a job for an integration whose run started less than
 * {@code dedupWindow} ago is collapsed into it; a later job waits in state (only the newest one) and is retried on
 * a processing-time timer until the lease is free. Nothing interleaves writes of one integration.
 */
public final class AdmitRuns extends PTransform<PCollection<SyncJob>, PCollection<SyncJob>> {
  private static final Counter COLLAPSED = Metrics.counter(SyncMetrics.NAMESPACE, "jobs_collapsed");
  private static final Counter QUEUED = Metrics.counter(SyncMetrics.NAMESPACE, "jobs_queued");

  static final String ACQUIRE = "INSERT INTO sync_leases (integration_id, run_id, acquired_at, expires_at)"
      + " VALUES (?, ?, now(), now() + ?::interval)"
      + " ON CONFLICT (integration_id) DO UPDATE SET run_id = EXCLUDED.run_id, acquired_at = EXCLUDED.acquired_at,"
      + " expires_at = EXCLUDED.expires_at WHERE sync_leases.expires_at < now() OR sync_leases.run_id = EXCLUDED.run_id"
      + " RETURNING run_id";
  static final String HOLDER = "SELECT run_id, extract(epoch from acquired_at) * 1000 FROM sync_leases"
      + " WHERE integration_id = ?";

  private final JdbcConfig jdbc;
  private final Duration dedupWindow;
  private final Duration retryEvery;
  private final Duration leaseTtl;

  private AdmitRuns(JdbcConfig jdbc, Duration dedupWindow, Duration retryEvery, Duration leaseTtl) {
    this.jdbc = jdbc;
    this.dedupWindow = dedupWindow;
    this.retryEvery = retryEvery;
    this.leaseTtl = leaseTtl;
  }

  public static AdmitRuns using(JdbcConfig jdbc) {
    return new AdmitRuns(jdbc, Duration.standardMinutes(5), Duration.standardSeconds(10),
        Duration.standardHours(6));
  }

  public AdmitRuns withDedupWindow(Duration window) {
    return new AdmitRuns(jdbc, window, retryEvery, leaseTtl);
  }

  public AdmitRuns withRetryEvery(Duration every) {
    return new AdmitRuns(jdbc, dedupWindow, every, leaseTtl);
  }

  @Override
  public PCollection<SyncJob> expand(PCollection<SyncJob> jobs) {
    if (jdbc == null) {
      throw new IllegalStateException("AdmitRuns needs a JdbcConfig");
    }
    return jobs
        .apply("KeyByIntegration", WithKeys.of(SyncJob::integrationId).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(SyncJob.class)))
        .apply("OneRunPerIntegration", ParDo.of(new AdmitRunFn(jdbc, dedupWindow, retryEvery, leaseTtl)))
        .setCoder(SerializableCoder.of(SyncJob.class));
  }

  static final class AdmitRunFn extends DoFn<KV<String, SyncJob>, SyncJob> {
    @StateId("pending")
    private final StateSpec<ValueState<SyncJob>> pendingSpec = StateSpecs.value(SerializableCoder.of(SyncJob.class));

    @TimerId("retry")
    private final TimerSpec retrySpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    private final JdbcConfig jdbc;
    private final Duration dedupWindow;
    private final Duration retryEvery;
    private final Duration leaseTtl;
    private transient DataSource ds;

    AdmitRunFn(JdbcConfig jdbc, Duration dedupWindow, Duration retryEvery, Duration leaseTtl) {
      this.jdbc = jdbc;
      this.dedupWindow = dedupWindow;
      this.retryEvery = retryEvery;
      this.leaseTtl = leaseTtl;
    }

    @Setup
    public void setup() {
      ds = PooledDataSources.get(jdbc);
    }

    @ProcessElement
    public void process(@Element KV<String, SyncJob> element, @StateId("pending") ValueState<SyncJob> pending,
        @TimerId("retry") Timer retry, OutputReceiver<SyncJob> out) throws SQLException {
      SyncJob job = element.getValue();
      if (pending.read() != null) {
        // One job already waits; the newest one replaces it, so a burst runs once after the current run.
        COLLAPSED.inc();
        pending.write(job);
        return;
      }
      admitOrWait(job, pending, retry, out, true);
    }

    @OnTimer("retry")
    public void onRetry(@StateId("pending") ValueState<SyncJob> pending, @TimerId("retry") Timer retry,
        OutputReceiver<SyncJob> out) throws SQLException {
      SyncJob job = pending.read();
      if (job != null) {
        admitOrWait(job, pending, retry, out, false);
      }
    }

    private void admitOrWait(SyncJob job, ValueState<SyncJob> pending, Timer retry, OutputReceiver<SyncJob> out,
        boolean fresh) throws SQLException {
      Holder holder = Database.inTransaction(ds, c -> {
        UUID integration = UUID.fromString(job.integrationId());
        try (PreparedStatement ps = c.prepareStatement(ACQUIRE)) {
          ps.setObject(1, integration);
          ps.setString(2, job.runId());
          ps.setString(3, leaseTtl.getStandardSeconds() + " seconds");
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              return null;
            }
          }
        }
        try (PreparedStatement ps = c.prepareStatement(HOLDER)) {
          ps.setObject(1, integration);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Holder(rs.getString(1), (long) rs.getDouble(2)) : new Holder("?", 0);
          }
        }
      });
      if (holder == null) {
        pending.clear();
        out.output(job);
        return;
      }
      if (fresh && job.startedAtMillis() - holder.acquiredAtMillis() < dedupWindow.getMillis()) {
        COLLAPSED.inc();
        return;
      }
      if (fresh) {
        QUEUED.inc();
      }
      pending.write(job);
      retry.offset(retryEvery).setRelative();
    }

    private record Holder(String runId, long acquiredAtMillis) {}
  }
}
