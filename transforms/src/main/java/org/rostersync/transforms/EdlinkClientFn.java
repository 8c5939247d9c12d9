package org.rostersync.transforms;

import org.apache.beam.sdk.transforms.DoFn;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EdlinkException;

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

  /** A call to the Meta API, which authenticates with the application secret. */
  @FunctionalInterface
  protected interface MetaCall<T> {
    T call(EdlinkClient client) throws EdlinkException;
  }

  /**
   * Runs a Meta API call; if Edlink refuses the application secret, reads the secret again from its source (it may
   * have been rotated in Secret Manager), rebuilds the client and tries once more. Without this a rotated secret
   * fails every call until the workers restart.
   */
  protected <T> T withAppSecret(MetaCall<T> call) throws EdlinkException {
    try {
      return call.call(client);
    } catch (EdlinkException e) {
      if (!secretRefused(e)) {
        throw e;
      }
      SyncMetrics.SECRET_REFRESHES.inc();
      client.close();
      client = edlink.newClientWithFreshSecret((attempt, reason) -> SyncMetrics.RETRIES.inc());
      return call.call(client);
    }
  }

  static boolean secretRefused(EdlinkException e) {
    return e.httpStatus() == 401 || e.httpStatus() == 403
        || (e.httpStatus() == 400 && (e.codes().contains("INVALID_TOKEN") || e.codes().contains("EXPIRED_TOKEN")));
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
