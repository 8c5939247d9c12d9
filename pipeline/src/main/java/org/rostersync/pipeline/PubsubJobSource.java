package org.rostersync.pipeline;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubIO;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesCoder;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.rostersync.edlink.EdlinkException;
import org.rostersync.transforms.AdmitRuns;
import org.rostersync.transforms.EdlinkClientFn;
import org.rostersync.transforms.EdlinkConfig;
import org.rostersync.transforms.ExpandJobs;
import org.rostersync.transforms.IntegrationTokens;
import org.rostersync.transforms.JobMessages;
import org.rostersync.transforms.JobRequest;
import org.rostersync.transforms.SyncJob;
import org.rostersync.transforms.SyncMetrics;

/**
 * Streaming job source: JSON job messages from a Pub/Sub subscription. A message that is not a
 * valid job, or names an integration Edlink does not know, goes to the dead-letter topic with its
 * original payload, the reason and a timestamp; the pipeline keeps running.
 */
final class PubsubJobSource {
  static final TupleTag<JobRequest> VALID = new TupleTag<>() {};
  static final TupleTag<PubsubMessage> DEAD = new TupleTag<>() {};

  private PubsubJobSource() {}

  static PCollection<SyncJob> read(Pipeline pipeline, SyncOptions options) {
    if (options.getDeadLetterTopic() == null || options.getDeadLetterTopic().isBlank()) {
      throw new IllegalArgumentException("--deadLetterTopic is required with --jobsSubscription");
    }
    EdlinkConfig edlink = SyncConfigs.edlink(options);
    PCollectionTuple parsed =
        pipeline
            .apply(
                "ReadJobMessages",
                PubsubIO.readMessagesWithAttributesAndMessageId()
                    .fromSubscription(options.getJobsSubscription()))
            .apply(
                "ParseJobMessages",
                ParDo.of(new ParseJobMessageFn(edlink))
                    .withOutputTags(VALID, TupleTagList.of(DEAD)));
    parsed
        .get(DEAD)
        .setCoder(PubsubMessageWithAttributesCoder.of())
        .apply("WriteDeadLetters", PubsubIO.writeMessages().to(options.getDeadLetterTopic()));
    return parsed
        .get(VALID)
        .setCoder(SerializableCoder.of(JobRequest.class))
        .apply("ExpandJobs", ExpandJobs.using(edlink))
        .apply(
            "AdmitRuns",
            AdmitRuns.using(SyncConfigs.jdbc(options))
                .withLeaseTtl(SyncConfigs.leaseTtl(options))
                .withMaxRunDuration(SyncConfigs.maxRunDuration(options)));
  }

  /**
   * Parses and validates one message; checks that a named integration exists before any work is
   * planned.
   */
  static final class ParseJobMessageFn extends EdlinkClientFn<PubsubMessage, JobRequest> {

    ParseJobMessageFn(EdlinkConfig edlink) {
      super(edlink);
    }

    @ProcessElement
    public void process(@Element PubsubMessage message, MultiOutputReceiver out) {
      JobRequest request;
      try {
        request = JobMessages.parse(message.getPayload());
      } catch (JobMessages.InvalidJobException e) {
        out.get(DEAD).output(deadLetter(message, e.getMessage()));
        return;
      }
      if (!request.all()) {
        try {
          String id = request.integrationId();
          if (withAppSecret(c -> IntegrationTokens.find(c, edlink.baseUrl(), id)).isEmpty()) {
            out.get(DEAD)
                .output(
                    deadLetter(
                        message,
                        "unknown integration "
                            + request.integrationId()
                            + ": the application has no such integration in Edlink (check the id, or that it was shared)"));
            return;
          }
        } catch (EdlinkException e) {
          // Edlink down or the like is not the message's fault: the run records the failure.
        }
      }
      if (request.requestId() == null && message.getMessageId() != null) {
        request = request.withRequestId("pubsub:" + message.getMessageId());
      }
      out.get(VALID).output(request);
    }

    static PubsubMessage deadLetter(PubsubMessage original, String reason) {
      DEAD_LETTERS.inc();
      // One line per dead letter for the operator; never the payload (it may hold anything).
      LOG.warn(
          "job message {} dead-lettered: {}",
          original.getMessageId() == null ? "(no id)" : original.getMessageId(),
          reason);
      Map<String, String> attributes = new HashMap<>();
      if (original.getAttributeMap() != null) {
        attributes.putAll(original.getAttributeMap());
      }
      attributes.put("error", reason);
      attributes.put("failed_at", Instant.now().toString());
      if (original.getMessageId() != null) {
        attributes.put("source_message_id", original.getMessageId());
      }
      byte[] payload = original.getPayload() == null ? new byte[0] : original.getPayload();
      return new PubsubMessage(payload, attributes);
    }

    private static final org.slf4j.Logger LOG =
        org.slf4j.LoggerFactory.getLogger(ParseJobMessageFn.class);
    private static final org.apache.beam.sdk.metrics.Counter DEAD_LETTERS =
        org.apache.beam.sdk.metrics.Metrics.counter(SyncMetrics.NAMESPACE, "dead_letters");
  }
}
