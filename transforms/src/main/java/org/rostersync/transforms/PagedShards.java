package org.rostersync.transforms;

import java.util.Arrays;
import java.util.UUID;
import java.util.stream.IntStream;
import org.rostersync.transforms.FetchEntities.BadRecordException;

/**
 * A large type's records put in buckets by their id's range ({@link Sharding.Scheme#ID_RANGE} of
 * the bucket count, a power of two up to {@value #MAX_BUCKETS}) and compressed in frames as their
 * pages arrive, so that after the last page its shards are only assembled: the compressing happens
 * while Edlink is waited for, and the type's JSON is never held uncompressed. Its shard count is a
 * power of two no larger than {@value #MAX_BUCKETS} ({@link Sharding#powerOfTwoShardCountFor}), so
 * shard {@code s} of {@code S} (S at most the bucket count B) is exactly the {@code B / S} buckets
 * from {@code s * B / S} on: the same shards {@link Sharding.Scheme#ID_RANGE} (and the stored-hash
 * read) give. Each bucket holds one open frame of up to {@value PackedJson#FRAME} rows
 * uncompressed, so buckets are few ({@value #FIRST_BUCKETS}, or the larger shard count a read ahead
 * fixed); a type that ends needing more shards than buckets is bucketed again once, finer. An id
 * served twice is settled as it arrives, as the sorted shards of a smaller type settle it: an
 * identical copy is dropped, a different one fails the type. A shard's rows come in the order of
 * its buckets' frames, not sorted by id.
 */
final class PagedShards {
  /** The most buckets, and so the most shards of a type paged whole. */
  static final int MAX_BUCKETS = 512;

  /**
   * Buckets of a type paged whole, unless a read ahead fixed more shards: enough for 1,600,000
   * records at the default 25,000 per shard. Their open frames held 2.4 MB for 100,000 person-sized
   * records, against 19.4 MB with 512 ({@code PagedShardsTest}).
   */
  static final int FIRST_BUCKETS = 64;

  private static final int ROW_BITS = 22;
  private static final int ROW_MASK = (1 << ROW_BITS) - 1;

  private final IdRows[] buckets;
  private int size;

  /**
   * Open addressing over the kept ids: each entry the id's 32-bit hash (high half) and (bucket,
   * row) packed in the low half, -1 when empty. With the hash at hand, a probe reads a record's id
   * only when the hashes match, and growing never reads one: a million ids in random order would
   * otherwise cost a cache miss or two each, on every probe and again at every doubling.
   */
  private long[] table = emptyTable(1 << 12);

  private static long[] emptyTable(int capacity) {
    long[] t = new long[capacity];
    Arrays.fill(t, -1L);
    return t;
  }

  /** Records in {@code buckets} buckets, a power of two up to {@value #MAX_BUCKETS}. */
  PagedShards(int buckets) {
    checkPowerOfTwo("bucket count", buckets);
    this.buckets = new IdRows[buckets];
  }

  /**
   * The buckets for {@code task}'s type: {@value #FIRST_BUCKETS}, or its shard count when its
   * stored hashes were read ahead with more (that count is then fixed). Never fewer, so that a type
   * grown far past its read-ahead count still fits its buckets' rows.
   */
  static PagedShards forType(TypeTask task) {
    return new PagedShards(Math.max(task.readAheadShards(), FIRST_BUCKETS));
  }

  /** The bytes the buckets keep uncompressed, for their open frames. */
  long openBytes() {
    long n = 0;
    for (IdRows rows : buckets) {
      n += rows == null ? 0 : rows.packedJson().openCapacity();
    }
    return n;
  }

  private static void checkPowerOfTwo(String what, int n) {
    if (Integer.bitCount(n) != 1 || n > MAX_BUCKETS) {
      throw new IllegalArgumentException(
          "a paged type's " + what + " is a power of two up to " + MAX_BUCKETS + ", got " + n);
    }
  }

  int bucketCount() {
    return buckets.length;
  }

  /** Records kept (duplicates dropped). */
  int size() {
    return size;
  }

  void add(long msb, long lsb, byte[] hash, byte[] json) throws BadRecordException {
    int mask = table.length - 1;
    int idHash = idHash(msb, lsb);
    int slot = idHash & mask;
    for (long t = table[slot]; t != -1L; t = table[slot]) {
      int e = (int) t;
      IdRows rows = buckets[e >>> ROW_BITS];
      int row = e & ROW_MASK;
      if ((int) (t >>> 32) == idHash && rows.msb[row] == msb && rows.lsb[row] == lsb) {
        if (!rows.hashEquals(row, hash)) {
          throw new BadRecordException(
              "id " + new UUID(msb, lsb) + " was served twice with different content in one fetch");
        }
        SyncMetrics.DUPLICATES_DROPPED.inc();
        return;
      }
      slot = (slot + 1) & mask;
    }
    int b = Sharding.Scheme.ID_RANGE.shardOf(msb, lsb, buckets.length);
    if (buckets[b] == null) {
      buckets[b] = IdRows.packed(PackedJson.FRAME * 4);
    }
    IdRows rows = buckets[b];
    if (rows.size > ROW_MASK) {
      throw new IllegalStateException("more than " + ROW_MASK + " records in one bucket");
    }
    table[slot] = (long) idHash << 32 | ((b << ROW_BITS) | rows.size);
    rows.add(msb, lsb, hash, json);
    if (++size * 2 > table.length) {
      grow();
    }
  }

  private static int idHash(long msb, long lsb) {
    long h = (msb ^ Long.rotateLeft(lsb, 29)) * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 32);
  }

  private void grow() {
    long[] old = table;
    table = emptyTable(old.length * 2);
    int mask = table.length - 1;
    for (long t : old) {
      if (t != -1L) {
        int slot = (int) (t >>> 32) & mask;
        while (table[slot] != -1L) {
          slot = (slot + 1) & mask;
        }
        table[slot] = t;
      }
    }
  }

  /**
   * The type's shards, assembled on the common pool: each takes its buckets' full frames as they
   * are and compresses only their last, partial frames' rows. More shards than buckets first bucket
   * every record again ({@link #rebucketed}).
   */
  RemoteShard[] shards(SyncJob job, FetchSummary summary, int shardCount) {
    checkPowerOfTwo("shard count", shardCount);
    if (shardCount > buckets.length) {
      return rebucketed(shardCount).shards(job, summary, shardCount);
    }
    table = null; // no more adds; the ids' index is not needed to assemble
    RemoteShard[] shards = new RemoteShard[shardCount];
    IntStream.range(0, shardCount)
        .parallel()
        .forEach(s -> shards[s] = RemoteShard.of(job, summary, shard(s, shardCount)));
    for (RemoteShard shard : shards) {
      Sharding.countIfUneven(shard.size(), size, shardCount);
    }
    return shards;
  }

  /**
   * The same records in {@code count} buckets: each decompressed once and added again (no id
   * repeats among them). Only a type that outgrew {@value #FIRST_BUCKETS} buckets with no read
   * ahead (over 1,600,000 records by default) pays it.
   */
  PagedShards rebucketed(int count) {
    PagedShards finer = new PagedShards(count);
    for (int b = 0; b < buckets.length; b++) {
      IdRows src = buckets[b];
      if (src == null) {
        continue;
      }
      src.seal();
      IdRows.JsonReader json = src.reader();
      for (int i = 0; i < src.size; i++) {
        try {
          finer.add(src.msb[i], src.lsb[i], src.hash(i), json.json(i));
        } catch (BadRecordException e) {
          throw new IllegalStateException("an id repeated within one paged type", e);
        }
      }
      buckets[b] = null; // freed as it is moved
    }
    return finer;
  }

  private IdRows shard(int s, int shardCount) {
    int from = s * (buckets.length / shardCount);
    int to = from + buckets.length / shardCount;
    int rows = 0;
    for (int b = from; b < to; b++) {
      rows += buckets[b] == null ? 0 : buckets[b].size;
    }
    IdRows out = IdRows.packed(rows);
    for (int b = from; b < to; b++) {
      IdRows src = buckets[b];
      for (int f = 0; src != null && f < src.size / PackedJson.FRAME; f++) {
        out.appendFrame(src, f);
      }
    }
    for (int b = from; b < to; b++) {
      IdRows src = buckets[b];
      if (src == null) {
        continue;
      }
      IdRows.JsonReader json = src.reader();
      for (int i = src.size / PackedJson.FRAME * PackedJson.FRAME; i < src.size; i++) {
        out.addFrom(src, i, json.json(i));
      }
    }
    out.seal();
    return out;
  }
}
