package org.rostersync.transforms;

import java.io.Serializable;

/**
 * Something that happened to a run, keyed by {@link SyncJob#runKey()}: either one type finished, or the whole run
 * ended before fetching (skipped by the change gate, or failed on auth or state).
 */
public record RunEvent(SyncJob job, TypeOutcome typeOutcome, RunResult.Status runStatus, String message)
    implements Serializable {

  public static RunEvent type(SyncJob job, TypeOutcome outcome) {
    return new RunEvent(job, outcome, null, null);
  }

  public static RunEvent wholeRun(SyncJob job, RunResult.Status status, String message) {
    return new RunEvent(job, null, status, message);
  }
}
