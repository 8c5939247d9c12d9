package org.rostersync.edlink;

import com.fasterxml.jackson.core.JsonParser;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;
import java.util.function.Consumer;
import org.rostersync.hash.CanonicalHash;

/**
 * One complete, checked page of records, read-only. Each record is held as its canonical JSON
 * ({@link CanonicalHash#read}), written straight from the page's tokens: one pass over the page, no
 * tree, and about the page's own size (a page of parsed objects is 3 to 5 times that). A caller
 * that hashes or stores records takes {@link #canonical}; as a list, a record is parsed from its
 * canonical JSON each time it is reached, so its keys come sorted and its numbers normalised.
 */
public final class Page extends AbstractList<JsonObject> implements RandomAccess {
  private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);
  private static final Page EMPTY = new Page(new CanonicalHash.Read[0]);

  private final CanonicalHash.Read[] records;

  /**
   * Each record's {@code String.hashCode} of its id (0 without one), taken while the record is
   * fresh: the both-ends checks then read this array, not a record, a string and its bytes each.
   */
  private final int[] idHashes;

  /** What this page holds of a {@link PageBudget}; null for none. */
  private volatile PageBudget.Held held;

  private Page(CanonicalHash.Read[] records) {
    this(records, idHashes(records));
  }

  private Page(CanonicalHash.Read[] records, int[] idHashes) {
    this.records = records;
    this.idHashes = idHashes;
  }

  private static int[] idHashes(CanonicalHash.Read[] records) {
    int[] hashes = new int[records.length];
    for (int i = 0; i < records.length; i++) {
      hashes[i] = idHash(records[i]);
    }
    return hashes;
  }

  private static int idHash(CanonicalHash.Read record) {
    return record.member() == null ? 0 : record.member().hashCode();
  }

  /**
   * Reads a JSON array of objects (or null) from {@code reader}, as the client reads a page's
   * {@code $data}: every record is read whole, so a page that does not parse throws here, before
   * any of it is handed on.
   */
  public static Page read(JsonReader reader) throws IOException {
    if (reader.peek() == JsonToken.NULL) {
      reader.nextNull();
      return EMPTY;
    }
    List<CanonicalHash.Read> read = new ArrayList<>();
    reader.beginArray();
    while (reader.hasNext()) {
      if (reader.peek() != JsonToken.BEGIN_OBJECT) {
        throw new IllegalStateException("expected an object in the array, got " + reader.peek());
      }
      read.add(CanonicalHash.read(reader, "id"));
    }
    reader.endArray();
    return new Page(read.toArray(new CanonicalHash.Read[0]));
  }

  /**
   * {@link #read(JsonReader)} from Jackson's parser, whose current token is the array's start (or
   * null): the same page for the same tokens ({@link PageParser}). {@code firstId}, if not null, is
   * given the first record's id (null if it has none) as soon as that record is read, before the
   * rest of the page arrives.
   */
  static Page read(JsonParser parser, Consumer<String> firstId) throws IOException {
    com.fasterxml.jackson.core.JsonToken t = parser.currentToken();
    if (t == com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
      return EMPTY;
    }
    if (t != com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
      throw new IllegalStateException("expected an array of records, got " + t);
    }
    List<CanonicalHash.Read> read = new ArrayList<>();
    int[] hashes = new int[16];
    while ((t = parser.nextToken()) != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
      if (t != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
        throw new IllegalStateException("expected an object in the array, got " + t);
      }
      CanonicalHash.Read record = CanonicalHash.read(parser, "id");
      if (read.size() == hashes.length) {
        hashes = Arrays.copyOf(hashes, hashes.length * 2);
      }
      hashes[read.size()] = idHash(record);
      read.add(record);
      if (firstId != null && read.size() == 1) {
        firstId.accept(record.member());
      }
    }
    return new Page(read.toArray(new CanonicalHash.Read[0]), Arrays.copyOf(hashes, read.size()));
  }

  @Override
  public int size() {
    return records.length;
  }

  /**
   * Keeps one record of {@code taken} per record of this page until {@link #release} (or until the
   * page is collected), and gives back the rest.
   */
  void hold(PageBudget.Held taken) {
    taken.keep(records.length);
    if (this != EMPTY) {
      held = taken;
      taken.untilCollected(this);
    }
  }

  /** Gives back what this page holds of its budget: its handler is done with it. */
  void release() {
    PageBudget.Held h = held;
    if (h != null) {
      h.run();
    }
  }

  /** The string {@code id} of record {@code index}, or null when it has none. */
  public String id(int index) {
    return records[index].member();
  }

  /**
   * The canonical JSON of record {@code index}.
   *
   * @throws IllegalArgumentException when it has none (a number no JSON reader agrees on), as
   *     {@link CanonicalHash#canonical(JsonElement)} throws for the parsed record
   */
  public CanonicalHash.Canonical canonical(int index) {
    CanonicalHash.Read r = records[index];
    if (r.problem() != null) {
      throw new IllegalArgumentException(r.problem());
    }
    return r.canonical();
  }

  /** Record {@code index}, parsed from its canonical JSON (a new object on every call). */
  @Override
  public JsonObject get(int index) {
    byte[] json = records[index].canonical().bytes();
    try {
      return JSON.read(
              new JsonReader(
                  new InputStreamReader(new ByteArrayInputStream(json), StandardCharsets.UTF_8)))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException("a checked record no longer parses", e);
    }
  }

  /** The ids this page holds. */
  IdSet idSet() {
    return new IdSet(records, idHashes);
  }

  /** Whether a record of this page has an id in {@code ids}. */
  boolean anyIn(IdSet ids) {
    for (int i = 0; i < records.length; i++) {
      if (ids.contains(idHashes[i], records[i])) {
        return true;
      }
    }
    return false;
  }

  /** This page less the records whose id is in {@code drop}. */
  Page without(IdSet drop) {
    CanonicalHash.Read[] kept = new CanonicalHash.Read[records.length];
    int[] keptHashes = new int[records.length];
    int n = 0;
    for (int i = 0; i < records.length; i++) {
      if (!drop.contains(idHashes[i], records[i])) {
        kept[n] = records[i];
        keptHashes[n++] = idHashes[i];
      }
    }
    return n == records.length
        ? this
        : new Page(Arrays.copyOf(kept, n), Arrays.copyOf(keptHashes, n));
  }

  /**
   * A page's ids, for the two directions of a type paged from both ends to find where they meet:
   * built for every page of such a type, so kept to one array (open addressing, no node per id).
   */
  static final class IdSet {
    static final IdSet EMPTY = new IdSet(new CanonicalHash.Read[0], new int[0]);

    /** Each slot's id and its hash: a probe reads an id only where the hashes are equal. */
    private final String[] slots;

    private final int[] hashes;
    private final int mask;

    private IdSet(CanonicalHash.Read[] records, int[] idHashes) {
      int capacity = Integer.highestOneBit(Math.max(2, records.length) * 2 - 1) << 1;
      slots = new String[capacity];
      hashes = new int[capacity];
      mask = capacity - 1;
      for (int r = 0; r < records.length; r++) {
        String id = records[r].member();
        if (id != null) {
          int h = idHashes[r];
          int i = slot(h);
          while (slots[i] != null && !(hashes[i] == h && slots[i].equals(id))) {
            i = (i + 1) & mask;
          }
          slots[i] = id;
          hashes[i] = h;
        }
      }
    }

    /** Whether {@code record}, whose id hashes to {@code h}, has an id here. */
    boolean contains(int h, CanonicalHash.Read record) {
      String id = null;
      for (int i = slot(h); slots[i] != null; i = (i + 1) & mask) {
        if (hashes[i] == h) {
          id = id != null ? id : record.member(); // read only where the hashes are equal
          if (id == null) {
            return false;
          }
          if (slots[i].equals(id)) {
            return true;
          }
        }
      }
      return false;
    }

    boolean contains(String id) {
      return id != null && contains(id.hashCode(), new CanonicalHash.Read(null, id, null));
    }

    private int slot(int h) {
      return (h ^ (h >>> 16)) * 0x9E3779B9 & mask;
    }
  }
}
