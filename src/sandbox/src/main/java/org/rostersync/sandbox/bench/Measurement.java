package org.rostersync.sandbox.bench;

/**
 * One measured scenario of one system on one dataset. {@code processed} is what records/s counts
 * (records fetched, or rows copied); {@code expectedRows} (rows the source changed) and {@code
 * edlinkCalls} are -1 where they do not apply.
 */
record Measurement(
    String dataset,
    long datasetRecords,
    String scenario,
    String system,
    double seconds,
    long processed,
    Memory memory,
    long rowsWritten,
    long expectedRows,
    long edlinkCalls,
    String note) {

  /** Resident set when the scenario started and its peak, and the heap's peak, in MB. */
  record Memory(long startRssMb, long peakRssMb, long peakHeapMb) {}

  static final String PIPELINE = "pipeline";
  static final String FETCH_ONLY = "(a) fetch-only";
  static final String COPY_ONLY = "(b) COPY write-only";
  static final String IN_MEMORY = "(c) in-memory diff";
  static final String NAIVE = "(d) naive per-row";

  static final String COLD = "cold";
  static final String NO_CHANGE = "no-change resync";
  static final String CHURN = "1% churn resync";
  static final String GATE = "gate skip";
  static final String FETCH = "fetch";
  static final String WRITE = "write";

  double recordsPerSecond() {
    return seconds > 0 ? processed / seconds : 0;
  }
}
