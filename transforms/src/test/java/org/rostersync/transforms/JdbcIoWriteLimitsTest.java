package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.UUID;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rostersync.testing.TestDatabase;

/**
 * Why the writes of {@link WriteChanges} are not {@code JdbcIO.write()}: the same upsert, the same
 * two rows (one PostgreSQL refuses), through JdbcIO's sink stops the pipeline (Dataflow would retry
 * the bundle for ever). {@code WriteChangesTest} shows WriteChanges writing the good row,
 * dead-lettering the bad one and reporting the type; a sink that stops the pipeline on a row's data
 * could never do that, nor record a type as failed (its results are {@code Void}, naming no type).
 */
class JdbcIoWriteLimitsTest {
  @RegisterExtension static final TestDatabase.PerClass DB = TestDatabase.perClass();

  @Test
  void jdbcIoWriteStopsThePipelineOnOneRowPostgresRefuses() {
    String integration = UUID.randomUUID().toString();
    String good = UUID.randomUUID().toString();
    String bad = UUID.randomUUID().toString();
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    Pipeline p = Pipeline.create(options);
    p.apply(
            Create.of(
                    List.of(
                        KV.of(good, "{\"first_name\":\"Ana\"}"),
                        // Valid JSON, beyond what jsonb's numeric can hold.
                        KV.of(bad, "{\"gpa\":1e900000}")))
                .withCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())))
        .apply(
            JdbcIO.<KV<String, String>>write()
                .withDataSourceConfiguration(
                    JdbcIO.DataSourceConfiguration.create(
                            "org.postgresql.Driver", DB.get().jdbcUrl())
                        .withUsername("postgres")
                        .withPassword("postgres"))
                .withStatement(WriteChanges.upsertSql())
                .withBatchSize(SyncDefaults.BATCH_SIZE)
                .withPreparedStatementSetter(
                    (row, ps) -> {
                      ps.setString(1, "people");
                      ps.setObject(2, UUID.fromString(integration));
                      ps.setObject(3, UUID.fromString(row.getKey()));
                      ps.setBytes(4, new byte[32]);
                      ps.setString(5, row.getValue());
                      ps.setTimestamp(6, new java.sql.Timestamp(0));
                    }));

    Pipeline.PipelineExecutionException failed =
        assertThrows(Pipeline.PipelineExecutionException.class, () -> p.run().waitUntilFinish());
    assertThat(
        String.valueOf(failed.getMessage()), containsString("value overflows numeric format"));
  }
}
