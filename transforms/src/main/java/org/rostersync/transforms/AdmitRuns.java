package org.rostersync.transforms;

import java.sql.SQLException;
import org.apache.beam.sdk.coders.KvCoder;
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

  /**
   * The last run admitted for an integration: its job, when it was admitted (wall clock, compared
   * with publish times), whether it is believed to hold the lease still (renewed), and since when
   * it runs on the timer clock (null until its first heartbeat). One state cell, written whole.
   */
  record AdmittedRun(SyncJob job, long admittedAt, boolean inFlight, Long runSince)
      implements java.io.Serializable {

    AdmittedRun ended() {
      return new AdmittedRun(job, admittedAt, false, runSince);
    }

    AdmittedRun runningSince(long since) {
      return new AdmittedRun(job, admittedAt, inFlight, since);
    }

    /** Versioned binary coder (v1), given to the state cell explicitly. */
    static final class Coder extends Codec.Versioned<AdmittedRun> {
      private static final Coder INSTANCE = new Coder();

      private Coder() {
        super(AdmittedRun.class, 1);
      }

      static Coder of() {
        return INSTANCE;
      }

      @Override
      void write(AdmittedRun r, java.io.DataOutputStream out) throws java.io.IOException {
        Codec.writeJob(r.job, out);
        out.writeLong(r.admittedAt);
        out.writeBoolean(r.inFlight);
        out.writeBoolean(r.runSince != null);
        if (r.runSince != null) {
          out.writeLong(r.runSince);
        }
      }

      @Override
      AdmittedRun read(java.io.DataInputStream in, int version) throws java.io.IOException {
        SyncJob job = Codec.readJob(in);
        long admittedAt = in.readLong();
        boolean inFlight = in.readBoolean();
        Long runSince = in.readBoolean() ? in.readLong() : null;
        return new AdmittedRun(job, admittedAt, inFlight, runSince);
      }
    }
  }

  static final class AdmitRunFn extends DoFn<KV<String, SyncJob>, SyncJob> {
    @StateId("pending")
    private final StateSpec<ValueState<SyncJob>> pendingSpec = StateSpecs.value(SyncJob.Coder.of());

    @StateId("admitted")
    private final StateSpec<ValueState<AdmittedRun>> admittedSpec =
        StateSpecs.value(AdmittedRun.Coder.of());

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
        @StateId("admitted") ValueState<AdmittedRun> admitted,
        @TimerId("retry") Timer retry,
        OutputReceiver<SyncJob> out)
        throws SQLException {
      SyncJob job = element.getValue();
      AdmittedRun last = admitted.read();
      if (last != null && covers(last.job(), job) && publishedAt.getMillis() <= last.admittedAt()) {
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
      // The processing time the run starts at is known at its first heartbeat.
      admitOrWait(
          job, pending, admitted, null, retry.withOutputTimestamp(holdFrom(publishedAt)), out);
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
        @StateId("admitted") ValueState<AdmittedRun> admitted,
        @TimerId("retry") Timer retry,
        OnTimerContext context,
        OutputReceiver<SyncJob> out)
        throws SQLException {
      long now = context.fireTimestamp().getMillis();
      // A timer set here would inherit this one's watermark hold; move the hold to now, or the
      // downstream watermark would stay at this key's first job for ever.
      retry = retry.withOutputTimestamp(holdFrom(context.timestamp()));
      AdmittedRun running = admitted.read();
      if (running != null && running.inFlight()) {
        if (running.runSince() == null) {
          running = running.runningSince(now - heartbeatEvery().getMillis());
          admitted.write(running);
        }
        if (now - running.runSince() > maxRunDuration.getMillis()) {
          EXPIRED.inc();
          leases.expire(
              running.job(),
              "run did not end within maxRunDuration ("
                  + maxRunDuration
                  + "); expired and its lease released");
          admitted.write(running.ended());
        } else if (!leases.renew(running.job().integrationId(), running.job().runId(), leaseTtl)) {
          // Recorded (lease released) or lost: nothing more to keep alive.
          admitted.write(running.ended());
        }
      }
      SyncJob job = pending.read();
      if (job != null) {
        admitOrWait(job, pending, admitted, now, retry, out);
      } else {
        AdmittedRun after = admitted.read();
        if (after != null && after.inFlight()) {
          retry.offset(heartbeatEvery()).setRelative();
        }
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

    /**
     * Emits the job if it gets the lease, running since {@code runSince} on the timer clock (null:
     * set at its first heartbeat); else parks it and schedules a retry.
     */
    private void admitOrWait(
        SyncJob job,
        ValueState<SyncJob> pending,
        ValueState<AdmittedRun> admitted,
        Long runSince,
        Timer retry,
        OutputReceiver<SyncJob> out)
        throws SQLException {
      String holder = leases.acquire(job.integrationId(), job.runId(), leaseTtl);
      if (holder == null) {
        pending.clear();
        admitted.write(new AdmittedRun(job, System.currentTimeMillis(), true, runSince));
        retry.offset(heartbeatEvery()).setRelative();
        out.output(job);
        return;
      }
      if (pending.read() == null) {
        QUEUED.inc();
      }
      pending.write(job);
      retry.offset(retryEvery).setRelative();
    }
  }
}
