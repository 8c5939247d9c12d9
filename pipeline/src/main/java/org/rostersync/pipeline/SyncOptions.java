package org.rostersync.pipeline;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;
import org.rostersync.transforms.EdlinkConfig;
import org.rostersync.transforms.JdbcConfig;
import org.rostersync.transforms.SyncDefaults;

/**
 * Options of the roster sync. Locally, secrets may come from plain options or environment
 * variables; on Dataflow they must be Secret Manager names ({@code ...SecretName}), resolved on the
 * workers. The plain secret options are {@code @JsonIgnore}: never serialized with the options (the
 * Dataflow job spec carries the serialized options).
 */
public interface SyncOptions extends PipelineOptions, StreamingOptions {

  @Description("JDBC URL of the roster database, e.g. jdbc:postgresql://10.0.0.5:5432/roster")
  String getJdbcUrl();

  void setJdbcUrl(String value);

  @Description("Database user.")
  @Default.String("postgres")
  String getJdbcUser();

  void setJdbcUser(String value);

  @Description(
      "Database password, for local runs only (or set ROSTER_SYNC_JDBC_PASSWORD). On Dataflow use "
          + "jdbcPasswordSecretName.")
  @JsonIgnore
  String getJdbcPassword();

  void setJdbcPassword(String value);

  @Description(
      "Secret Manager secret version holding the database password, e.g. "
          + "projects/my-project/secrets/roster-db-password/versions/latest")
  String getJdbcPasswordSecretName();

  void setJdbcPasswordSecretName(String value);

  @Description("Maximum database connections per worker JVM, shared by all steps.")
  @Default.Integer(8)
  Integer getDbPoolSize();

  void setDbPoolSize(Integer value);

  @Description(
      "Rows of creates and updates that one worker writes to the database at once, over all "
          + "its writers (a batch larger than the bound takes all of it). More bulk writes into "
          + "one table at once than the cores cost the database CPU for little throughput. -1 "
          + "(the default): 5,000 per core of the worker, 10,000 on two cores; 0: no bound but "
          + "--dbPoolSize.")
  @Default.Integer(JdbcConfig.DEFAULT_WRITE_ROWS_IN_FLIGHT)
  Integer getWriteRowsInFlight();

  void setWriteRowsInFlight(Integer value);

  @Description(
      "Apply the Flyway migrations before the pipeline starts (idempotent; safe with several launchers).")
  @Default.Boolean(true)
  Boolean getMigrate();

  void setMigrate(Boolean value);

  @Description("Edlink base URL.")
  @Default.String("https://ed.link")
  String getEdlinkBaseUrl();

  void setEdlinkBaseUrl(String value);

  @Description(
      "Edlink application secret, for local runs only (or set EDLINK_APP_SECRET). On Dataflow use "
          + "edlinkAppSecretSecretName.")
  @JsonIgnore
  String getEdlinkAppSecret();

  void setEdlinkAppSecret(String value);

  @Description(
      "Secret Manager secret version holding the Edlink application secret, e.g. "
          + "projects/my-project/secrets/edlink-app-secret/versions/latest")
  String getEdlinkAppSecretSecretName();

  void setEdlinkAppSecretSecretName(String value);

  @Description("Records per Edlink page ($first), 1..10000.")
  @Default.Integer(10000)
  Integer getPageSize();

  void setPageSize(Integer value);

  @Description(
      "Page a type of more than one page from both ends at once ($first forward, $last/$before "
          + "backward), meeting in the middle: half the round trips in a row. Only where a type is "
          + "paged whole (the DirectRunner); false pages forward only, as Edlink's recipe does.")
  @Default.Boolean(true)
  Boolean getPageFromBothEnds();

  void setPageFromBothEnds(Boolean value);

  @Description(
      "Records of Edlink pages read or waiting to be handled that one worker holds at once, over "
          + "all the types it pages (a page takes the page size of them once its response "
          + "arrives). Many types paged at once otherwise hold two parsed pages per paging "
          + "thread. -1 (the default): 15,000 per core of the worker, 30,000 on two cores; 0: no "
          + "bound.")
  @Default.Integer(EdlinkConfig.DEFAULT_RECORDS_IN_FLIGHT)
  Integer getPageRecordsInFlight();

  void setPageRecordsInFlight(Integer value);

  @Description("Batch job source: comma-separated integration ids to sync once.")
  String getIntegrationIds();

  void setIntegrationIds(String value);

  @Description("Batch job source: sync every active integration of the application once.")
  @Default.Boolean(false)
  Boolean getAllIntegrations();

  void setAllIntegrations(Boolean value);

  @Description(
      "Streaming job source: Pub/Sub subscription of job messages, "
          + "projects/<project>/subscriptions/<name>.")
  String getJobsSubscription();

  void setJobsSubscription(String value);

  @Description(
      "Pub/Sub topic for messages that are not valid jobs, projects/<project>/topics/<name>.")
  String getDeadLetterTopic();

  void setDeadLetterTopic(String value);

  @Description(
      "Mode of batch jobs: auto (use the events change gate) or full (always a full sync).")
  @Default.String("auto")
  String getMode();

  void setMode(String value);

  @Description("Comma-separated entity types to sync; empty means all nine.")
  @Default.String("")
  String getEntityTypes();

  void setEntityTypes(String value);

  @Description(
      "A full sync is forced when the last one is older than this, even without new events "
          + "(e.g. 24h, 90m, PT12H).")
  @Default.String(SyncDefaults.MAX_SKIP_AGE_TEXT)
  String getMaxSkipAge();

  void setMaxSkipAge(String value);

  @Description(
      "How long an integration's lease lasts without renewal (renewed while its run is alive): the longest"
          + " a drained, cancelled or crashed run blocks its integration (e.g. 10m).")
  @Default.String(SyncDefaults.LEASE_TTL_TEXT)
  String getLeaseTtl();

  void setLeaseTtl(String value);

  @Description(
      "A run that has not ended after this long is recorded failed and its lease released (e.g. 6h).")
  @Default.String(SyncDefaults.MAX_RUN_DURATION_TEXT)
  String getMaxRunDuration();

  void setMaxRunDuration(String value);

  @Description(
      "Target records per join group; a type gets ceil(records / this) shards, at most maxShards.")
  @Default.Integer(SyncDefaults.RECORDS_PER_SHARD)
  Integer getRecordsPerShard();

  void setRecordsPerShard(Integer value);

  @Description("Upper bound of join groups per entity type.")
  @Default.Integer(SyncDefaults.MAX_SHARDS)
  Integer getMaxShards();

  void setMaxShards(Integer value);

  @Description(
      "Bytes of records (canonical JSON + 48 each) one fetch element holds before its type spills:"
          + " a larger type is paged in checkpointed stretches of this size into maxShards shards."
          + " 0: automatic (32 MiB on Dataflow; no spilling on the DirectRunner, whose one process"
          + " holds all state anyway).")
  @Default.Long(0)
  Long getFetchBytesPerElement();

  void setFetchBytesPerElement(Long value);

  @Description("Rows per JDBC batch for upserts and deletes.")
  @Default.Integer(SyncDefaults.BATCH_SIZE)
  Integer getBatchSize();

  void setBatchSize(Integer value);

  @Description(
      "hard removes deleted records; soft keeps them with deleted_at set and restores them if they return.")
  @Default.String(SyncDefaults.DELETE_MODE)
  String getDeleteMode();

  void setDeleteMode(String value);

  @Description("Hold a type's deletes when they exceed this fraction of its stored rows (0..1).")
  @Default.Double(SyncDefaults.MAX_DELETE_FRACTION)
  Double getMaxDeleteFraction();

  void setMaxDeleteFraction(Double value);

  @Description("Types with fewer stored rows than this are not guarded.")
  @Default.Integer(SyncDefaults.DELETE_GUARD_MIN_ROWS)
  Integer getDeleteGuardMinRows();

  void setDeleteGuardMinRows(Integer value);

  @Description(
      "Apply deletes even above the guard threshold (batch jobs; operators approving a held run).")
  @Default.Boolean(false)
  Boolean getApproveDeletes();

  void setApproveDeletes(Boolean value);
}
