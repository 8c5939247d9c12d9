package org.rostersync.pipeline;

import java.time.Duration;
import java.util.Locale;
import org.rostersync.transforms.DeletePolicy;
import org.rostersync.transforms.EdlinkConfig;
import org.rostersync.transforms.JdbcConfig;
import org.rostersync.transforms.SecretRef;
import org.rostersync.transforms.SyncDefaults;
import org.rostersync.transforms.SyncIntegrations;
import org.rostersync.transforms.SyncJob;

/**
 * Turns command-line options into the transforms' configuration, refusing plain secrets on
 * Dataflow.
 */
public final class SyncConfigs {
  static final String JDBC_PASSWORD_ENV = "ROSTER_SYNC_JDBC_PASSWORD";
  static final String APP_SECRET_ENV = "EDLINK_APP_SECRET";

  private SyncConfigs() {}

  public static SyncIntegrations syncTransform(SyncOptions o) {
    return SyncIntegrations.create()
        .withEdlink(edlink(o))
        .withDatabase(jdbc(o))
        .withSharding(o.getRecordsPerShard(), o.getMaxShards())
        .withBytesPerFetchElement(fetchBytesPerElement(o))
        .withBatchSize(o.getBatchSize())
        .withDeletePolicy(deletePolicy(o))
        .withMaxSkipAge(parseDuration(o.getMaxSkipAge()))
        .withLeases(leaseTtl(o), maxRunDuration(o))
        .withFusionBreakBeforeRead(
            !org.apache.beam.runners.direct.DirectRunner.class.equals(o.getRunner()));
  }

  /**
   * {@code --fetchBytesPerElement}, or when 0 the runner's choice: Dataflow's work items must stay
   * small (32 MiB of records each); the DirectRunner keeps every bundle and all state in its one
   * heap, where spilling bounds nothing and made the large cold sync slower
   * (docs/benchmark-process.md).
   */
  static long fetchBytesPerElement(SyncOptions o) {
    long configured = o.getFetchBytesPerElement();
    if (configured < 0) {
      throw new IllegalArgumentException(
          "--fetchBytesPerElement must be 0 (automatic) or positive, got " + configured);
    }
    if (configured > 0) {
      return configured;
    }
    return org.apache.beam.runners.direct.DirectRunner.class.equals(o.getRunner())
        ? Long.MAX_VALUE
        : SyncDefaults.FETCH_BYTES_PER_ELEMENT;
  }

  public static Duration leaseTtl(SyncOptions o) {
    return parseDuration(o.getLeaseTtl());
  }

  public static Duration maxRunDuration(SyncOptions o) {
    return parseDuration(o.getMaxRunDuration());
  }

  public static EdlinkConfig edlink(SyncOptions o) {
    SecretRef secret =
        secret(
            o,
            o.getEdlinkAppSecret(),
            o.getEdlinkAppSecretSecretName(),
            APP_SECRET_ENV,
            "edlinkAppSecret");
    return EdlinkConfig.of(o.getEdlinkBaseUrl(), secret)
        .withPageSize(o.getPageSize())
        .withPagingFromBothEnds(o.getPageFromBothEnds())
        .withRecordsInFlight(o.getPageRecordsInFlight());
  }

  public static JdbcConfig jdbc(SyncOptions o) {
    if (o.getJdbcUrl() == null || o.getJdbcUrl().isBlank()) {
      throw new IllegalArgumentException(
          "--jdbcUrl is required, e.g. jdbc:postgresql://localhost:5432/roster");
    }
    if (!o.getJdbcUrl().startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "--jdbcUrl must be a PostgreSQL JDBC URL (jdbc:postgresql://...)");
    }
    SecretRef password =
        secret(
            o,
            o.getJdbcPassword(),
            o.getJdbcPasswordSecretName(),
            JDBC_PASSWORD_ENV,
            "jdbcPassword");
    return JdbcConfig.of(o.getJdbcUrl(), o.getJdbcUser(), password)
        .withMaxPoolSize(o.getDbPoolSize())
        .withWriteRowsInFlight(o.getWriteRowsInFlight());
  }

  public static DeletePolicy deletePolicy(SyncOptions o) {
    DeletePolicy.Mode mode;
    try {
      mode = DeletePolicy.Mode.valueOf(o.getDeleteMode().trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--deleteMode must be hard or soft, got '" + o.getDeleteMode() + "'");
    }
    return new DeletePolicy(mode, o.getMaxDeleteFraction(), o.getDeleteGuardMinRows());
  }

  public static SyncJob.Mode mode(String value) {
    try {
      return SyncJob.Mode.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("mode must be auto or full, got '" + value + "'");
    }
  }

  /** Accepts 24h, 90m, 30s, 2d or ISO-8601 (PT12H). */
  public static Duration parseDuration(String value) {
    return SyncDefaults.parseDuration(value);
  }

  static boolean onDataflow(SyncOptions o) {
    return o.getRunner() != null && o.getRunner().getSimpleName().startsWith("Dataflow");
  }

  private static SecretRef secret(
      SyncOptions o, String plain, String secretName, String env, String option) {
    // Refused on Dataflow even next to a secret name: the value would reach the job spec, readable
    // in the console.
    if (onDataflow(o) && plain != null) {
      throw new IllegalArgumentException(
          "--"
              + option
              + " would put a secret in plain text into the Dataflow job;"
              + " drop it and use --"
              + option
              + "SecretName with a Secret Manager name");
    }
    if (secretName != null && !secretName.isBlank()) {
      return new SecretManagerSecret(secretName.trim());
    }
    if (onDataflow(o)) {
      throw new IllegalArgumentException("--" + option + "SecretName is required on Dataflow");
    }
    if (plain != null) {
      return SecretRef.plain(plain);
    }
    return SecretRef.plain(System.getenv(env));
  }
}
