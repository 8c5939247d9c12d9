package org.rostersync.transforms;

import java.io.Serializable;
import org.rostersync.edlink.EntityType;

/** One entity type of one run: the unit the fetch works on. */
public record TypeTask(SyncJob job, EntityType type) implements Serializable {}
