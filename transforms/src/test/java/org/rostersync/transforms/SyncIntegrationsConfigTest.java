package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.jupiter.api.Test;

/**
 * SyncIntegrations is configured the JdbcIO way: checked withX, and its settings shown in the
 * Dataflow UI.
 */
class SyncIntegrationsConfigTest {
  private static final String APP_SECRET = "app-secret-never-shown";
  private static final String DB_PASSWORD = "db-password-never-shown";

  private static SyncIntegrations configured() {
    return SyncIntegrations.create()
        .withEdlink(
            EdlinkConfig.of("https://ed.link.example", SecretRef.plain(APP_SECRET))
                .withPageSize(2_000))
        .withDatabase(
            JdbcConfig.of("jdbc:postgresql://db/roster", "sync", SecretRef.plain(DB_PASSWORD)))
        .withSharding(10_000, 64)
        .withBatchSize(500)
        .withDeletePolicy(new DeletePolicy(DeletePolicy.Mode.SOFT, 0.25, 20))
        .withMaxSkipAge(Duration.ofHours(12))
        .withLeases(Duration.ofMinutes(5), Duration.ofHours(2));
  }

  @Test
  void displayDataShowsTheSettingsAndNoSecret() {
    DisplayData data = DisplayData.from(configured());
    Map<String, String> items = new HashMap<>();
    data.items().forEach(i -> items.put(i.getKey(), String.valueOf(i.getValue())));
    assertThat(items.get("edlinkBaseUrl"), is("https://ed.link.example"));
    assertThat(items.get("pageSize"), is("2000"));
    assertThat(items.get("recordsPerShard"), is("10000"));
    assertThat(items.get("maxShards"), is("64"));
    assertThat(items.get("batchSize"), is("500"));
    assertThat(items.get("deleteMode"), is("soft"));
    assertThat(items.get("maxDeleteFraction"), is("0.25"));
    assertThat(items.get("deleteGuardMinRows"), is("20"));
    assertThat(
        items.get("maxSkipAge"),
        is(String.valueOf(org.joda.time.Duration.standardHours(12).getMillis())));
    assertThat(
        items.get("leaseTtl"),
        is(String.valueOf(org.joda.time.Duration.standardMinutes(5).getMillis())));
    assertThat(
        items.get("maxRunDuration"),
        is(String.valueOf(org.joda.time.Duration.standardHours(2).getMillis())));
    assertThat(data.toString(), not(containsString(APP_SECRET)));
    assertThat(data.toString(), not(containsString(DB_PASSWORD)));
  }

  @Test
  void defaultsComeFromSyncDefaults() {
    Map<String, String> items = new HashMap<>();
    DisplayData.from(SyncIntegrations.create())
        .items()
        .forEach(i -> items.put(i.getKey(), String.valueOf(i.getValue())));
    assertThat(items.get("maxShards"), is(String.valueOf(SyncDefaults.MAX_SHARDS)));
    assertThat(items.get("batchSize"), is(String.valueOf(SyncDefaults.BATCH_SIZE)));
    assertThat(items.get("recordsPerShard"), is(String.valueOf(SyncDefaults.RECORDS_PER_SHARD)));
  }

  @Test
  void withXRefusesBadArguments() {
    SyncIntegrations s = SyncIntegrations.create();
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> s.withSharding(0, 10)).getMessage(),
        containsString("recordsPerShard"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> s.withSharding(10, 0)).getMessage(),
        containsString("maxShards"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> s.withBatchSize(0)).getMessage(),
        containsString("batchSize"));
    assertThrows(IllegalArgumentException.class, () -> s.withEdlink(null));
    assertThrows(IllegalArgumentException.class, () -> s.withDatabase(null));
    assertThrows(IllegalArgumentException.class, () -> s.withDeletePolicy(null));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> s.withMaxSkipAge(Duration.ZERO))
            .getMessage(),
        containsString("maxSkipAge"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> s.withLeases(Duration.ofMinutes(10), Duration.ofMinutes(5)))
            .getMessage(),
        containsString("maxRunDuration"));
    assertThrows(
        IllegalArgumentException.class,
        () -> s.withLeases(Duration.ofMinutes(-1), Duration.ofHours(1)));
  }

  @Test
  void expandRequiresEdlinkAndDatabase() {
    org.apache.beam.sdk.Pipeline p = org.apache.beam.sdk.Pipeline.create();
    org.apache.beam.sdk.values.PCollection<SyncJob> jobs =
        p.apply(org.apache.beam.sdk.transforms.Create.empty(SyncJob.Coder.of()));
    assertThat(
        assertThrows(IllegalStateException.class, () -> jobs.apply(SyncIntegrations.create()))
            .getMessage(),
        containsString("withEdlink"));
  }
}
