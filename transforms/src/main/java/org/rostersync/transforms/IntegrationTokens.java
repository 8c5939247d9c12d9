package org.rostersync.transforms;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EdlinkException;
import org.rostersync.edlink.Integration;

/**
 * Integration tokens, looked up through the Meta API on the worker and cached per JVM for a while,
 * so tokens never travel in pipeline elements and a tick does not cost one Meta call per
 * integration and step.
 */
public final class IntegrationTokens {
  private static final long TTL_MILLIS = 15 * 60_000L;

  /** How long a listing answers "is this id one of ours?" without asking Edlink again. */
  static final long LISTING_TTL_MILLIS = 60_000L;

  private static final Map<String, Entry> CACHE = new ConcurrentHashMap<>();
  private static final Map<String, Long> LISTED_AT = new ConcurrentHashMap<>();

  private record Entry(Integration integration, long loadedAt) {}

  private IntegrationTokens() {}

  /** The integration (with token) for {@code integrationId}; from cache when fresh. */
  public static Integration get(EdlinkClient client, String baseUrl, String integrationId)
      throws EdlinkException {
    String key = baseUrl + "|" + integrationId;
    Entry e = CACHE.get(key);
    if (e != null && System.currentTimeMillis() - e.loadedAt < TTL_MILLIS) {
      return e.integration;
    }
    Integration fresh = client.getIntegration(integrationId);
    CACHE.put(key, new Entry(fresh, System.currentTimeMillis()));
    return fresh;
  }

  /**
   * The integration if the application has it, else empty. Unknown ids are looked up against one
   * listing of all integrations, reused for {@link #LISTING_TTL_MILLIS}: a flood of messages naming
   * unknown ids costs at most one Meta API call a minute, not one each.
   */
  public static java.util.Optional<Integration> find(
      EdlinkClient client, String baseUrl, String integrationId) throws EdlinkException {
    Entry e = CACHE.get(baseUrl + "|" + integrationId);
    if (e != null && System.currentTimeMillis() - e.loadedAt < TTL_MILLIS) {
      return java.util.Optional.of(e.integration);
    }
    synchronized (LISTED_AT) {
      Long listed = LISTED_AT.get(baseUrl);
      if (listed == null || System.currentTimeMillis() - listed >= LISTING_TTL_MILLIS) {
        remember(baseUrl, client.listIntegrations());
        LISTED_AT.put(baseUrl, System.currentTimeMillis());
      }
    }
    Entry listed = CACHE.get(baseUrl + "|" + integrationId);
    return listed == null ? java.util.Optional.empty() : java.util.Optional.of(listed.integration);
  }

  /** Forgets everything (tests). */
  static void clear() {
    CACHE.clear();
    LISTED_AT.clear();
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
