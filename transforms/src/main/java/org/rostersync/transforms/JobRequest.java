package org.rostersync.transforms;

import java.io.Serializable;
import java.util.List;

/**
 * A request to sync: one integration, or every active integration of the application ({@code all}).
 * What a Pub/Sub message, a command-line flag or a scheduler tick turns into, before runs are
 * planned.
 */
public record JobRequest(
    String integrationId,
    boolean all,
    SyncJob.Mode mode,
    List<String> entityTypes,
    String requestId,
    boolean approveDeletes)
    implements Serializable {

  public JobRequest {
    if (all == (integrationId != null)) {
      throw new IllegalArgumentException("a job names either one integration_id or all=true");
    }
    if (integrationId != null) {
      integrationId = Ids.requireUuid(integrationId, "integration_id");
    }
    mode = mode == null ? SyncJob.Mode.AUTO : mode;
    entityTypes = entityTypes == null ? List.of() : List.copyOf(entityTypes);
  }

  public static JobRequest forIntegration(String integrationId, SyncJob.Mode mode) {
    return new JobRequest(integrationId, false, mode, List.of(), null, false);
  }

  public static JobRequest forAll(SyncJob.Mode mode) {
    return new JobRequest(null, true, mode, List.of(), null, false);
  }

  public JobRequest withEntityTypes(List<String> types) {
    return new JobRequest(integrationId, all, mode, types, requestId, approveDeletes);
  }

  public JobRequest withApproveDeletes(boolean approve) {
    return new JobRequest(integrationId, all, mode, entityTypes, requestId, approve);
  }

  public JobRequest withRequestId(String id) {
    return new JobRequest(integrationId, all, mode, entityTypes, id, approveDeletes);
  }
}
