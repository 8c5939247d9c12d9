package org.rostersync.transforms;

import java.sql.SQLException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
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
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * Streaming admission: one run per integration at a time, and no pile-up of duplicate jobs.
 *
 * <ul>
 *   <li>A job published before the last run of its integration was admitted, and asking for no more
 *       than that run (same or fewer types, not a full sync after an auto one, no delete approval),
 *       is collapsed into it: that run's fetch starts after the job was published, so it already
 *       sees everything the job would.
 *   <li>Otherwise a run takes the integration's {@link Leases lease} (released by {@link
 *       RecordRuns}); while another run holds it, the job waits in state and is retried on a
 *       processing-time timer. Jobs that arrive while one waits are merged into it ({@link
 *       SyncJob#mergedWith}: union of types, {@code full} wins, approvals OR'ed, every request id
 *       kept), so nothing an operator asked for is lost behind a scheduler tick.
 *   <li>While its run is in flight the same timer renews the lease (every quarter of its expiry);
 *       after {@code maxRunDuration} the run is expired: recorded {@code failed} and its lease
 *       released. A drained or cancelled pipeline stops renewing, so the integration is free again
 *       one expiry later.
 * </ul>
 *
 * <p>State is keyed by integration, so it is bounded by the number of integrations, not of runs.
 */
public final class AdmitRuns extends PTransform<PCollection<SyncJob>, PCollection<SyncJob>> {
  private static final Counter COLLAPSED = Metrics.counter(SyncMetrics.NAMESPACE, "jobs_collapsed");
  private static final Counter MERGED = Metrics.counter(SyncMetrics.NAMESPACE, "jobs_merged");
  private static final Counter QUEUED = Metrics.counter(SyncMetrics.NAMESPACE, "jobs_queued");
  private static final Counter EXPIRED = Metrics.counter(SyncMetrics.NAMESPACE, "runs_expired");

  private final Leases leases;
  private final Duration retryEvery;
  private final Duration leaseTtl;
  private final Duration maxRunDuration;

  private AdmitRuns(
      Leases leases, Duration retryEvery, Duration leaseTtl, Duration maxRunDuration) {
    this.leases = leases;
    this.retryEvery = retryEvery;
    this.leaseTtl = leaseTtl;
    this.maxRunDuration = maxRunDuration;
  }

  public static AdmitRuns using(JdbcConfig jdbc) {
    return using(Leases.jdbc(jdbc));
  }

  public static AdmitRuns using(Leases leases) {
    return new AdmitRuns(
        leases,
        Duration.standardSeconds(10),
        SyncDefaults.joda(SyncDefaults.LEASE_TTL),
        SyncDefaults.joda(SyncDefaults.MAX_RUN_DURATION));
  }

  public AdmitRuns withRetryEvery(java.time.Duration every) {
    return new AdmitRuns(
        leases,
        SyncDefaults.joda(PlanRuns.checkPositive("retryEvery", every)),
        leaseTtl,
        maxRunDuration);
  }

  /**
   * How long a lease lasts without renewal: the longest an abandoned run blocks its integration.
   */
  public AdmitRuns withLeaseTtl(java.time.Duration ttl) {
    return new AdmitRuns(
        leases,
        retryEvery,
        SyncDefaults.joda(PlanRuns.checkPositive("leaseTtl", ttl)),
        maxRunDuration);
  }

  /** After this long a run that has not ended is recorded failed and its lease released. */
  public AdmitRuns withMaxRunDuration(java.time.Duration max) {
    return new AdmitRuns(
        leases,
        retryEvery,
        leaseTtl,
        SyncDefaults.joda(PlanRuns.checkPositive("maxRunDuration", max)));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("leaseTtl", leaseTtl).withLabel("Lease TTL"))
        .add(DisplayData.item("maxRunDuration", maxRunDuration).withLabel("Longest run"))
        .add(
            DisplayData.item("retryEvery", retryEvery)
                .withLabel("A waiting job retries its lease every"));
  }

  @Override
  public PCollection<SyncJob> expand(PCollection<SyncJob> jobs) {
    if (leases == null) {
      throw new IllegalStateException("AdmitRuns needs leases (a JdbcConfig)");
    }
    if (retryEvery.getMillis() <= 0
        || leaseTtl.getMillis() < 4_000
        || maxRunDuration.isShorterThan(leaseTtl)) {
      throw new IllegalArgumentException(
          "retryEvery must be positive, leaseTtl at least 4s, and maxRunDuration"
              + " at least leaseTtl");
    }
    return jobs.apply(
            "KeyByIntegration",
            WithKeys.of(SyncJob::integrationId).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SyncJob.Coder.of()))
        .apply(
            "OneRunPerIntegration",
            ParDo.of(new AdmitRunFn(leases, retryEvery, leaseTtl, maxRunDuration)))
        .setCoder(SyncJob.Coder.of());
  }

  static final class AdmitRunFn extends DoFn<KV<String, SyncJob>, SyncJob> {
    @StateId("pending")
    private final StateSpec<ValueState<SyncJob>> pendingSpec = StateSpecs.value(SyncJob.Coder.of());

    @StateId("lastAdmitted")
    private final StateSpec<ValueState<SyncJob>> lastAdmittedSpec =
        StateSpecs.value(SyncJob.Coder.of());

    @StateId("lastAdmittedAt")
    private final StateSpec<ValueState<Long>> lastAdmittedAtSpec =
        StateSpecs.value(VarLongCoder.of());

    /**
     * Set while the last admitted run is believed to hold the lease (it is renewed); cleared when
     * it ended.
     */
    @StateId("inFlight")
    private final StateSpec<ValueState<Boolean>> inFlightSpec =
        StateSpecs.value(org.apache.beam.sdk.coders.BooleanCoder.of());

    /** Processing time the in-flight run was admitted at (timer clock, so tests can drive it). */
    @StateId("runSince")
    private final StateSpec<ValueState<Long>> runSinceSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("retry")
    private final TimerSpec retrySpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    private final Leases leases;
    private final Duration retryEvery;
    private final Duration leaseTtl;
    private final Duration maxRunDuration;

    AdmitRunFn(Leases leases, Duration retryEvery, Duration leaseTtl, Duration maxRunDuration) {
      this.leases = leases;
      this.retryEvery = retryEvery;
      this.leaseTtl = leaseTtl;
      this.maxRunDuration = maxRunDuration;
    }

    @ProcessElement
    public void process(
        @Element KV<String, SyncJob> element,
        @Timestamp org.joda.time.Instant publishedAt,
        @StateId("pending") ValueState<SyncJob> pending,
        @StateId("lastAdmitted") ValueState<SyncJob> lastAdmitted,
        @StateId("lastAdmittedAt") ValueState<Long> lastAdmittedAt,
        @StateId("inFlight") ValueState<Boolean> inFlight,
        @StateId("runSince") ValueState<Long> runSince,
        @TimerId("retry") Timer retry,
        OutputReceiver<SyncJob> out)
        throws SQLException {
      SyncJob job = element.getValue();
      SyncJob last = lastAdmitted.read();
      Long lastAt = lastAdmittedAt.read();
      if (last != null
          && lastAt != null
          && covers(last, job)
          && publishedAt.getMillis() <= lastAt) {
        COLLAPSED.inc();
        return;
      }
      SyncJob waiting = pending.read();
      if (waiting != null) {
        // One job already waits: it absorbs this one, so everything either asked for runs once,
        // next.
        MERGED.inc();
        pending.write(waiting.mergedWith(job));
        return;
      }
      Timer held = retry.withOutputTimestamp(holdFrom(publishedAt));
      if (admitOrWait(job, pending, lastAdmitted, lastAdmittedAt, inFlight, held, out)) {
        runSince.clear(); // the processing time is known at the first heartbeat
      }
    }

    /** Whether running {@code earlier} already does everything {@code later} asks for. */
    static boolean covers(SyncJob earlier, SyncJob later) {
      return earlier.entityTypes().containsAll(later.entityTypes())
          && (later.mode() == SyncJob.Mode.AUTO || earlier.mode() == SyncJob.Mode.FULL)
          && (!later.approveDeletes() || earlier.approveDeletes());
    }

    @OnTimer("retry")
    public void onRetry(
        @StateId("pending") ValueState<SyncJob> pending,
        @StateId("lastAdmitted") ValueState<SyncJob> lastAdmitted,
        @StateId("lastAdmittedAt") ValueState<Long> lastAdmittedAt,
        @StateId("inFlight") ValueState<Boolean> inFlight,
        @StateId("runSince") ValueState<Long> runSince,
        @TimerId("retry") Timer retry,
        OnTimerContext context,
        OutputReceiver<SyncJob> out)
        throws SQLException {
      long now = context.fireTimestamp().getMillis();
      // A timer set here would inherit this one's watermark hold; move the hold to now, or the
      // downstream
      // watermark (which lets the per-run windows of later steps expire) would stay at this key's
      // first job for ever.
      retry = retry.withOutputTimestamp(holdFrom(context.timestamp()));
      SyncJob running = lastAdmitted.read();
      if (running != null && Boolean.TRUE.equals(inFlight.read())) {
        Long since = runSince.read();
        if (since == null) {
          since = now - heartbeatEvery().getMillis();
          runSince.write(since);
        }
        if (now - since > maxRunDuration.getMillis()) {
          EXPIRED.inc();
          leases.expire(
              running,
              "run did not end within maxRunDuration ("
                  + maxRunDuration
                  + "); expired and its lease released");
          inFlight.clear();
        } else if (!leases.renew(running.integrationId(), running.runId(), leaseTtl)) {
          inFlight.clear(); // recorded (lease released) or lost: nothing more to keep alive
        }
      }
      SyncJob job = pending.read();
      if (job != null) {
        if (admitOrWait(job, pending, lastAdmitted, lastAdmittedAt, inFlight, retry, out)) {
          runSince.write(now);
        }
      } else if (Boolean.TRUE.equals(inFlight.read())) {
        retry.offset(heartbeatEvery()).setRelative();
      }
    }

    /**
     * Holds the output watermark no earlier than now (and never before the current element or
     * timer).
     */
    private static org.joda.time.Instant holdFrom(org.joda.time.Instant current) {
      org.joda.time.Instant now = org.joda.time.Instant.now();
      return now.isAfter(current) ? now : current;
    }

    private Duration heartbeatEvery() {
      return Duration.millis(Math.max(1_000, leaseTtl.getMillis() / 4));
    }

    /** Emits the job if it gets the lease (true), else parks it and schedules a retry. */
    private boolean admitOrWait(
        SyncJob job,
        ValueState<SyncJob> pending,
        ValueState<SyncJob> lastAdmitted,
        ValueState<Long> lastAdmittedAt,
        ValueState<Boolean> inFlight,
        Timer retry,
        OutputReceiver<SyncJob> out)
        throws SQLException {
      String holder = leases.acquire(job.integrationId(), job.runId(), leaseTtl);
      if (holder == null) {
        pending.clear();
        lastAdmitted.write(job);
        lastAdmittedAt.write(System.currentTimeMillis());
        inFlight.write(true);
        retry.offset(heartbeatEvery()).setRelative();
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
  }
}
