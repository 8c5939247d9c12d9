package org.rostersync.transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.joda.time.Duration;

/**
 * Leases in memory for tests of admission without PostgreSQL. Instances are serialized into DoFns,
 * so the table lives in a static map under the instance's name. A lease can be "held elsewhere" for
 * a number of acquire attempts.
 */
final class InMemoryLeases implements Leases {
  private static final long serialVersionUID = 1L;

  /** One table per name: integration → holder run id. */
  static final Map<String, Map<String, String>> HOLDERS = new ConcurrentHashMap<>();

  static final Map<String, Map<String, Integer>> HELD_FOR = new ConcurrentHashMap<>();
  static final Map<String, List<String>> LOG = new ConcurrentHashMap<>();

  private final String name;

  InMemoryLeases(String name) {
    this.name = name;
    HOLDERS.put(name, new ConcurrentHashMap<>());
    HELD_FOR.put(name, new ConcurrentHashMap<>());
    LOG.put(name, java.util.Collections.synchronizedList(new ArrayList<>()));
  }

  /** Another run holds the integration's lease for the next {@code attempts} acquire calls. */
  InMemoryLeases heldElsewhere(String integrationId, String holder, int attempts) {
    HOLDERS.get(name).put(integrationId, holder);
    HELD_FOR.get(name).put(integrationId, attempts);
    return this;
  }

  List<String> log() {
    return LOG.get(name);
  }

  @Override
  public synchronized String acquire(String integrationId, String runId, Duration ttl) {
    Map<String, String> holders = HOLDERS.get(name);
    Integer left = HELD_FOR.get(name).get(integrationId);
    if (left != null) {
      if (left > 0) {
        HELD_FOR.get(name).put(integrationId, left - 1);
        LOG.get(name).add("refused " + runId);
        return holders.get(integrationId);
      }
      HELD_FOR.get(name).remove(integrationId);
      holders.remove(integrationId);
    }
    String holder = holders.putIfAbsent(integrationId, runId);
    if (holder == null || holder.equals(runId)) {
      LOG.get(name).add("acquired " + runId);
      return null;
    }
    return holder;
  }

  @Override
  public synchronized boolean renew(String integrationId, String runId, Duration ttl) {
    boolean held = runId.equals(HOLDERS.get(name).get(integrationId));
    LOG.get(name).add((held ? "renewed " : "lost ") + runId);
    return held;
  }

  @Override
  public synchronized void expire(SyncJob run, String reason) {
    LOG.get(name).add("expired " + run.runId());
    HOLDERS.get(name).remove(run.integrationId(), run.runId());
  }

  /** What RecordRuns does at the end of a run. */
  void release(String integrationId, String runId) {
    HOLDERS.get(name).remove(integrationId, runId);
  }
}
