package org.rostersync.transforms;

import java.io.Serializable;
import java.time.Duration;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.RetryListener;

/**
 * How workers reach Edlink. The application secret is a {@link SecretRef}, resolved on the worker.
 */
public final class EdlinkConfig implements Serializable {
  private final String baseUrl;
  private final SecretRef appSecret;
  private final int pageSize;
  private final int maxAttempts;
  private final long initialBackoffMillis;
  private final boolean fromBothEnds;

  private EdlinkConfig(
      String baseUrl,
      SecretRef appSecret,
      int pageSize,
      int maxAttempts,
      long initialBackoffMillis,
      boolean fromBothEnds) {
    this.baseUrl = baseUrl;
    this.appSecret = appSecret;
    this.pageSize = pageSize;
    this.maxAttempts = maxAttempts;
    this.initialBackoffMillis = initialBackoffMillis;
    this.fromBothEnds = fromBothEnds;
  }

  /** Pages of 10,000; a type paged whole is paged from both ends. */
  public static EdlinkConfig of(String baseUrl, SecretRef appSecret) {
    return new EdlinkConfig(baseUrl, appSecret, EdlinkClient.MAX_PAGE_SIZE, 6, 500, true);
  }

  public EdlinkConfig withPageSize(int pageSize) {
    if (pageSize < 1 || pageSize > EdlinkClient.MAX_PAGE_SIZE) {
      throw new IllegalArgumentException("page size must be 1.." + EdlinkClient.MAX_PAGE_SIZE);
    }
    return new EdlinkConfig(
        baseUrl, appSecret, pageSize, maxAttempts, initialBackoffMillis, fromBothEnds);
  }

  public EdlinkConfig withRetries(int maxAttempts, long initialBackoffMillis) {
    return new EdlinkConfig(
        baseUrl, appSecret, pageSize, maxAttempts, initialBackoffMillis, fromBothEnds);
  }

  /**
   * Whether a type paged whole, of more than one page, is also paged backward from its end ({@link
   * EdlinkClient.Builder#fromBothEnds}).
   */
  public EdlinkConfig withPagingFromBothEnds(boolean fromBothEnds) {
    return new EdlinkConfig(
        baseUrl, appSecret, pageSize, maxAttempts, initialBackoffMillis, fromBothEnds);
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
                .withLabel("Page a type from both ends"));
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
        + "}";
  }
}
