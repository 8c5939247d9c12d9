package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.rostersync.edlink.EntityType;

/**
 * One run of one integration: what to sync and how. Created by a job source, enriched by the change
 * gate ({@link #withPlan}). Carries no secrets: tokens are resolved on the worker. Encoded with
 * {@link Coder} (versioned), never with Java serialization, wherever it is kept in state or
 * shuffled.
 */
@DefaultCoder(SyncJob.Coder.class)
public final class SyncJob implements Serializable {
  private static final long serialVersionUID = 1L;

  /** auto = consult the change gate; full = always run a full sync. */
  public enum Mode {
    AUTO,
    FULL
  }

  private final String runId;
  private final String integrationId;
  private final List<EntityType> entityTypes;
  private final Mode mode;
  private final List<String> requestIds;
  private final boolean approveDeletes;
  private final long startedAtMillis;
  private final String newestEventId;
  private final String gateReason;

  public SyncJob(
      String runId,
      String integrationId,
      List<EntityType> entityTypes,
      Mode mode,
      String requestId,
      boolean approveDeletes,
      long startedAtMillis) {
    this(
        runId,
        integrationId,
        entityTypes,
        mode,
        requestId == null ? List.of() : List.of(requestId),
        approveDeletes,
        startedAtMillis,
        null,
        null);
  }

  private SyncJob(
      String runId,
      String integrationId,
      List<EntityType> entityTypes,
      Mode mode,
      List<String> requestIds,
      boolean approveDeletes,
      long startedAtMillis,
      String newestEventId,
      String gateReason) {
    this.runId = Objects.requireNonNull(runId, "runId");
    this.integrationId = Ids.requireUuid(integrationId, "integration_id");
    this.entityTypes = List.copyOf(entityTypes);
    if (this.entityTypes.isEmpty()) {
      throw new IllegalArgumentException("a sync job needs at least one entity type");
    }
    this.mode = Objects.requireNonNull(mode, "mode");
    this.requestIds = List.copyOf(requestIds);
    this.approveDeletes = approveDeletes;
    this.startedAtMillis = startedAtMillis;
    this.newestEventId = newestEventId;
    this.gateReason = gateReason;
  }

  /** The job after the change gate decided to run a full sync. */
  public SyncJob withPlan(String newestEventId, String gateReason) {
    return new SyncJob(
        runId,
        integrationId,
        entityTypes,
        mode,
        requestIds,
        approveDeletes,
        startedAtMillis,
        newestEventId,
        gateReason);
  }

  /**
   * One waiting job that does everything this one and {@code later} ask for: the union of their
   * entity types (in sync order), {@code full} if either is, deletes approved if either approves,
   * and every request id. Keeps this job's run id: a waiting job has not started yet.
   */
  public SyncJob mergedWith(SyncJob later) {
    if (!integrationId.equals(later.integrationId)) {
      throw new IllegalArgumentException("cannot merge jobs of two integrations");
    }
    Set<EntityType> wanted = new LinkedHashSet<>(entityTypes);
    wanted.addAll(later.entityTypes);
    List<EntityType> types = new ArrayList<>();
    for (EntityType t : EntityType.values()) {
      if (wanted.contains(t)) {
        types.add(t);
      }
    }
    Set<String> requests = new LinkedHashSet<>(requestIds);
    requests.addAll(later.requestIds);
    return new SyncJob(
        runId,
        integrationId,
        types,
        mode == Mode.FULL || later.mode == Mode.FULL ? Mode.FULL : Mode.AUTO,
        new ArrayList<>(requests),
        approveDeletes || later.approveDeletes,
        startedAtMillis,
        null,
        null);
  }

  public String runId() {
    return runId;
  }

  public String integrationId() {
    return integrationId;
  }

  public List<EntityType> entityTypes() {
    return entityTypes;
  }

  public Mode mode() {
    return mode;
  }

  /** The first request id (the one stored in {@code sync_runs.request_id}), or null. */
  public String requestId() {
    return requestIds.isEmpty() ? null : requestIds.get(0);
  }

  /** Every request this run serves (several when waiting jobs were merged). */
  public List<String> requestIds() {
    return requestIds;
  }

  public boolean approveDeletes() {
    return approveDeletes;
  }

  public long startedAtMillis() {
    return startedAtMillis;
  }

  /**
   * Newest Edlink event id seen before the full sync started; stored only when the run succeeds.
   */
  public String newestEventId() {
    return newestEventId;
  }

  public String gateReason() {
    return gateReason;
  }

  /**
   * Key of a run's bookkeeping ({@link RunEvent}s): the integration, not the run, so that keyed
   * state and timers are bounded by the number of integrations however many runs a streaming job
   * completes. One run per integration runs at a time (leases); the run id is checked inside.
   */
  public String runKey() {
    return integrationId;
  }

  /**
   * Whether this run started before {@code other} (run id breaks ties), for steps that track one
   * run at a time.
   */
  public boolean isOlderThan(SyncJob other) {
    if (startedAtMillis != other.startedAtMillis) {
      return startedAtMillis < other.startedAtMillis;
    }
    return runId.compareTo(other.runId) < 0;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SyncJob)) {
      return false;
    }
    SyncJob j = (SyncJob) o;
    return runId.equals(j.runId)
        && integrationId.equals(j.integrationId)
        && entityTypes.equals(j.entityTypes)
        && mode == j.mode
        && requestIds.equals(j.requestIds)
        && approveDeletes == j.approveDeletes
        && startedAtMillis == j.startedAtMillis
        && Objects.equals(newestEventId, j.newestEventId)
        && Objects.equals(gateReason, j.gateReason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(runId, integrationId, entityTypes, mode);
  }

  @Override
  public String toString() {
    return "SyncJob{run="
        + runId
        + ", integration="
        + integrationId
        + ", types="
        + entityTypes
        + ", mode="
        + mode
        + (requestIds.isEmpty() ? "" : ", requests=" + requestIds)
        + (approveDeletes ? ", approve_deletes" : "")
        + "}";
  }

  /** Versioned binary coder (v1); types by path, mode by name. */
  public static final class Coder extends Codec.Versioned<SyncJob> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(SyncJob.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(SyncJob.class, 1);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(SyncJob j, DataOutputStream out) throws IOException {
      Codec.writeString(out, j.runId);
      Codec.writeString(out, j.integrationId);
      out.writeInt(j.entityTypes.size());
      for (EntityType t : j.entityTypes) {
        Codec.writeType(out, t);
      }
      Codec.writeEnum(out, j.mode);
      Codec.writeStrings(out, j.requestIds);
      out.writeBoolean(j.approveDeletes);
      out.writeLong(j.startedAtMillis);
      Codec.writeString(out, j.newestEventId);
      Codec.writeString(out, j.gateReason);
    }

    @Override
    SyncJob read(DataInputStream in, int version) throws IOException {
      String run = Codec.readString(in);
      String integration = Codec.readString(in);
      int n = in.readInt();
      List<EntityType> types = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        types.add(Codec.readType(in));
      }
      Mode mode = Codec.readEnum(in, Mode.class);
      List<String> requests = Codec.readStrings(in);
      boolean approve = in.readBoolean();
      long started = in.readLong();
      String newest = Codec.readString(in);
      String reason = Codec.readString(in);
      return new SyncJob(run, integration, types, mode, requests, approve, started, newest, reason);
    }
  }
}
