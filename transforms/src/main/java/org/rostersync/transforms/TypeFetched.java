package org.rostersync.transforms;

import java.io.Serializable;
import org.rostersync.edlink.EntityType;

/** The fetch-complete signal of one type: drives the read of stored hashes, with the shard count both sides use. */
public record TypeFetched(String runId, String integrationId, EntityType type, int shardCount)
    implements Serializable {

  /** Round-trips through the SQL so each stored row knows its join key. */
  String encode() {
    return runId + "|" + integrationId + "|" + type.path() + "|" + shardCount;
  }

  static TypeFetched decode(String s) {
    String[] p = s.split("\\|");
    return new TypeFetched(p[0], p[1], EntityType.fromPath(p[2]), Integer.parseInt(p[3]));
  }
}
