package org.rostersync.sandbox.simulator;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

/** The active fault rules of a simulator. The first rule that fires wins; thread-safe. */
public final class FaultInjector {
  private final List<FaultRule> rules = new CopyOnWriteArrayList<>();
  private final SplittableRandom rng;

  FaultInjector(long seed) {
    this.rng = new SplittableRandom(Ids.key(seed, 6000));
  }

  public FaultRule add(FaultRule rule) {
    rules.add(rule);
    return rule;
  }

  public boolean remove(FaultRule rule) {
    return rules.remove(rule);
  }

  public void clear() {
    rules.clear();
  }

  public List<FaultRule> rules() {
    return List.copyOf(rules);
  }

  /** The rule that fires for this request, or null. */
  FaultRule fire(String integrationId, String endpoint, int page) {
    for (FaultRule r : rules) {
      if (r.matches(integrationId, endpoint, page) && draw(r.probability()) && r.take()) {
        return r;
      }
    }
    return null;
  }

  private boolean draw(double probability) {
    if (probability >= 1) {
      return true;
    }
    synchronized (rng) {
      return rng.nextDouble() < probability;
    }
  }
}
