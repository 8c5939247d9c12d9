package org.rostersync.edlink;

/**
 * What one paging of an endpoint cost; {@code resumeFrom} is where a paused paging goes on (null
 * when it reached the end or was stopped).
 */
public record FetchStats(long records, int pages, int retries, String resumeFrom) {
  public FetchStats(long records, int pages, int retries) {
    this(records, pages, retries, null);
  }
}
