package org.rostersync.sandbox.simulator;

import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Deterministic v4 UUIDs that encode their own position, so that a large generated dataset needs no
 * id→position map.
 *
 * <p>Layout: the high 64 bits are a keyed hash of (key, index) with the version nibble set to 4;
 * the low 64 bits hold the RFC 4122 variant, a 30-bit tag naming the collection, and the index
 * scrambled by an invertible 32-bit mix (so consecutive records do not get consecutive ids).
 * Decoding checks the hash, so arbitrary UUIDs never decode.
 */
final class Ids {
  private static final int MUL1 = 0x9E3779B1;
  private static final int MUL2 = 0x85EBCA77;
  private static final int INV1 = inverse(MUL1);
  private static final int INV2 = inverse(MUL2);

  private Ids() {}

  /**
   * A 64-bit key for one collection (integration × type), derived from the seed and small
   * discriminators.
   */
  static long key(long seed, long... parts) {
    long h = mix64(seed ^ 0x5DEECE66DL);
    for (long p : parts) {
      h = mix64(h ^ mix64(p + 0x9E3779B97F4A7C15L));
    }
    return h;
  }

  static int tag(long key) {
    return (int) (key >>> 34) & 0x3FFFFFFF;
  }

  static String encode(long key, int index) {
    long msb = (mix64(key ^ (index * 0xD6E8FEB86659FD93L)) & 0xFFFFFFFFFFFF0FFFL) | 0x4000L;
    long lsb =
        0x8000000000000000L | ((long) tag(key) << 32) | (scramble(index, (int) key) & 0xFFFFFFFFL);
    return new UUID(msb, lsb).toString();
  }

  /**
   * The index encoded in {@code id} for this key, or -1 if the id was not made by {@link #encode}
   * with this key.
   */
  static int decode(long key, UUID id) {
    long lsb = id.getLeastSignificantBits();
    if (((lsb >>> 32) & 0x3FFFFFFF) != tag(key) || (lsb >>> 62) != 2) {
      return -1;
    }
    int index = unscramble((int) lsb, (int) key);
    if (index < 0 || !encode(key, index).equals(id.toString())) {
      return -1;
    }
    return index;
  }

  /** A random v4 UUID from a seeded generator. */
  static String random(SplittableRandom rng) {
    long msb = (rng.nextLong() & 0xFFFFFFFFFFFF0FFFL) | 0x4000L;
    long lsb = (rng.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }

  /** Parses a UUID string strictly (36 chars, hex groups); null when invalid. */
  static UUID parse(String s) {
    if (s == null
        || s.length() != 36
        || !s.matches(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
      return null;
    }
    return UUID.fromString(s);
  }

  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static int scramble(int x, int k) {
    x ^= k;
    x *= MUL1;
    x ^= x >>> 15;
    x *= MUL2;
    x ^= x >>> 13;
    return x;
  }

  private static int unscramble(int x, int k) {
    x ^= (x >>> 13) ^ (x >>> 26);
    x *= INV2;
    x ^= (x >>> 15) ^ (x >>> 30);
    x *= INV1;
    return x ^ k;
  }

  /** Multiplicative inverse of an odd int modulo 2^32 (Newton iteration). */
  private static int inverse(int a) {
    int inv = a;
    for (int i = 0; i < 5; i++) {
      inv *= 2 - a * inv;
    }
    return inv;
  }
}
