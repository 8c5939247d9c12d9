package org.rostersync.edlink;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A resilient client for the Edlink Graph v2 and Meta v1 APIs. Knows nothing of Beam.
 * Thread-safe; one instance per worker is enough.
 */
public final class EdlinkClient implements AutoCloseable {
  public static final String DEFAULT_BASE_URL = "https://ed.link";
  public static final int MAX_PAGE_SIZE = 10_000;

  public static Builder builder() {
    return new Builder();
  }

  /** Meta v1: every integration of the application (all pages), with tokens. Needs the app secret. */
  public List<Integration> listIntegrations() throws EdlinkException {
    throw new UnsupportedOperationException("TODO");
  }

  /** Meta v1: one integration by id, with its token. Needs the app secret. */
  public Integration getIntegration(String integrationId) throws EdlinkException {
    throw new UnsupportedOperationException("TODO");
  }

  /**
   * Pages {@code /api/v2/graph/<type>} with {@code $first=pageSize}, following {@code $next} until it is absent,
   * null or empty, and hands each complete page to {@code handler} exactly once, in order.
   */
  public FetchStats fetchAll(String accessToken, EntityType type, PageHandler handler) throws EdlinkException {
    throw new UnsupportedOperationException("TODO");
  }

  /** The newest event id ({@code /events?$last=1}), or empty when the integration has no events. */
  public Optional<String> newestEventId(String accessToken) throws EdlinkException {
    throw new UnsupportedOperationException("TODO");
  }

  /** Whether any event follows {@code eventId}; EXPIRED when Edlink no longer knows it. */
  public EventsProbe eventsAfter(String accessToken, String eventId) throws EdlinkException {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public void close() {}

  /** Builder; every setting has a sane default. */
  public static final class Builder {
    private String baseUrl = DEFAULT_BASE_URL;
    private String appSecret;
    private int pageSize = MAX_PAGE_SIZE;
    private int maxAttempts = 6;
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private Duration deadline = Duration.ofMinutes(30);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(120);
    private RetryListener retryListener = RetryListener.NONE;

    public Builder baseUrl(String v) { this.baseUrl = v; return this; }
    public Builder appSecret(String v) { this.appSecret = v; return this; }
    public Builder pageSize(int v) { this.pageSize = v; return this; }
    public Builder maxAttempts(int v) { this.maxAttempts = v; return this; }
    public Builder initialBackoff(Duration v) { this.initialBackoff = v; return this; }
    public Builder maxBackoff(Duration v) { this.maxBackoff = v; return this; }
    /** Overall deadline for one logical call (all pages of one fetch), retries included. */
    public Builder deadline(Duration v) { this.deadline = v; return this; }
    public Builder connectTimeout(Duration v) { this.connectTimeout = v; return this; }
    public Builder readTimeout(Duration v) { this.readTimeout = v; return this; }
    public Builder retryListener(RetryListener v) { this.retryListener = v; return this; }

    public EdlinkClient build() {
      return new EdlinkClient();
    }
  }
}
