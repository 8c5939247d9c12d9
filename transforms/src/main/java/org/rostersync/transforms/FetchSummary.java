package org.rostersync.transforms;

import java.io.Serializable;

/** What fetching one entity type of one integration cost. */
public record FetchSummary(long records, int pages, int retries, long millis) implements Serializable {}
