package org.rostersync.edlink;

/**
 * What one paging of an endpoint cost; {@code resumeFrom} is where a paused paging goes on (null
 * when it reached the end or was stopped); {@code pagesFromEnd} of the {@code pages} were paged
 * backward from the end ({@link EdlinkClient.Builder#fromBothEnds}); {@code budgetWaitMillis} is
 * how long its pages waited for their share of the page budget, and {@code pagesOverBudget} how
 * many of them were read over it when the wait ran out ({@link PageBudget}).
 */
public record FetchStats(
    long records,
    int pages,
    int retries,
    String resumeFrom,
    int pagesFromEnd,
    long budgetWaitMillis,
    int pagesOverBudget) {
  public FetchStats(long records, int pages, int retries, String resumeFrom) {
    this(records, pages, retries, resumeFrom, 0, 0, 0);
  }

  public FetchStats(long records, int pages, int retries) {
    this(records, pages, retries, null, 0, 0, 0);
  }
}
