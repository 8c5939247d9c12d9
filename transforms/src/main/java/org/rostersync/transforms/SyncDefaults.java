package org.rostersync.transforms;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every default of the sync, in one place: the transforms start from these and the pipeline's
 * options name them in their {@code @Default} annotations (hence compile-time constants; durations
 * as the option text).
 */
public final class SyncDefaults {
  /** First: the duration constants below are parsed with it. */
  private static final Pattern SHORT_DURATION = Pattern.compile("^(\\d+)\\s*([smhd])$");

  /**
   * Measured with the benchmark (docs/benchmark.md): 25,000 per group halved the DirectRunner's
   * no-change resync against 5,000 (fewer join keys for the runner to track); a group of 25,000
   * records is still a few tens of MB.
   */
  public static final int RECORDS_PER_SHARD = 25_000;

  /** Upper bound of join groups per entity type. */
  public static final int MAX_SHARDS = 512;

  /** Rows per JDBC batch. */
  public static final int BATCH_SIZE = 1_000;

  /**
   * Rows per write transaction (one {@code RowBatch}), and about the most JSON bytes in one: a
   * bound far below Dataflow's 64 MB per element whatever the size of a type.
   */
  public static final int ROWS_PER_WRITE = 5_000;

  public static final long BYTES_PER_WRITE = 16L << 20;

  /**
   * Bytes of records (canonical JSON + 48 each) one fetch element holds before its type spills:
   * with one page on top (10,000 records), still well below Dataflow's 64 MB per work item.
   */
  public static final long FETCH_BYTES_PER_ELEMENT = 32L << 20;

  public static final String DELETE_MODE = "hard";
  public static final double MAX_DELETE_FRACTION = 0.10;
  public static final int DELETE_GUARD_MIN_ROWS = 50;
  public static final String MAX_SKIP_AGE_TEXT = "24h";
  public static final String LEASE_TTL_TEXT = "10m";
  public static final String MAX_RUN_DURATION_TEXT = "6h";

  /** A full sync is forced when the last one is older than this. */
  public static final Duration MAX_SKIP_AGE = parseDuration(MAX_SKIP_AGE_TEXT);

  /** How long a lease lasts without renewal. */
  public static final Duration LEASE_TTL = parseDuration(LEASE_TTL_TEXT);

  /** A run not ended after this long is recorded failed and its lease released. */
  public static final Duration MAX_RUN_DURATION = parseDuration(MAX_RUN_DURATION_TEXT);

  private SyncDefaults() {}

  public static DeletePolicy deletePolicy() {
    return new DeletePolicy(
        DeletePolicy.Mode.valueOf(DELETE_MODE.toUpperCase(Locale.ROOT)),
        MAX_DELETE_FRACTION,
        DELETE_GUARD_MIN_ROWS);
  }

  /** Accepts 24h, 90m, 30s, 2d or ISO-8601 (PT12H). */
  public static Duration parseDuration(String value) {
    String v = value.trim();
    Matcher m = SHORT_DURATION.matcher(v.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(v);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "not a duration: '" + value + "' (use e.g. 24h, 90m or PT12H)");
    }
  }

  /** The joda form Beam's timers and windows take. */
  static org.joda.time.Duration joda(Duration d) {
    return org.joda.time.Duration.millis(d.toMillis());
  }
}
