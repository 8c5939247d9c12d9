package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;

/**
 * What fetching one entity type of one integration cost, and how many records were rejected (kept out of the
 * database, sent to {@code dead_letter_records}, and never mistaken for deletes).
 */
public record FetchSummary(long records, int pages, int retries, long millis, long rejected) implements Serializable {

  void writeTo(DataOutputStream out) throws IOException {
    out.writeLong(records);
    out.writeInt(pages);
    out.writeInt(retries);
    out.writeLong(millis);
    out.writeLong(rejected);
  }

  static FetchSummary readFrom(DataInputStream in) throws IOException {
    return new FetchSummary(in.readLong(), in.readInt(), in.readInt(), in.readLong(), in.readLong());
  }
}
