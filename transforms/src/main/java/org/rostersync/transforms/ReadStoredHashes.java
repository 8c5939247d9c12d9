package org.rostersync.transforms;

import java.sql.Array;
import java.sql.ResultSet;
import java.util.UUID;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * The local side of the join: for each completely fetched type, a {@code JdbcIO.readAll} of the
 * stored {@code (id, hash)} pairs, aggregated in SQL into exactly one row per shard (empty shards
 * included), so each join group receives exactly one stored element. Payloads are never read.
 */
public final class ReadStoredHashes
    extends PTransform<PCollection<TypeFetched>, PCollection<KV<ShardKey, StoredShard>>> {

  // generate_series supplies the empty shards; the shard function matches Sharding.shardOf. Select
  // lists span
  // lines on purpose: Beam 2.71's JdbcUtil prints the schema of any one-line "SELECT ... FROM x" to
  // stdout.
  static final String QUERY =
      "SELECT ?::text AS type_key,\n s.shard,\n g.ids,\n g.hashes\n"
          + " FROM generate_series(0, ? - 1) AS s(shard)\n"
          + " LEFT JOIN (SELECT "
          + Sharding.SQL_SHARD_OF_ID
          + " AS shard,\n array_agg(id) AS ids,\n"
          + " array_agg(hash) AS hashes\n FROM roster_entities\n"
          + " WHERE entity_type = ? AND integration_id = ?::uuid AND deleted_at IS NULL GROUP BY 1) g"
          + " ON g.shard = s.shard";

  private final JdbcConfig jdbc;

  private ReadStoredHashes(JdbcConfig jdbc) {
    this.jdbc = jdbc;
  }

  public static ReadStoredHashes from(JdbcConfig jdbc) {
    return new ReadStoredHashes(jdbc);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    if (jdbc != null) {
      // Not the JDBC URL: it may carry credentials in its query string.
      builder.add(
          DisplayData.item("dbPoolSize", jdbc.maxPoolSize())
              .withLabel("Connections per worker, at most"));
    }
  }

  @Override
  public PCollection<KV<ShardKey, StoredShard>> expand(PCollection<TypeFetched> fetched) {
    if (jdbc == null) {
      throw new IllegalStateException("ReadStoredHashes needs a JdbcConfig");
    }
    KvCoder<ShardKey, StoredShard> coder = KvCoder.of(ShardKey.Coder.of(), StoredShard.Coder.of());
    return fetched
        .apply(
            JdbcIO.<TypeFetched, KV<ShardKey, StoredShard>>readAll()
                .withDataSourceProviderFn(PooledDataSources.retryingProviderFn(jdbc))
                .withQuery(QUERY)
                .withParameterSetter(
                    (TypeFetched t, java.sql.PreparedStatement ps) -> {
                      ps.setString(1, t.encode());
                      ps.setInt(2, t.shardCount());
                      ps.setInt(3, t.shardCount());
                      ps.setString(4, t.type().path());
                      ps.setString(5, t.integrationId());
                    })
                .withRowMapper(new StoredShardRowMapper())
                .withCoder(coder)
                // One small element per shard: no need to redistribute, and streaming readAll
                // requires it off.
                .withOutputParallelization(false))
        .setCoder(coder);
  }

  /** One SQL row → one join element. */
  static final class StoredShardRowMapper implements JdbcIO.RowMapper<KV<ShardKey, StoredShard>> {
    @Override
    public KV<ShardKey, StoredShard> mapRow(ResultSet rs) throws Exception {
      TypeFetched t = TypeFetched.decode(rs.getString(1));
      int shard = rs.getInt(2);
      ShardKey key = new ShardKey(t.runId(), t.integrationId(), t.type(), shard, t.shardCount());
      Array idArray = rs.getArray(3);
      if (idArray == null) {
        return KV.of(key, new StoredShard(0, new long[0], new long[0], new byte[0][]));
      }
      Object[] ids = (Object[]) idArray.getArray();
      Object[] hashes = (Object[]) rs.getArray(4).getArray();
      int n = ids.length;
      long[] msb = new long[n];
      long[] lsb = new long[n];
      byte[][] h = new byte[n][];
      for (int i = 0; i < n; i++) {
        UUID id = ids[i] instanceof UUID ? (UUID) ids[i] : UUID.fromString(ids[i].toString());
        msb[i] = id.getMostSignificantBits();
        lsb[i] = id.getLeastSignificantBits();
        h[i] = (byte[]) hashes[i];
      }
      return KV.of(key, new StoredShard(n, msb, lsb, h));
    }
  }
}
