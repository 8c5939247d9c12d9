package org.rostersync.transforms;

import java.io.Serializable;
import java.util.List;

/** The end of one run of one integration, as recorded in {@code sync_runs}. */
public record RunResult(
    String runId,
    String integrationId,
    Status status,
    String gateReason,
    long startedAtMillis,
    long finishedAtMillis,
    List<TypeOutcome> types,
    String error) implements Serializable {

  public enum Status {
    SUCCEEDED, PARTIAL, FAILED, HELD, SKIPPED;

    public String dbValue() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public long total(java.util.function.ToLongFunction<TypeOutcome> f) {
    return types.stream().mapToLong(f).sum();
  }
}
