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
 * Streaming admission: one run per integration at a time, and no pile-up of duplicate jobs.
 *
 * <ul>
 *   <li>A job published before the last run of its integration was admitted, and asking for no more than that run
 *       (same or fewer types, not a full sync after an auto one, no delete approval), is collapsed into it: that
 *       run's fetch starts after the job was published, so it already sees everything the job would.
 *   <li>Otherwise a run takes a lease row in {@code sync_leases} (released by {@link RecordRuns}); while another run
 *       holds it, the job waits in state (only the newest waiting job is kept) and is retried on a processing-time
 *       timer. So writes of one integration never interleave.
 * </ul>
 */
public final class AdmitRuns extends PTransform<PCollection<SyncJob>, PCollection<SyncJob>> {
  private static final Counter COLLAPSED = Metrics.counter(SyncMetrics.NAMESPACE, "jobs_collapsed");
  private static final Counter QUEUED = Metrics.counter(SyncMetrics.NAMESPACE, "jobs_queued");

  static final String ACQUIRE = "INSERT INTO sync_leases (integration_id, run_id, acquired_at, expires_at)"
      + " VALUES (?, ?, now(), now() + ?::interval)"
      + " ON CONFLICT (integration_id) DO UPDATE SET run_id = EXCLUDED.run_id, acquired_at = EXCLUDED.acquired_at,"
      + " expires_at = EXCLUDED.expires_at WHERE sync_leases.expires_at < now() OR sync_leases.run_id = EXCLUDED.run_id"
      + " RETURNING run_id";
  static final String HOLDER = "SELECT run_id FROM sync_leases WHERE integration_id = ?";

  private final JdbcConfig jdbc;
  private final Duration retryEvery;
  private final Duration leaseTtl;

  private AdmitRuns(JdbcConfig jdbc, Duration retryEvery, Duration leaseTtl) {
    this.jdbc = jdbc;
    this.retryEvery = retryEvery;
    this.leaseTtl = leaseTtl;
  }

  public static AdmitRuns using(JdbcConfig jdbc) {
    return new AdmitRuns(jdbc, Duration.standardSeconds(10), Duration.standardHours(6));
  }

  public AdmitRuns withRetryEvery(Duration every) {
    return new AdmitRuns(jdbc, every, leaseTtl);
  }

  @Override
  public PCollection<SyncJob> expand(PCollection<SyncJob> jobs) {
    if (jdbc == null) {
      throw new IllegalStateException("AdmitRuns needs a JdbcConfig");
    }
    return jobs
        .apply("KeyByIntegration", WithKeys.of(SyncJob::integrationId).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(SyncJob.class)))
        .apply("OneRunPerIntegration", ParDo.of(new AdmitRunFn(jdbc, retryEvery, leaseTtl)))
        .setCoder(SerializableCoder.of(SyncJob.class));
  }

  static final class AdmitRunFn extends DoFn<KV<String, SyncJob>, SyncJob> {
    @StateId("pending")
    private final StateSpec<ValueState<SyncJob>> pendingSpec = StateSpecs.value(SerializableCoder.of(SyncJob.class));

    @StateId("lastAdmitted")
    private final StateSpec<ValueState<SyncJob>> lastAdmittedSpec =
        StateSpecs.value(SerializableCoder.of(SyncJob.class));

    @StateId("lastAdmittedAt")
    private final StateSpec<ValueState<Long>> lastAdmittedAtSpec = StateSpecs.value();

    @TimerId("retry")
    private final TimerSpec retrySpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    private final JdbcConfig jdbc;
    private final Duration retryEvery;
    private final Duration leaseTtl;
    private transient DataSource ds;

    AdmitRunFn(JdbcConfig jdbc, Duration retryEvery, Duration leaseTtl) {
      this.jdbc = jdbc;
      this.retryEvery = retryEvery;
      this.leaseTtl = leaseTtl;
    }

    @Setup
    public void setup() {
      ds = PooledDataSources.get(jdbc);
    }

    @ProcessElement
    public void process(@Element KV<String, SyncJob> element, @Timestamp org.joda.time.Instant publishedAt,
        @StateId("pending") ValueState<SyncJob> pending, @StateId("lastAdmitted") ValueState<SyncJob> lastAdmitted,
        @StateId("lastAdmittedAt") ValueState<Long> lastAdmittedAt, @TimerId("retry") Timer retry,
        OutputReceiver<SyncJob> out) throws SQLException {
      SyncJob job = element.getValue();
      SyncJob last = lastAdmitted.read();
      Long lastAt = lastAdmittedAt.read();
      if (last != null && lastAt != null && covers(last, job) && publishedAt.getMillis() <= lastAt) {
        COLLAPSED.inc();
        return;
      }
      if (pending.read() != null) {
        // One job already waits; the newest one replaces it, so a burst runs once after the current run.
        COLLAPSED.inc();
        pending.write(job);
        return;
      }
      if (admitOrWait(job, pending, retry, out)) {
        lastAdmitted.write(job);
        lastAdmittedAt.write(System.currentTimeMillis());
      }
    }

    /** Whether running {@code earlier} already does everything {@code later} asks for. */
    static boolean covers(SyncJob earlier, SyncJob later) {
      return earlier.entityTypes().containsAll(later.entityTypes())
          && (later.mode() == SyncJob.Mode.AUTO || earlier.mode() == SyncJob.Mode.FULL)
          && (!later.approveDeletes() || earlier.approveDeletes());
    }

    @OnTimer("retry")
    public void onRetry(@StateId("pending") ValueState<SyncJob> pending,
        @StateId("lastAdmitted") ValueState<SyncJob> lastAdmitted,
        @StateId("lastAdmittedAt") ValueState<Long> lastAdmittedAt, @TimerId("retry") Timer retry,
        OutputReceiver<SyncJob> out) throws SQLException {
      SyncJob job = pending.read();
      if (job != null && admitOrWait(job, pending, retry, out)) {
        lastAdmitted.write(job);
        lastAdmittedAt.write(System.currentTimeMillis());
      }
    }

    /** Emits the job if it gets the lease (true), else parks it and schedules a retry. */
    private boolean admitOrWait(SyncJob job, ValueState<SyncJob> pending, Timer retry, OutputReceiver<SyncJob> out)
        throws SQLException {
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
            return new Holder(rs.next() ? rs.getString(1) : "?");
          }
        }
      });
      if (holder == null) {
        pending.clear();
        out.output(job);
        return true;
      }
      if (pending.read() == null) {
        QUEUED.inc();
      }
      pending.write(job);
      retry.offset(retryEvery).setRelative();
      return false;
    }

    private record Holder(String runId) {}
  }
}
