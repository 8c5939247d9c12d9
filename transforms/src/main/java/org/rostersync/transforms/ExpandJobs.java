package org.rostersync.transforms;

import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EdlinkException;
import org.rostersync.edlink.EntityType;
import org.rostersync.edlink.Integration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns requests into runs: one {@link SyncJob} with a fresh run id per integration; {@code all}
 * expands through the Meta API to the application's active integrations.
 */
public final class ExpandJobs extends PTransform<PCollection<JobRequest>, PCollection<SyncJob>> {
  private final EdlinkConfig edlink;

  private ExpandJobs(EdlinkConfig edlink) {
    this.edlink = edlink;
  }

  public static ExpandJobs using(EdlinkConfig edlink) {
    return new ExpandJobs(edlink);
  }

  @Override
  public PCollection<SyncJob> expand(PCollection<JobRequest> requests) {
    if (edlink == null) {
      throw new IllegalStateException("ExpandJobs needs an EdlinkConfig");
    }
    return requests.apply(ParDo.of(new ExpandJobsFn(edlink))).setCoder(SyncJob.Coder.of());
  }

  static final class ExpandJobsFn extends EdlinkClientFn<JobRequest, SyncJob> {
    private static final Logger LOG = LoggerFactory.getLogger(ExpandJobsFn.class);

    ExpandJobsFn(EdlinkConfig edlink) {
      super(edlink);
    }

    @ProcessElement
    public void process(@Element JobRequest request, OutputReceiver<SyncJob> out)
        throws EdlinkException {
      List<EntityType> types = EntityType.parseList(String.join(",", request.entityTypes()));
      String runId = UUID.randomUUID().toString();
      long now = System.currentTimeMillis();
      if (!request.all()) {
        out.output(
            new SyncJob(
                runId,
                request.integrationId(),
                types,
                request.mode(),
                request.requestId(),
                request.approveDeletes(),
                now));
        return;
      }
      // Listing fails loudly: the whole tick is retried rather than silently syncing nobody.
      List<Integration> integrations = AskedAhead.listing(edlink.baseUrl()).orElse(null);
      if (integrations == null) {
        integrations = withAppSecret(EdlinkClient::listIntegrations);
      }
      IntegrationTokens.remember(edlink.baseUrl(), integrations);
      int active = 0;
      for (Integration i : integrations) {
        if (i.isActive() && Ids.isUuid(i.id())) {
          out.output(
              new SyncJob(
                  runId,
                  i.id(),
                  types,
                  request.mode(),
                  request.requestId(),
                  request.approveDeletes(),
                  now));
          active++;
        }
      }
      LOG.info("tick {}: {} of {} integrations are active", runId, active, integrations.size());
    }
  }
}
