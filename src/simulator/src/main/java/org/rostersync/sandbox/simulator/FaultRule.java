package org.rostersync.sandbox.simulator;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When and how to break requests. Selectors combine: a rule fires on a request that matches its
 * integration and endpoint (null = any), is on page {@code onPage} of its paging run (0 = any page;
 * {@link #FROM_THE_END}: any page asked from the list's end), passes the {@code probability} draw,
 * and while {@code times} firings remain (default: unlimited).
 */
public final class FaultRule {
  /**
   * {@link #onPage()} of a rule that fires only on pages asked from a list's end ({@code $last}).
   */
  public static final int FROM_THE_END = -1;

  private final String integration;
  private final String endpoint;
  private final FaultKind kind;
  private final int retryAfterSeconds;
  private final long delayMillis;
  private final int onPage;
  private final double probability;
  private final AtomicInteger remaining;
  private final AtomicLong fired = new AtomicLong();

  private FaultRule(Builder b) {
    this.integration = b.integration;
    this.endpoint = b.endpoint;
    this.kind = b.kind;
    this.retryAfterSeconds = b.retryAfterSeconds;
    this.delayMillis = b.delayMillis;
    this.onPage = b.onPage;
    this.probability = b.probability;
    this.remaining = new AtomicInteger(b.times);
  }

  public static Builder builder() {
    return new Builder();
  }

  public String integration() {
    return integration;
  }

  public String endpoint() {
    return endpoint;
  }

  public FaultKind kind() {
    return kind;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public long delayMillis() {
    return delayMillis;
  }

  public int onPage() {
    return onPage;
  }

  public double probability() {
    return probability;
  }

  /** Firings left; negative means unlimited. */
  public int remaining() {
    return remaining.get();
  }

  boolean matches(String integrationId, String endpointName, int page) {
    return (integration == null || integration.equals(integrationId))
        && (endpoint == null || endpoint.equals(endpointName))
        && (onPage == 0 || onPage == page);
  }

  /** How often this rule has broken a request so far. */
  public long fired() {
    return fired.get();
  }

  /** Consumes one firing; false once a limited rule is used up. */
  boolean take() {
    while (true) {
      int r = remaining.get();
      if (r == 0) {
        return false;
      }
      if (r < 0 || remaining.compareAndSet(r, r - 1)) {
        fired.incrementAndGet();
        return true;
      }
    }
  }

  @Override
  public String toString() {
    return "FaultRule{"
        + kind
        + ", integration="
        + integration
        + ", endpoint="
        + endpoint
        + ", onPage="
        + onPage
        + ", probability="
        + probability
        + ", remaining="
        + remaining
        + "}";
  }

  public static final class Builder {
    private String integration;
    private String endpoint;
    private FaultKind kind;
    private int retryAfterSeconds = 1;
    private long delayMillis = 2_000;
    private int times = -1;
    private int onPage;
    private double probability = 1.0;

    /** Only requests made with this integration's token (null = any). */
    public Builder integration(String integrationId) {
      this.integration = integrationId;
      return this;
    }

    /**
     * The first path segment after {@code /graph/} ({@code people}, {@code events}, ...) or {@code
     * integrations}.
     */
    public Builder endpoint(String endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    public Builder kind(FaultKind kind) {
      this.kind = kind;
      return this;
    }

    public Builder retryAfterSeconds(int seconds) {
      this.retryAfterSeconds = seconds;
      return this;
    }

    public Builder delayMillis(long millis) {
      this.delayMillis = millis;
      return this;
    }

    /** Fire on the next {@code n} matching requests only. */
    public Builder times(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("times must be >= 0");
      }
      this.times = n;
      return this;
    }

    /**
     * Fire only on the k-th page of a paging run forward (1 = the request with neither {@code
     * $cursor} nor {@code $last}; the pages after it follow {@code $next}).
     */
    public Builder onPage(int k) {
      if (k < 1) {
        throw new IllegalArgumentException("pages count from 1");
      }
      this.onPage = k;
      return this;
    }

    /**
     * Fire only on pages asked from a list's end ({@code $last}, with or without {@code $before}).
     */
    public Builder fromTheEnd() {
      this.onPage = FROM_THE_END;
      return this;
    }

    /** Fire with this probability, drawn from the simulator's seeded generator. */
    public Builder probability(double p) {
      if (p < 0 || p > 1) {
        throw new IllegalArgumentException("probability must be within 0..1");
      }
      this.probability = p;
      return this;
    }

    public FaultRule build() {
      if (kind == null) {
        throw new IllegalArgumentException("a fault rule needs a kind");
      }
      return new FaultRule(this);
    }
  }
}
