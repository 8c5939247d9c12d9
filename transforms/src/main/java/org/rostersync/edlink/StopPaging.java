package org.rostersync.edlink;

/**
 * Thrown by a {@link PageHandler} that needs no more pages (e.g. a record already failed the whole
 * type): the client then fetches no further page and {@link EdlinkClient#fetchAll} returns the
 * stats of the pages fetched so far. The handler knows why it stopped.
 */
public final class StopPaging extends Exception {
  public StopPaging() {
    super("paging stopped by the page handler", null, false, false);
  }
}
