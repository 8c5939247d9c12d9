package org.rostersync.edlink;

import com.google.gson.JsonObject;
import java.util.List;

/** Receives one complete, parsed page of records at a time, in order. */
@FunctionalInterface
public interface PageHandler {
  /** Throws {@link StopPaging} when no further page should be fetched. */
  void onPage(List<JsonObject> records) throws EdlinkException, StopPaging;
}
