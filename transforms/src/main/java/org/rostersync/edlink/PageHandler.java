package org.rostersync.edlink;

import com.google.gson.JsonObject;
import java.util.List;

/**
 * Receives one complete, checked page of records at a time, in order. The list is read-only and
 * parses each record as it is iterated (a loop over it holds one record's objects at a time).
 */
@FunctionalInterface
public interface PageHandler {
  /** Throws {@link StopPaging} when no further page should be fetched. */
  void onPage(List<JsonObject> records) throws EdlinkException, StopPaging;
}
