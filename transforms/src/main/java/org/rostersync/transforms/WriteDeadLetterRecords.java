package org.rostersync.transforms;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/** Stores rejected records in {@code dead_letter_records} with their reason. */
public final class WriteDeadLetterRecords extends PTransform<PCollection<RejectedRecord>, PDone> {
  /**
   * One row per (run, integration, type, record): a retried bundle does not store the same dead
   * letter twice.
   */
  static final String INSERT =
      "INSERT INTO dead_letter_records (run_id, integration_id, entity_type, record_id,"
          + " reason, excerpt) VALUES (?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (run_id, integration_id, entity_type, (coalesce(record_id, ''))) DO NOTHING";

  private final JdbcConfig jdbc;

  private WriteDeadLetterRecords(JdbcConfig jdbc) {
    this.jdbc = jdbc;
  }

  public static WriteDeadLetterRecords to(JdbcConfig jdbc) {
    return new WriteDeadLetterRecords(jdbc);
  }

  @Override
  public PDone expand(PCollection<RejectedRecord> records) {
    records.apply(ParDo.of(new WriteDeadLetterFn(jdbc)));
    return PDone.in(records.getPipeline());
  }

  /** Writes dead letters one statement each: they are rare, and each must land on its own. */
  static void insert(DataSource ds, List<RejectedRecord> records) throws SQLException {
    Database.inTransaction(
        ds,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (RejectedRecord r : records) {
              ps.setString(1, r.runId());
              ps.setObject(2, UUID.fromString(r.integrationId()));
              ps.setString(3, r.type().path());
              ps.setString(4, SafeText.clean(r.id(), 200));
              ps.setString(5, SafeText.clean(r.reason()));
              ps.setString(6, SafeText.clean(r.excerpt()));
              ps.addBatch();
            }
            ps.executeBatch();
          }
          return null;
        });
  }

  static final class WriteDeadLetterFn extends DoFn<RejectedRecord, Void> {
    private final JdbcConfig jdbc;
    private transient DataSource ds;

    WriteDeadLetterFn(JdbcConfig jdbc) {
      this.jdbc = jdbc;
    }

    @Setup
    public void setup() {
      ds = PooledDataSources.get(jdbc);
    }

    @ProcessElement
    public void process(@Element RejectedRecord r) throws SQLException {
      insert(ds, List.of(r));
    }
  }
}
