package org.rostersync.edlink;

/**
 * Receives one complete, checked page of records at a time, in order ({@link Page}: read-only, each
 * record held as its canonical JSON).
 */
@FunctionalInterface
public interface PageHandler {
  /** Throws {@link StopPaging} when no further page should be fetched. */
  void onPage(Page records) throws EdlinkException, StopPaging;
}
