package org.rostersync.transforms;

import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;

/** Beam counters of the sync, in one namespace, instead of per-record logging. */
public final class SyncMetrics {
  public static final String NAMESPACE = "roster-sync";

  public static final Counter FETCHED = Metrics.counter(NAMESPACE, "records_fetched");
  public static final Counter PAGES = Metrics.counter(NAMESPACE, "pages_fetched");

  /** Of {@link #PAGES}, those paged backward from a type's end (paging from both ends). */
  public static final Counter PAGES_FROM_END = Metrics.counter(NAMESPACE, "pages_fetched_from_end");

  /**
   * Milliseconds a worker's pages waited for their share of its page budget ({@code
   * --pageRecordsInFlight}); steady growth means pages wait for the CPU or their handlers.
   */
  public static final Counter PAGE_BUDGET_WAIT_MS =
      Metrics.counter(NAMESPACE, "page_budget_wait_ms");

  /**
   * Milliseconds batches of creates and updates waited for their rows of the worker's write budget
   * ({@code --writeRowsInFlight}).
   */
  public static final Counter WRITE_BUDGET_WAIT_MS =
      Metrics.counter(NAMESPACE, "write_budget_wait_ms");

  /** Pages read over the page budget because their wait for a share ran out (2 s). */
  public static final Counter PAGES_OVER_BUDGET = Metrics.counter(NAMESPACE, "pages_over_budget");

  public static final Counter RETRIES = Metrics.counter(NAMESPACE, "edlink_retries");
  public static final Counter FETCH_FAILURES = Metrics.counter(NAMESPACE, "types_failed");
  public static final Counter DUPLICATES_DROPPED =
      Metrics.counter(NAMESPACE, "duplicate_records_dropped");
  public static final Counter RECORDS_REJECTED = Metrics.counter(NAMESPACE, "records_rejected");
  public static final Counter CREATED = Metrics.counter(NAMESPACE, "rows_created");
  public static final Counter UPDATED = Metrics.counter(NAMESPACE, "rows_updated");
  public static final Counter DELETED = Metrics.counter(NAMESPACE, "rows_deleted");
  public static final Counter UNCHANGED = Metrics.counter(NAMESPACE, "rows_unchanged");
  public static final Counter DELETES_HELD = Metrics.counter(NAMESPACE, "deletes_held");
  public static final Counter DB_RETRIES = Metrics.counter(NAMESPACE, "db_retries");

  /** Batches of new rows whose COPY was refused (a row existed or was bad) and upserted instead. */
  public static final Counter COPIES_UPSERTED = Metrics.counter(NAMESPACE, "copies_upserted");

  public static final Counter SECRET_REFRESHES = Metrics.counter(NAMESPACE, "secret_refreshes");
  public static final Counter JOIN_GROUPS = Metrics.counter(NAMESPACE, "join_groups");

  /** Shards holding more than twice their type's share of its records ({@link Sharding}). */
  public static final Counter UNEVEN_SHARDS = Metrics.counter(NAMESPACE, "uneven_shards");

  public static final Counter INCOMPLETE_GROUPS =
      Metrics.counter(NAMESPACE, "incomplete_join_groups");
  public static final Counter TYPES_COMPLETED = Metrics.counter(NAMESPACE, "types_completed");
  public static final Counter RUNS_SUCCEEDED = Metrics.counter(NAMESPACE, "runs_succeeded");
  public static final Counter RUNS_FAILED = Metrics.counter(NAMESPACE, "runs_failed");
  public static final Counter RUNS_PARTIAL = Metrics.counter(NAMESPACE, "runs_partial");
  public static final Counter RUNS_HELD = Metrics.counter(NAMESPACE, "runs_held");
  public static final Counter RUNS_SKIPPED = Metrics.counter(NAMESPACE, "runs_skipped");

  /** Types too large for one fetch element, paged in checkpointed stretches. */
  public static final Counter TYPES_SPILLED = Metrics.counter(NAMESPACE, "types_spilled");

  /** Types whose stored hashes were asked for before their fetch (the DirectRunner). */
  public static final Counter TYPES_READ_AHEAD = Metrics.counter(NAMESPACE, "types_read_ahead");

  /** Types with nothing stored, whose empty stored side the fetch gave the join itself. */
  public static final Counter TYPES_STORED_KNOWN_EMPTY =
      Metrics.counter(NAMESPACE, "types_stored_known_empty");

  /** Join groups read ahead and cleared because their type's fetch failed. */
  public static final Counter GROUPS_WITHDRAWN = Metrics.counter(NAMESPACE, "groups_withdrawn");

  /** Bytes of records (JSON + 48 per record) one fetch element held and emitted. */
  public static final Distribution FETCH_ELEMENT_BYTES =
      Metrics.distribution(NAMESPACE, "record_bytes_per_fetch_element");

  public static final Distribution GROUP_SIZE =
      Metrics.distribution(NAMESPACE, "records_per_join_group");

  /**
   * Events of a run older than the one a step tracks for the same integration (an abandoned run's
   * leftovers).
   */
  public static final Counter STALE_RUN_EVENTS = Metrics.counter(NAMESPACE, "stale_run_events");

  private SyncMetrics() {}
}
