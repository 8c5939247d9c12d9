package org.rostersync.edlink;

/** What one complete paging of an endpoint cost. */
public record FetchStats(long records, int pages, int retries) {}
