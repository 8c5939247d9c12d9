package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Range shards hold equal shares of random ids (Edlink's are v4 or v5 UUIDs); ids that are not
 * random, such as time-ordered ones, crowd into few shards, which {@link Sharding#uneven} names so
 * the counter {@code uneven_shards} can tell an operator.
 */
class ShardingTest {
  private static int[] sizes(Sharding.Scheme scheme, long[] msbs, int shardCount) {
    int[] sizes = new int[shardCount];
    for (long msb : msbs) {
      sizes[scheme.shardOf(msb, 0L, shardCount)]++;
    }
    return sizes;
  }

  private static int uneven(int[] sizes, long records) {
    int n = 0;
    for (int size : sizes) {
      n += Sharding.uneven(size, records, sizes.length) ? 1 : 0;
    }
    return n;
  }

  @Test
  void randomIdsFillTheRangesEvenly() {
    Random random = new Random(11);
    long[] msbs = new long[64_000];
    for (int i = 0; i < msbs.length; i++) {
      msbs[i] = UUID.randomUUID().getMostSignificantBits() ^ random.nextLong();
    }
    for (int shards : new int[] {2, 16, 64}) {
      int[] sizes = sizes(Sharding.Scheme.ID_RANGE, msbs, shards);
      assertThat(shards + " shards: none uneven", uneven(sizes, msbs.length), is(0));
      for (int size : sizes) {
        assertThat(
            "within 15% of the share: " + size,
            Math.abs(size - msbs.length / shards) < msbs.length / shards * 0.15,
            is(true));
      }
    }
  }

  @Test
  void timeOrderedIdsCrowdIntoFewShardsAndAreNamed() {
    // UUIDv7-like: the first 48 bits a millisecond timestamp, all within one hour.
    Random random = new Random(12);
    long start = 1_764_000_000_000L;
    long[] msbs = new long[64_000];
    for (int i = 0; i < msbs.length; i++) {
      long millis = start + random.nextInt(3_600_000);
      msbs[i] = (millis << 16) | 0x7000L | random.nextInt(0x1000);
    }
    int[] byRange = sizes(Sharding.Scheme.ID_RANGE, msbs, 16);
    assertThat("crowded into uneven shards", uneven(byRange, msbs.length), greaterThan(0));
    int[] byMd5 = sizes(Sharding.Scheme.MD5_OF_TEXT, msbs, 16);
    assertThat("MD5 spreads them", uneven(byMd5, msbs.length), is(0));
  }

  @Test
  void onlyShardsOfEnoughRecordsAreJudged() {
    assertThat("under twice its share", Sharding.uneven(1_999, 4_000, 4), is(false));
    assertThat("more than twice its share", Sharding.uneven(5_000, 8_000, 4), is(true));
    assertThat("exactly twice is not more", Sharding.uneven(4_000, 8_000, 4), is(false));
    assertThat("too few records to judge", Sharding.uneven(900, 1_000, 4), is(false));
    assertThat("one shard holds everything by design", Sharding.uneven(9_000, 9_000, 1), is(false));
  }
}
