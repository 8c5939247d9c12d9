package org.rostersync.pipeline;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;
import org.rostersync.transforms.SyncJob;

/** Streaming job source: job messages from Pub/Sub, invalid ones to the dead-letter topic. */
final class PubsubJobSource {
  private PubsubJobSource() {}

  static PCollection<SyncJob> read(Pipeline pipeline, SyncOptions options) {
    throw new UnsupportedOperationException("--jobsSubscription is not wired yet");
  }
}
