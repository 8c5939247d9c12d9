package org.rostersync.sandbox.bench;

import org.rostersync.edlink.EdlinkClient;

/**
 * Baseline (a): the Edlink client pages every record of every type and discards it; the fetch
 * limit.
 */
final class FetchOnly {
  private FetchOnly() {}

  /** Records fetched. */
  static long run(EdlinkClient client, String token, int threads) throws Exception {
    return PerType.sum(threads, type -> client.fetchAll(token, type, page -> {}).records());
  }
}
