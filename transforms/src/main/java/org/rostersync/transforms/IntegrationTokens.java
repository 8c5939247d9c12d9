package org.rostersync.transforms;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EdlinkException;
import org.rostersync.edlink.Integration;

/**
 * Integration tokens, looked up through the Meta API on the worker and cached per JVM for a while, so tokens never
 * travel in pipeline elements and a tick does not cost one Meta call per integration and step.
 */
public final class IntegrationTokens {
  private static final long TTL_MILLIS = 15 * 60_000L;
  private static final Map<String, Entry> CACHE = new ConcurrentHashMap<>();

  private record Entry(Integration integration, long loadedAt) {}

  private IntegrationTokens() {}

  /** The integration (with token) for {@code integrationId}; from cache when fresh. */
  public static Integration get(EdlinkClient client, String baseUrl, String integrationId) throws EdlinkException {
    String key = baseUrl + "|" + integrationId;
    Entry e = CACHE.get(key);
    if (e != null && System.currentTimeMillis() - e.loadedAt < TTL_MILLIS) {
      return e.integration;
    }
    Integration fresh = client.getIntegration(integrationId);
    CACHE.put(key, new Entry(fresh, System.currentTimeMillis()));
    return fresh;
  }

  /** Remembers a whole listing (the "all" tick lists every integration with its token anyway). */
  public static void remember(String baseUrl, List<Integration> integrations) {
    long now = System.currentTimeMillis();
    for (Integration i : integrations) {
      CACHE.put(baseUrl + "|" + i.id(), new Entry(i, now));
    }
  }

  /** Drops a token that Edlink refused, so the next call asks the Meta API again. */
  public static void invalidate(String baseUrl, String integrationId) {
    CACHE.remove(baseUrl + "|" + integrationId);
  }
}
