package org.rostersync.transforms;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.rostersync.edlink.EntityType;

/**
 * One run of one integration: what to sync and how. Created by a job source, enriched by the change gate
 * ({@link #withPlan}). Carries no secrets: tokens are resolved on the worker.
 */
public final class SyncJob implements Serializable {
  /** auto = consult the change gate; full = always run a full sync. */
  public enum Mode { AUTO, FULL }

  private final String runId;
  private final String integrationId;
  private final List<EntityType> entityTypes;
  private final Mode mode;
  private final String requestId;
  private final boolean approveDeletes;
  private final long startedAtMillis;
  private final String newestEventId;
  private final String gateReason;

  public SyncJob(String runId, String integrationId, List<EntityType> entityTypes, Mode mode, String requestId,
      boolean approveDeletes, long startedAtMillis) {
    this(runId, integrationId, entityTypes, mode, requestId, approveDeletes, startedAtMillis, null, null);
  }

  private SyncJob(String runId, String integrationId, List<EntityType> entityTypes, Mode mode, String requestId,
      boolean approveDeletes, long startedAtMillis, String newestEventId, String gateReason) {
    this.runId = Objects.requireNonNull(runId, "runId");
    this.integrationId = Ids.requireUuid(integrationId, "integration_id");
    this.entityTypes = List.copyOf(entityTypes);
    if (this.entityTypes.isEmpty()) {
      throw new IllegalArgumentException("a sync job needs at least one entity type");
    }
    this.mode = Objects.requireNonNull(mode, "mode");
    this.requestId = requestId;
    this.approveDeletes = approveDeletes;
    this.startedAtMillis = startedAtMillis;
    this.newestEventId = newestEventId;
    this.gateReason = gateReason;
  }

  /** The job after the change gate decided to run a full sync. */
  public SyncJob withPlan(String newestEventId, String gateReason) {
    return new SyncJob(runId, integrationId, entityTypes, mode, requestId, approveDeletes, startedAtMillis,
        newestEventId, gateReason);
  }

  public String runId() { return runId; }
  public String integrationId() { return integrationId; }
  public List<EntityType> entityTypes() { return entityTypes; }
  public Mode mode() { return mode; }
  public String requestId() { return requestId; }
  public boolean approveDeletes() { return approveDeletes; }
  public long startedAtMillis() { return startedAtMillis; }
  /** Newest Edlink event id seen before the full sync started; stored only when the run succeeds. */
  public String newestEventId() { return newestEventId; }
  public String gateReason() { return gateReason; }

  /** Key of all elements that belong to this run of this integration. */
  public String runKey() {
    return runId + "/" + integrationId;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SyncJob)) {
      return false;
    }
    SyncJob j = (SyncJob) o;
    return runId.equals(j.runId) && integrationId.equals(j.integrationId) && entityTypes.equals(j.entityTypes)
        && mode == j.mode && Objects.equals(requestId, j.requestId) && approveDeletes == j.approveDeletes
        && startedAtMillis == j.startedAtMillis && Objects.equals(newestEventId, j.newestEventId)
        && Objects.equals(gateReason, j.gateReason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(runId, integrationId, entityTypes, mode);
  }

  @Override
  public String toString() {
    return "SyncJob{run=" + runId + ", integration=" + integrationId + ", types=" + entityTypes + ", mode=" + mode
        + (requestId == null ? "" : ", request=" + requestId) + "}";
  }
}
