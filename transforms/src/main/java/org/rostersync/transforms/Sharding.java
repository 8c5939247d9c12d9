package org.rostersync.transforms;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Stable shard of a record id. The database computes the same function in SQL ({@link
 * #SQL_SHARD_OF_ID}), so both sides of the join agree without moving ids around.
 */
public final class Sharding {
  /**
   * shard = first 28 bits of md5(lower-case uuid text) mod S; 28 bits stay positive in a PostgreSQL
   * int.
   */
  public static final String SQL_SHARD_OF_ID =
      "(('x' || substr(md5(id::text), 1, 7))::bit(28)::int % ?)";

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

  public static int shardOf(UUID id, int shardCount) {
    return hash28(id) % shardCount;
  }

  /** The first 28 bits of md5(lower-case uuid text): {@link #shardOf} before the modulo. */
  static int hash28(UUID id) {
    byte[] d = MD5.get().digest(id.toString().getBytes(StandardCharsets.US_ASCII));
    return ((d[0] & 0xff) << 20)
        | ((d[1] & 0xff) << 12)
        | ((d[2] & 0xff) << 4)
        | ((d[3] & 0xff) >>> 4);
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
   * {@link #shardCountFor} rounded up to a power of two, at most {@link PagedShards#BUCKETS} and
   * {@code maxShards} rounded down to one: the shard count of a type sharded while it is paged
   * ({@link PagedShards}), whose shards are unions of its buckets, or read ahead. Groups then hold
   * between half and all of {@code recordsPerShard}.
   */
  public static int powerOfTwoShardCountFor(long records, int recordsPerShard, int maxShards) {
    int cap = Math.min(PagedShards.BUCKETS, Integer.highestOneBit(Math.max(1, maxShards)));
    int wanted = shardCountFor(records, recordsPerShard, cap);
    return wanted <= 1 ? 1 : Math.min(cap, Integer.highestOneBit(wanted - 1) << 1);
  }
}
