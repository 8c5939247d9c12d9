package org.rostersync.transforms;

import java.io.Serializable;
import java.time.Duration;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.PageBudget;
import org.rostersync.edlink.RetryListener;

/**
 * How workers reach Edlink. The application secret is a {@link SecretRef}, resolved on the worker.
 */
public final class EdlinkConfig implements Serializable {
  /**
   * {@link PageBudget#RECORDS_PER_CORE} per core of the worker, decided on the worker
   * (docs/benchmark-process.md, "Fewer parsed pages at once").
   */
  public static final int DEFAULT_RECORDS_IN_FLIGHT = -1;

  // Not final only so that each withX changes one field of a copy; no instance changes once made.
  private String baseUrl;
  private SecretRef appSecret;
  private int pageSize = EdlinkClient.MAX_PAGE_SIZE;
  private int maxAttempts = 6;
  private long initialBackoffMillis = 500;
  private boolean fromBothEnds = true;
  private int recordsInFlight = DEFAULT_RECORDS_IN_FLIGHT;

  private EdlinkConfig(String baseUrl, SecretRef appSecret) {
    this.baseUrl = baseUrl;
    this.appSecret = appSecret;
  }

  private EdlinkConfig copy() {
    EdlinkConfig c = new EdlinkConfig(baseUrl, appSecret);
    c.pageSize = pageSize;
    c.maxAttempts = maxAttempts;
    c.initialBackoffMillis = initialBackoffMillis;
    c.fromBothEnds = fromBothEnds;
    c.recordsInFlight = recordsInFlight;
    return c;
  }

  /**
   * Pages of 10,000; a type paged whole is paged from both ends; the records of pages held at once
   * bounded per worker by its cores ({@link PageBudget#perCore()}).
   */
  public static EdlinkConfig of(String baseUrl, SecretRef appSecret) {
    return new EdlinkConfig(baseUrl, appSecret);
  }

  public EdlinkConfig withPageSize(int pageSize) {
    if (pageSize < 1 || pageSize > EdlinkClient.MAX_PAGE_SIZE) {
      throw new IllegalArgumentException("page size must be 1.." + EdlinkClient.MAX_PAGE_SIZE);
    }
    EdlinkConfig c = copy();
    c.pageSize = pageSize;
    return c;
  }

  public EdlinkConfig withRetries(int maxAttempts, long initialBackoffMillis) {
    EdlinkConfig c = copy();
    c.maxAttempts = maxAttempts;
    c.initialBackoffMillis = initialBackoffMillis;
    return c;
  }

  /**
   * Whether a type paged whole, of more than one page, is also paged backward from its end ({@link
   * EdlinkClient.Builder#fromBothEnds}).
   */
  public EdlinkConfig withPagingFromBothEnds(boolean fromBothEnds) {
    EdlinkConfig c = copy();
    c.fromBothEnds = fromBothEnds;
    return c;
  }

  /**
   * The records of pages read or waiting for their handler that all clients of a JVM hold at once
   * ({@link PageBudget}); 0: no bound; -1: {@link PageBudget#perCore()}.
   */
  public EdlinkConfig withRecordsInFlight(int records) {
    if (records < -1) {
      throw new IllegalArgumentException(
          "records in flight must be -1 (per core), 0 (no bound) or more, got " + records);
    }
    EdlinkConfig c = copy();
    c.recordsInFlight = records;
    return c;
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** Base URL and page size for a transform's display data; never the secret. */
  void addTo(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("edlinkBaseUrl", baseUrl).withLabel("Edlink base URL"))
        .add(DisplayData.item("pageSize", pageSize).withLabel("Edlink page size"))
        .add(
            DisplayData.item("pageFromBothEnds", fromBothEnds)
                .withLabel("Page a type from both ends"))
        .add(
            DisplayData.item("recordsInFlight", recordsInFlight)
                .withLabel("Records of pages held at once per worker (0: no bound, -1: per core)"));
  }

  public int pageSize() {
    return pageSize;
  }

  /** A new client; call from {@code @Setup}. */
  public EdlinkClient newClient(RetryListener retries) {
    return build(appSecret.resolve(), retries);
  }

  /**
   * A new client with the application secret read again from its source (it was refused: maybe
   * rotated).
   */
  public EdlinkClient newClientWithFreshSecret(RetryListener retries) {
    return build(appSecret.refresh(), retries);
  }

  private EdlinkClient build(String secret, RetryListener retries) {
    return EdlinkClient.builder()
        .baseUrl(baseUrl)
        .appSecret(secret)
        .pageSize(pageSize)
        .fromBothEnds(fromBothEnds)
        .pageBudget(PageBudget.shared(recordsInFlight))
        .maxAttempts(maxAttempts)
        .initialBackoff(Duration.ofMillis(initialBackoffMillis))
        .retryListener(retries)
        .build();
  }

  @Override
  public String toString() {
    return "EdlinkConfig{baseUrl="
        + baseUrl
        + ", pageSize="
        + pageSize
        + ", fromBothEnds="
        + fromBothEnds
        + ", recordsInFlight="
        + recordsInFlight
        + "}";
  }
}
