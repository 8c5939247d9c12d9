package org.rostersync.sandbox.soak;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.rostersync.sandbox.simulator.FaultKind;
import org.rostersync.sandbox.simulator.FaultRule;

/**
 * The transient faults of one round: for each chosen integration a few probabilistic rules over all
 * of its endpoints (Graph, events and Meta), plus an occasional burst of 429s on one type. Each
 * request is broken with a probability of about 15%, so a request fails past all six client
 * attempts with a chance near 1e-5.
 */
final class FaultPlan {
  private static final String[] BURST_ENDPOINTS = {"people", "enrollments", "classes", "events"};

  private final List<FaultRule> rules = new ArrayList<>();

  List<FaultRule> rules() {
    return rules;
  }

  void addTransientFaults(String integrationId, Random rng) {
    add(integrationId, FaultKind.RATE_LIMIT, 0.04);
    add(integrationId, FaultKind.SERVER_ERROR_500, 0.02);
    add(integrationId, FaultKind.BAD_GATEWAY_502, 0.02);
    add(integrationId, FaultKind.UNAVAILABLE_503, 0.02);
    add(integrationId, FaultKind.DROP_MID_BODY, 0.02);
    add(integrationId, FaultKind.TRUNCATED_JSON, 0.02);
    rules.add(
        FaultRule.builder()
            .integration(integrationId)
            .kind(FaultKind.SLOW)
            .delayMillis(300 + rng.nextInt(700))
            .probability(0.03)
            .build());
    if (rng.nextInt(3) == 0) {
      rules.add(
          FaultRule.builder()
              .integration(integrationId)
              .endpoint(BURST_ENDPOINTS[rng.nextInt(BURST_ENDPOINTS.length)])
              .kind(FaultKind.RATE_LIMIT)
              .retryAfterSeconds(1)
              .times(1 + rng.nextInt(3))
              .build());
    }
  }

  /** A fault that every retry meets: the given page of one endpoint always fails this way. */
  void addPermanentPageFault(String integrationId, String endpoint, int page, FaultKind kind) {
    rules.add(
        FaultRule.builder()
            .integration(integrationId)
            .endpoint(endpoint)
            .onPage(page)
            .kind(kind)
            .build());
  }

  /**
   * Every page of {@code endpoint} asked from the list's end fails with 500, for good: the pages
   * from the end would otherwise page around a forward page that fails for good.
   */
  void refusePagingFromTheEnd(String integrationId, String endpoint) {
    rules.add(
        FaultRule.builder()
            .integration(integrationId)
            .endpoint(endpoint)
            .fromTheEnd()
            .kind(FaultKind.SERVER_ERROR_500)
            .build());
  }

  private void add(String integrationId, FaultKind kind, double probability) {
    rules.add(
        FaultRule.builder()
            .integration(integrationId)
            .kind(kind)
            .probability(probability)
            .retryAfterSeconds(1)
            .build());
  }

  /** Firings so far per kind. */
  Map<FaultKind, Long> fired() {
    Map<FaultKind, Long> out = new EnumMap<>(FaultKind.class);
    for (FaultRule r : rules) {
      out.merge(r.kind(), r.fired(), Long::sum);
    }
    return out;
  }
}
