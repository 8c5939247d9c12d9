package org.rostersync.transforms;

import org.apache.beam.sdk.transforms.DoFn;
import org.rostersync.edlink.EdlinkClient;

/**
 * A DoFn that talks to Edlink: one client per DoFn instance, made in {@code @Setup} (its retries count as Beam
 * counters) and closed in {@code @Teardown}. Subclasses add their own set-up in {@link #onSetup()}.
 */
public abstract class EdlinkClientFn<InputT, OutputT> extends DoFn<InputT, OutputT> {
  protected final EdlinkConfig edlink;
  protected transient EdlinkClient client;

  protected EdlinkClientFn(EdlinkConfig edlink) {
    this.edlink = edlink;
  }

  @Setup
  public final void setup() {
    client = edlink.newClient((attempt, reason) -> SyncMetrics.RETRIES.inc());
    onSetup();
  }

  /** More set-up after the client exists (e.g. a connection pool). */
  protected void onSetup() {}

  @Teardown
  public final void teardown() {
    if (client != null) {
      client.close();
    }
    onTeardown();
  }

  /** More tear-down after the client is closed. */
  protected void onTeardown() {}
}
