package org.rostersync.transforms;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Stable shard of a record id. The database computes the same function in SQL ({@link
 * Scheme#sql()}), so both sides of the join agree without moving ids around.
 */
public final class Sharding {
  /**
   * How an id picks its shard. The scheme travels with the work it shards ({@link ShardKey}, {@link
   * TypeFetched}, {@link PagingPosition}), so work an earlier build started is finished with that
   * build's scheme after an update, and both sides of a join group always use the same one.
   */
  public enum Scheme {
    /**
     * The first 28 bits of md5(lower-case uuid text) mod S: every build before {@link #ID_RANGE}.
     * Kept only to finish the work such a build started; nothing new is sharded this way.
     */
    MD5_OF_TEXT(1, "(('x' || substr(md5(id::text), 1, 7))::bit(28)::int % ?)"),
    /**
     * The id's first 32 bits scaled to S: shard s of S holds one contiguous range of ids, in
     * PostgreSQL's order. Each write batch then touches one narrow stretch of the primary key's
     * index instead of the whole of it (the large university's cold sync: 2.4 s less PostgreSQL
     * CPU). Edlink's ids are random (v4 or v5 UUIDs), so the ranges hold equal shares.
     */
    ID_RANGE(2, "(((('x' || substr(id::text, 1, 8))::bit(32)::bigint * ?) >> 32)::int)");

    private final int code;
    private final String sql;

    Scheme(int code, String sql) {
      this.code = code;
      this.sql = sql;
    }

    /** The code an encoding stores. */
    int code() {
      return code;
    }

    static Scheme ofCode(int code) throws org.apache.beam.sdk.coders.CoderException {
      for (Scheme s : values()) {
        if (s.code == code) {
          return s;
        }
      }
      throw new org.apache.beam.sdk.coders.CoderException("unknown shard scheme " + code);
    }

    /** The shard of an id in SQL over the column {@code id}; its one parameter is S. */
    public String sql() {
      return sql;
    }

    public int shardOf(long msb, long lsb, int shardCount) {
      if (this == ID_RANGE) {
        return (int) (((msb >>> 32) * shardCount) >>> 32);
      }
      return md5Hash28(new UUID(msb, lsb)) % shardCount;
    }
  }

  /** The scheme this build shards new work with. */
  public static final Scheme CURRENT = Scheme.ID_RANGE;

  private static final ThreadLocal<MessageDigest> MD5 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException(e);
            }
          });

  private Sharding() {}

  /** The shard of {@code id} by {@link #CURRENT}. */
  public static int shardOf(UUID id, int shardCount) {
    return CURRENT.shardOf(id.getMostSignificantBits(), id.getLeastSignificantBits(), shardCount);
  }

  private static int md5Hash28(UUID id) {
    byte[] d = MD5.get().digest(id.toString().getBytes(StandardCharsets.US_ASCII));
    return ((d[0] & 0xff) << 20)
        | ((d[1] & 0xff) << 12)
        | ((d[2] & 0xff) << 4)
        | ((d[3] & 0xff) >>> 4);
  }

  /**
   * Whether a shard holding {@code size} of its type's {@code records}, split {@code shardCount}
   * ways, holds more than twice its share: ids that do not fill the ranges evenly (Edlink's random
   * ids do), so the memory bound per group no longer holds. A type with fewer than 1,000 records
   * per shard is not judged: its shards are small whatever their shares.
   */
  static boolean uneven(long size, long records, int shardCount) {
    return shardCount > 1 && records >= 1_000L * shardCount && size * shardCount > 2 * records;
  }

  /** Counts a shard in {@code uneven_shards} if it is {@link #uneven}. */
  static void countIfUneven(long size, long records, int shardCount) {
    if (uneven(size, records, shardCount)) {
      SyncMetrics.UNEVEN_SHARDS.inc();
    }
  }

  /**
   * Shards for a type with {@code records} fetched records: about {@code recordsPerShard} per
   * group, between 1 and {@code maxShards}. A small district gets one group per type; a large
   * university's enrollments get dozens of bounded ones.
   */
  public static int shardCountFor(long records, int recordsPerShard, int maxShards) {
    long wanted = (records + recordsPerShard - 1) / recordsPerShard;
    return (int) Math.max(1, Math.min(maxShards, wanted));
  }

  /**
   * {@link #shardCountFor} rounded up to a power of two, at most {@link PagedShards#MAX_BUCKETS}
   * and {@code maxShards} rounded down to one: the shard count of a type sharded while it is paged
   * ({@link PagedShards}), whose shards are unions of its buckets, or read ahead. Groups then hold
   * between half and all of {@code recordsPerShard}.
   */
  public static int powerOfTwoShardCountFor(long records, int recordsPerShard, int maxShards) {
    int cap = Math.min(PagedShards.MAX_BUCKETS, Integer.highestOneBit(Math.max(1, maxShards)));
    int wanted = shardCountFor(records, recordsPerShard, cap);
    return wanted <= 1 ? 1 : Math.min(cap, Integer.highestOneBit(wanted - 1) << 1);
  }
}
