package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link IdRows}' hashes, kept in one flat array: every hash reads back as it was added, whatever
 * its length, through growth, frames, sealing and the coders, whose bytes stay those of one array
 * per row.
 */
class IdRowsTest {
  private static final int ROWS = PackedJson.FRAME * 2 + 7;

  /**
   * Row i's hash: SHA-256-sized mostly; a rejected record's (empty), null and 1 byte now and then.
   */
  private static byte[] hashOf(int i) {
    if (i % 97 == 5) {
      return new byte[0];
    }
    if (i % 101 == 9) {
      return null;
    }
    if (i % 103 == 11) {
      return new byte[] {(byte) i};
    }
    byte[] h = new byte[IdRows.HASH_BYTES];
    Arrays.fill(h, (byte) (i * 31));
    h[0] = (byte) (i >>> 8);
    h[31] = (byte) i;
    return h;
  }

  private static byte[] jsonOf(int i) {
    return ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
  }

  private static IdRows rows(boolean packed) {
    IdRows r = packed ? IdRows.packed(4) : new IdRows(4);
    for (int i = 0; i < ROWS; i++) {
      r.add(i, -i, hashOf(i), jsonOf(i));
    }
    return r;
  }

  private static void assertHashes(IdRows r, int from) {
    assertThat(r.size, is(ROWS - from));
    for (int i = from; i < ROWS; i++) {
      int row = i - from;
      byte[] expected = hashOf(i);
      if (expected == null) {
        assertThat("row " + i, r.hash(row), nullValue());
      } else {
        assertThat("row " + i, Arrays.equals(r.hash(row), expected), is(true));
      }
      assertThat("row " + i, r.hashEquals(row, expected), is(true));
      assertThat("row " + i, r.hashEquals(row, hashOf(i + 1)), is(false));
    }
  }

  /**
   * Rows cleared (a type that goes on into {@link PagedShards}) no longer hold their JSON: before,
   * the arrays of the first 8 MB of a large type's records stayed referenced until its last page.
   */
  @Test
  void clearedRowsLetGoOfTheirJson() throws Exception {
    RemoteShard shard = new RemoteShard(null, null, 4);
    List<WeakReference<byte[]>> added = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      byte[] json = jsonOf(i);
      added.add(new WeakReference<>(json));
      shard.add(i, -i, hashOf(i), json);
    }
    shard.clear();
    assertThat(shard.size(), is(0));
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (added.stream().anyMatch(r -> r.get() != null) && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(
        "records' JSON still referenced after clear",
        added.stream().filter(r -> r.get() != null).count(),
        is(0L));

    shard.add(1, 2, hashOf(0), jsonOf(0));
    assertThat(shard.size(), is(1));
    assertThat(new String(shard.jsonReader().json(0), StandardCharsets.UTF_8), is("{\"n\":0}"));
  }

  @Test
  void everyHashReadsBackAsAddedThroughGrowthAndSealing() {
    for (boolean packed : new boolean[] {false, true}) {
      IdRows r = rows(packed);
      assertHashes(r, 0);
      r.seal();
      assertHashes(r, 0);
    }
  }

  @Test
  void rowsCopiedOneByOneOrByFrameKeepTheirHashes() {
    IdRows src = rows(true);
    src.seal();
    IdRows byRow = new IdRows(4);
    IdRows.JsonReader json = src.reader();
    for (int i = 0; i < src.size; i++) {
      byRow.addFrom(src, i, json.json(i));
    }
    assertHashes(byRow, 0);
    assertThat(byRow.hashEquals(3, src, 3), is(true));
    assertThat(byRow.hashEquals(3, src, 4), is(false));
    assertThat(byRow.hashEquals(5, src, 5), is(true)); // both empty

    IdRows byFrame = IdRows.packed(4);
    for (int f = 0; f < src.size / PackedJson.FRAME; f++) {
      byFrame.appendFrame(src, f);
    }
    for (int i = src.size / PackedJson.FRAME * PackedJson.FRAME; i < src.size; i++) {
      byFrame.addFrom(src, i, json.json(i));
    }
    byFrame.seal();
    assertHashes(byFrame, 0);
    assertThat(byFrame.sameRows(src), is(true));
  }

  @Test
  void theCodersWriteOneArrayPerRowAsBeforeAndReadItBack() throws Exception {
    for (boolean packed : new boolean[] {false, true}) {
      IdRows r = rows(packed);
      r.seal();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      r.writeKeepingPackedTo(new DataOutputStream(bytes));
      byte[] written = bytes.toByteArray();

      // The layout of byte[][] hashes written by Codec.writeBytesArray, right after the ids.
      byte[][] perRow = new byte[ROWS][];
      for (int i = 0; i < ROWS; i++) {
        perRow[i] = hashOf(i);
      }
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(expected);
      Codec.writeBytesArray(out, perRow, ROWS);
      byte[] hashBytes = expected.toByteArray();
      int at = 1 + 4 + 16 * ROWS; // flag, size, ids
      assertThat(
          Arrays.equals(written, at, at + hashBytes.length, hashBytes, 0, hashBytes.length),
          is(true));

      IdRows read =
          IdRows.readKeepingPackedFrom(
              new DataInputStream(new ByteArrayInputStream(written)), true);
      assertHashes(read, 0);
      assertThat(read.sameRows(r), is(true));
    }
  }

  @Test
  void storedHashesOfAnyLengthRoundTripAndMatchOnlyTheirEqual() throws Exception {
    int n = ROWS - 1; // row i + 1 is fetched too
    long[] msb = new long[n];
    long[] lsb = new long[n];
    byte[][] perRow = new byte[n][];
    for (int i = 0; i < n; i++) {
      msb[i] = i;
      lsb[i] = -i;
      perRow[i] = hashOf(i);
    }
    StoredShard stored = new StoredShard(n, msb, lsb, perRow);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    StoredShard.Coder.of().encode(stored, bytes);
    StoredShard read = StoredShard.Coder.of().decode(new ByteArrayInputStream(bytes.toByteArray()));

    // The hashes as one array per row, the layout before they were flat.
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    Codec.writeBytesArray(new DataOutputStream(expected), perRow, n);
    byte[] hashBytes = expected.toByteArray();
    byte[] written = bytes.toByteArray();
    int end = written.length;
    assertThat(
        Arrays.equals(written, end - hashBytes.length, end, hashBytes, 0, hashBytes.length),
        is(true));

    IdRows remote = rows(false);
    for (StoredShard s : new StoredShard[] {stored, read}) {
      for (int i = 0; i < n; i++) {
        byte[] h = hashOf(i);
        assertThat("row " + i, Arrays.equals(s.hash(i), h), is(true));
        // A stored hash matches the fetched row with the same bytes, and no other.
        assertThat("row " + i, s.sameHash(i, remote, i), is(true));
        assertThat("row " + i, s.sameHash(i, remote, i + 1), is(false));
      }
    }
  }
}
