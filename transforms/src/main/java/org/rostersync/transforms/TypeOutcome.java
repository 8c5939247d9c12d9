package org.rostersync.transforms;

import java.io.Serializable;
import java.util.List;
import org.rostersync.edlink.EntityType;

/** How one entity type of one run ended. */
public record TypeOutcome(
    EntityType type,
    Status status,
    FetchSummary fetch,
    long stored,
    long created,
    long updated,
    long deleted,
    long unchanged,
    long heldDeletes,
    List<String> heldSample,
    String error) implements Serializable {

  public enum Status {
    /** Fetched completely, diffed and written. */
    OK,
    /** Fetch or write failed: nothing of this type was deleted. */
    FAILED,
    /** Creates and updates written; a suspicious delete wave is held for an operator. */
    HELD
  }

  public static TypeOutcome failed(EntityType type, FetchSummary fetch, String error) {
    return new TypeOutcome(type, Status.FAILED, fetch, 0, 0, 0, 0, 0, 0, List.of(), error);
  }
}
