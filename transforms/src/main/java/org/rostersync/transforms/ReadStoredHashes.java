package org.rostersync.transforms;

import java.nio.ByteBuffer;
import java.sql.ResultSet;
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

  // generate_series supplies the empty shards; the shard is the signal's Sharding.Scheme (a CASE
  // on its code: a signal of an earlier build reads by that build's scheme). Each shard's pairs
  // come as one bytea of (16-byte id, 1-byte hash length, hash) entries, not as two
  // arrays, which PostgreSQL prints as text and the driver parses element by element (100,000
  // pairs: 0.20-0.23 s against 0.54 s in psql; the large university's no-change sync 11 s
  // faster with the side-by-side deflating). Select lists span
  // lines on purpose: Beam 2.71's JdbcUtil prints the schema of any one-line "SELECT ... FROM x" to
  // stdout.
  static final String QUERY =
      "SELECT ?::text AS type_key,\n s.shard,\n g.n,\n g.pairs\n"
          + " FROM generate_series(0, ? - 1) AS s(shard)\n"
          + " LEFT JOIN (SELECT CASE ?::int WHEN 1 THEN "
          + Sharding.Scheme.MD5_OF_TEXT.sql()
          + " ELSE "
          + Sharding.Scheme.ID_RANGE.sql()
          + " END AS shard,\n count(*) AS n,\n"
          + " string_agg(uuid_send(id) || set_byte('\\x00'::bytea, 0, length(hash)) || hash, ''::bytea)"
          + " AS pairs\n FROM roster_entities\n"
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
                .withParameterSetter(ReadStoredHashes::setParameters)
                .withRowMapper(new StoredShardRowMapper())
                .withCoder(coder)
                // One small element per shard: no need to redistribute, and streaming readAll
                // requires it off.
                .withOutputParallelization(false))
        .setCoder(coder);
  }

  /** {@link #QUERY}'s parameters for one type's signal: its shard count and scheme among them. */
  static void setParameters(TypeFetched t, java.sql.PreparedStatement ps)
      throws java.sql.SQLException {
    binaryResults(ps);
    ps.setString(1, t.encode());
    ps.setInt(2, t.shardCount());
    ps.setInt(3, t.scheme().code());
    ps.setInt(4, t.shardCount());
    ps.setInt(5, t.shardCount());
    ps.setString(6, t.type().path());
    ps.setString(7, t.integrationId());
  }

  /**
   * Asks PostgreSQL's driver for the rows in binary from the first execution (a negative threshold
   * forces it; by default the first few executions of a statement come as text): the pairs then
   * arrive as their bytes, not as hex text twice their size that the driver decodes (about 0.4 s of
   * the large university's 48 MB of pairs).
   */
  static void binaryResults(java.sql.PreparedStatement ps) throws java.sql.SQLException {
    if (ps.isWrapperFor(org.postgresql.PGStatement.class)) {
      ps.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(-1);
    }
  }

  /** One SQL row → one join element. */
  static final class StoredShardRowMapper implements JdbcIO.RowMapper<KV<ShardKey, StoredShard>> {
    @Override
    public KV<ShardKey, StoredShard> mapRow(ResultSet rs) throws Exception {
      TypeFetched t = TypeFetched.decode(rs.getString(1));
      int shard = rs.getInt(2);
      ShardKey key =
          new ShardKey(t.runId(), t.integrationId(), t.type(), shard, t.shardCount(), t.scheme());
      byte[] pairs = rs.getBytes(4);
      if (pairs == null) {
        return KV.of(key, new StoredShard(0, new long[0], new long[0], new byte[0][]));
      }
      return KV.of(key, unpack(rs.getInt(3), pairs));
    }

    /** Splits the query's (id, hash length, hash) entries; refuses bytes that do not add up. */
    static StoredShard unpack(int n, byte[] pairs) {
      ByteBuffer in = ByteBuffer.wrap(pairs);
      long[] msb = new long[n];
      long[] lsb = new long[n];
      int w = IdRows.HASH_BYTES;
      byte[] h = new byte[n * w];
      byte[][] odd = null;
      try {
        for (int i = 0; i < n; i++) {
          msb[i] = in.getLong();
          lsb[i] = in.getLong();
          int len = in.get() & 0xff;
          if (len == w) {
            in.get(h, i * w, w);
          } else {
            if (odd == null) {
              odd = new byte[n][];
            }
            odd[i] = new byte[len];
            in.get(odd[i]);
          }
        }
      } catch (java.nio.BufferUnderflowException e) {
        throw new IllegalStateException(
            "stored hashes of a shard end early: "
                + n
                + " pairs expected in "
                + pairs.length
                + " bytes");
      }
      if (in.hasRemaining()) {
        throw new IllegalStateException(
            "stored hashes of a shard hold more than the " + n + " pairs counted");
      }
      return new StoredShard(n, msb, lsb, h, odd);
    }
  }
}
