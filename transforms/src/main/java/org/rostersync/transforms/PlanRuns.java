package org.rostersync.transforms;

import java.sql.SQLException;
import java.time.Duration;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.rostersync.edlink.EdlinkException;

/**
 * The change gate. For each job it checks that the integration can be synced, then in {@code auto}
 * mode asks Edlink for events after the stored newest event id: none means skip (one Edlink call,
 * no fetch, no writes); some, an expired id, no stored id, or a last full sync older than {@code
 * maxSkipAge} mean a full sync. Before a full sync it records the newest event id, which is stored
 * only if the sync succeeds. The decision itself is {@link ChangeGate}, apart from Beam, the
 * database and HTTP.
 *
 * <p>Every run first takes its integration's {@link Leases lease} (a renewal when streaming
 * admission took it already). Streaming admission renews it from its timers; a batch job has none,
 * so there {@link Leases.Heartbeat} renews it while this worker lives. So two batch jobs, or a
 * batch job and the streaming job, never sync one integration at once. A run that finds the lease
 * held by another run is recorded {@code failed} with "lease held by run X" and does nothing else.
 */
public final class PlanRuns extends PTransform<PCollection<SyncJob>, PCollectionTuple> {
  public static final TupleTag<SyncJob> FULL_SYNC = new TupleTag<>() {};
  public static final TupleTag<KV<String, RunEvent>> ENDED = new TupleTag<>() {};

  /**
   * Stored as the newest event id when Edlink had no event at all before a successful full sync.
   */
  public static final String NO_EVENTS = "00000000-0000-0000-0000-000000000000";

  private final EdlinkConfig edlink;
  private final JdbcConfig jdbc;
  private final Duration maxSkipAge;
  private final org.joda.time.Duration leaseTtl;
  private final org.joda.time.Duration maxRunDuration;

  private PlanRuns(
      EdlinkConfig edlink,
      JdbcConfig jdbc,
      Duration maxSkipAge,
      org.joda.time.Duration leaseTtl,
      org.joda.time.Duration maxRunDuration) {
    this.edlink = edlink;
    this.jdbc = jdbc;
    this.maxSkipAge = maxSkipAge;
    this.leaseTtl = leaseTtl;
    this.maxRunDuration = maxRunDuration;
  }

  public static PlanRuns of(EdlinkConfig edlink, JdbcConfig jdbc) {
    return new PlanRuns(
        edlink,
        jdbc,
        SyncDefaults.MAX_SKIP_AGE,
        SyncDefaults.joda(SyncDefaults.LEASE_TTL),
        SyncDefaults.joda(SyncDefaults.MAX_RUN_DURATION));
  }

  public PlanRuns withMaxSkipAge(Duration maxSkipAge) {
    return new PlanRuns(
        edlink, jdbc, checkPositive("maxSkipAge", maxSkipAge), leaseTtl, maxRunDuration);
  }

  /** The lease expiry, and how long the heartbeat keeps a run's lease alive at most. */
  public PlanRuns withLeases(Duration leaseTtl, Duration maxRunDuration) {
    return new PlanRuns(
        edlink,
        jdbc,
        maxSkipAge,
        SyncDefaults.joda(checkPositive("leaseTtl", leaseTtl)),
        SyncDefaults.joda(checkPositive("maxRunDuration", maxRunDuration)));
  }

  static Duration checkPositive(String what, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be a positive duration, got " + d);
    }
    return d;
  }

  @Override
  public PCollectionTuple expand(PCollection<SyncJob> jobs) {
    if (edlink == null || jdbc == null) {
      throw new IllegalStateException("PlanRuns needs an EdlinkConfig and a JdbcConfig");
    }
    PCollectionTuple out =
        jobs.apply(
            ParDo.of(
                    new PlanRunFn(
                        edlink,
                        jdbc,
                        maxSkipAge.toMillis(),
                        leaseTtl,
                        maxRunDuration,
                        jobs.isBounded() == PCollection.IsBounded.BOUNDED))
                .withOutputTags(FULL_SYNC, TupleTagList.of(ENDED)));
    out.get(FULL_SYNC).setCoder(SyncJob.Coder.of());
    out.get(ENDED).setCoder(KvCoder.of(StringUtf8Coder.of(), RunEvent.Coder.of()));
    return out;
  }

  /**
   * The integration is neither active nor paused (treated like Edlink's own
   * INVALID_INTEGRATION_STATE).
   */
  static final class InactiveIntegrationException extends EdlinkException {
    InactiveIntegrationException(String status) {
      super(
          "integration is " + status + ", not active",
          0,
          java.util.List.of("INVALID_INTEGRATION_STATE"),
          null,
          null);
    }
  }

  static final class PlanRunFn extends EdlinkClientFn<SyncJob, SyncJob> {
    private final long maxSkipAgeMillis;
    private final org.joda.time.Duration leaseTtl;
    private final org.joda.time.Duration maxRunDuration;
    private final boolean keepAliveInJvm;
    private final Leases leases;
    private final ChangeGate.StateStore state;
    private final ChangeGate.Events.Source events;

    PlanRunFn(
        EdlinkConfig edlink,
        JdbcConfig jdbc,
        long maxSkipAgeMillis,
        org.joda.time.Duration leaseTtl,
        org.joda.time.Duration maxRunDuration,
        boolean keepAliveInJvm) {
      this(
          edlink,
          maxSkipAgeMillis,
          leaseTtl,
          maxRunDuration,
          keepAliveInJvm,
          Leases.jdbc(jdbc),
          new ChangeGate.JdbcStateStore(jdbc),
          ChangeGate.Events::of);
    }

    /**
     * With the lease table, {@code sync_state} and Edlink's events given (tests run them in
     * memory).
     */
    PlanRunFn(
        EdlinkConfig edlink,
        long maxSkipAgeMillis,
        org.joda.time.Duration leaseTtl,
        org.joda.time.Duration maxRunDuration,
        boolean keepAliveInJvm,
        Leases leases,
        ChangeGate.StateStore state,
        ChangeGate.Events.Source events) {
      super(edlink);
      this.keepAliveInJvm = keepAliveInJvm;
      this.maxSkipAgeMillis = maxSkipAgeMillis;
      this.leaseTtl = leaseTtl;
      this.maxRunDuration = maxRunDuration;
      this.leases = leases;
      this.state = state;
      this.events = events;
    }

    /** Runs whose leases this instance keeps alive (batch). */
    private transient java.util.List<String[]> keptAlive;

    @Override
    protected void onSetup() {
      state.setup();
      keptAlive = new java.util.concurrent.CopyOnWriteArrayList<>();
    }

    @Override
    protected void onTeardown() {
      // The pipeline ended (or this instance was discarded): a run it planned that did not record
      // itself must not
      // keep its lease alive for as long as this JVM lives; it lapses one expiry later.
      if (keptAlive != null) {
        keptAlive.forEach(r -> Leases.Heartbeat.forget(r[0], r[1]));
      }
    }

    @ProcessElement
    public void process(@Element SyncJob job, MultiOutputReceiver out) throws SQLException {
      String holder = leases.acquire(job.integrationId(), job.runId(), leaseTtl);
      if (holder != null) {
        end(
            out,
            job,
            RunResult.Status.FAILED,
            "lease held by run " + holder + " (another job is syncing this integration)");
        return;
      }
      if (keepAliveInJvm) {
        Leases.Heartbeat.keepAlive(
            leases, job.integrationId(), job.runId(), leaseTtl, maxRunDuration);
        keptAlive.add(new String[] {job.integrationId(), job.runId()});
      }
      try {
        withIntegrationToken(
            job.integrationId(),
            integration -> {
              if (!"active".equals(integration.status())
                  && !"paused".equals(integration.status())) {
                // The state may be cached from before the integration was enabled again:
                // withIntegrationToken asks again.
                throw new InactiveIntegrationException(integration.status());
              }
              plan(job, integration.accessToken(), out);
              return null;
            });
      } catch (LookupFailedException e) {
        end(out, job, RunResult.Status.FAILED, "integration lookup failed: " + e.describe());
      } catch (InactiveIntegrationException e) {
        end(out, job, RunResult.Status.FAILED, e.getMessage());
      } catch (EdlinkException e) {
        end(out, job, RunResult.Status.FAILED, "change gate failed: " + e.describe());
      }
    }

    /** The gate decision with a valid token: skip (ends the run) or a full sync. */
    private void plan(SyncJob job, String token, MultiOutputReceiver out)
        throws EdlinkException, SQLException {
      ChangeGate.Decision d =
          ChangeGate.decide(
              job,
              state,
              AskedAhead.gate(edlink.baseUrl(), job.integrationId(), events.open(client, token)),
              System.currentTimeMillis(),
              maxSkipAgeMillis);
      if (d.fullSync()) {
        out.get(FULL_SYNC).output(job.withPlan(d.newestEventId(), d.reason()));
      } else {
        end(out, job, RunResult.Status.SKIPPED, d.reason());
      }
    }

    private static void end(
        MultiOutputReceiver out, SyncJob job, RunResult.Status status, String message) {
      out.get(ENDED).output(KV.of(job.runKey(), RunEvent.wholeRun(job, status, message)));
    }
  }
}
