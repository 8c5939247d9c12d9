package org.rostersync.transforms;

import java.io.Serializable;
import org.rostersync.edlink.EntityType;

/** A record kept out of the database, with the reason; stored in {@code dead_letter_records}. */
public record RejectedRecord(String runId, String integrationId, EntityType type, String id, String reason,
    String excerpt) implements Serializable {}
