package org.rostersync.transforms;

import java.util.concurrent.atomic.LongAdder;
import org.apache.beam.sdk.transforms.DoFn;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EdlinkException;
import org.rostersync.edlink.Integration;

/**
 * A DoFn that talks to Edlink: one client per DoFn instance, made in {@code @Setup} (its retries
 * count as a Beam counter) and closed in {@code @Teardown}. Subclasses add their own set-up in
 * {@link #onSetup()}.
 */
public abstract class EdlinkClientFn<InputT, OutputT> extends DoFn<InputT, OutputT> {
  protected final EdlinkConfig edlink;
  protected transient EdlinkClient client;

  protected EdlinkClientFn(EdlinkConfig edlink) {
    this.edlink = edlink;
  }

  /**
   * Retries noted by the client, counted at the end of the bundle: a page asked for ahead, or from
   * a type's end, is retried on a thread of the client's, where a Beam counter is not reported.
   */
  private transient LongAdder retries;

  @Setup
  public final void setup() {
    retries = new LongAdder();
    client = edlink.newClient((attempt, reason) -> retries.increment());
    onSetup();
  }

  @FinishBundle
  public final void countRetries() {
    long n = retries.sumThenReset();
    if (n > 0) {
      SyncMetrics.RETRIES.inc(n);
    }
  }

  /** A call to the Meta API, which authenticates with the application secret. */
  @FunctionalInterface
  protected interface MetaCall<T> {
    T call(EdlinkClient client) throws EdlinkException;
  }

  /**
   * Runs a Meta API call; if Edlink refuses the application secret, reads the secret again from its
   * source (it may have been rotated in Secret Manager), rebuilds the client and tries once more.
   * Without this a rotated secret fails every call until the workers restart.
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
      client = edlink.newClientWithFreshSecret((attempt, reason) -> retries.increment());
      return call.call(client);
    }
  }

  static boolean secretRefused(EdlinkException e) {
    return e.httpStatus() == 401
        || e.httpStatus() == 403
        || (e.httpStatus() == 400
            && (e.codes().contains("INVALID_TOKEN") || e.codes().contains("EXPIRED_TOKEN")));
  }

  /** A call made with an integration's access token. */
  @FunctionalInterface
  protected interface TokenCall<T, X extends Exception> {
    T call(Integration integration) throws EdlinkException, X;
  }

  /** The Meta API lookup of the integration failed (not the call made with its token). */
  protected static final class LookupFailedException extends EdlinkException {
    LookupFailedException(EdlinkException e) {
      super(e.getMessage(), e.httpStatus(), e.codes(), e.requestId(), e);
    }
  }

  /**
   * Runs {@code call} with the integration (and its token) from {@link IntegrationTokens}' cache.
   * If Edlink answers that the token is invalid or the integration is not in a usable state, the
   * cached entry may be stale (token rotated, integration re-enabled since it was cached): the
   * entry is dropped and the call runs once more with a fresh lookup. A call that is retried must
   * start over (it runs twice). A failed lookup is thrown as {@link LookupFailedException}.
   */
  protected <T, X extends Exception> T withIntegrationToken(
      String integrationId, TokenCall<T, X> call) throws EdlinkException, X {
    try {
      return call.call(lookup(integrationId));
    } catch (EdlinkException e) {
      if (e instanceof LookupFailedException || !staleIntegration(e)) {
        throw e;
      }
      IntegrationTokens.invalidate(edlink.baseUrl(), integrationId);
    }
    try {
      return call.call(lookup(integrationId));
    } catch (EdlinkException e) {
      if (!(e instanceof LookupFailedException) && staleIntegration(e)) {
        IntegrationTokens.invalidate(edlink.baseUrl(), integrationId);
      }
      throw e;
    }
  }

  private Integration lookup(String integrationId) throws LookupFailedException {
    try {
      return withAppSecret(c -> IntegrationTokens.get(c, edlink.baseUrl(), integrationId));
    } catch (EdlinkException e) {
      throw new LookupFailedException(e);
    }
  }

  static boolean staleIntegration(EdlinkException e) {
    return e.httpStatus() == 401
        || e.codes().contains("INVALID_TOKEN")
        || e.codes().contains("INVALID_INTEGRATION_STATE");
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
