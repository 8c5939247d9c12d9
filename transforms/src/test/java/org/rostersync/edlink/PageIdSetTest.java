package org.rostersync.edlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The id sets by which the two directions of a type paged from both ends find where they meet
 * answer as a {@link HashSet} of the same ids would: pages of every size, ids missing, repeated, or
 * sharing their hash.
 */
class PageIdSetTest {

  @Test
  void idSetsAnswerAsHashSetsOfTheSameIds() throws IOException {
    Random random = new Random(3);
    // "Aa" and "BB" share String's hash, so ids built from them collide.
    String[] parts = {"Aa", "BB", "x", "0", "-", "e"};
    int overlapping = 0;
    for (int n = 0; n < 300; n++) {
      List<String> first = ids(random, parts, random.nextInt(n < 20 ? 4 : 2000));
      List<String> second = ids(random, parts, random.nextInt(n < 20 ? 4 : 2000));
      Page a = page(first);
      Page b = page(second);
      Set<String> expected = new HashSet<>(first);
      expected.remove(null);
      Page.IdSet set = a.idSet();
      for (String id : second) {
        if (id != null) {
          assertEquals(expected.contains(id), set.contains(id), id);
        }
      }
      for (String id : expected) {
        assertTrue(set.contains(id), id);
      }
      List<String> kept = new ArrayList<>();
      for (String id : second) {
        if (id == null || !expected.contains(id)) {
          kept.add(id);
        }
      }
      Page rest = b.without(set);
      List<String> restIds = new ArrayList<>();
      for (int i = 0; i < rest.size(); i++) {
        restIds.add(rest.id(i));
      }
      assertEquals(kept, restIds);
      boolean any = kept.size() < second.size();
      assertEquals(any, b.anyIn(set));
      overlapping += any ? 1 : 0;
    }
    assertTrue(overlapping > 50 && overlapping < 290, "pages overlapping: " + overlapping);
    assertEquals(false, page(List.of("a")).anyIn(Page.IdSet.EMPTY));
  }

  private static List<String> ids(Random random, String[] parts, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (random.nextInt(50) == 0) {
        ids.add(null);
        continue;
      }
      StringBuilder id = new StringBuilder();
      for (int k = 1 + random.nextInt(4); k > 0; k--) {
        id.append(parts[random.nextInt(parts.length)]);
      }
      ids.add(id.toString());
    }
    return ids;
  }

  /** A page of one record per id; a null id is a record without one. */
  private static Page page(List<String> ids) throws IOException {
    StringBuilder json = new StringBuilder("[");
    for (String id : ids) {
      json.append(json.length() > 1 ? "," : "")
          .append(id == null ? "{\"n\":1}" : "{\"id\":\"" + id + "\"}");
    }
    json.append("]");
    // both readers: Jackson's keeps the ids' hashes as it reads, Gson's takes them afterwards
    if (ids.size() % 2 == 0) {
      return Page.read(new JsonReader(new StringReader(json.toString())));
    }
    try (JsonParser parser = new JsonFactory().createParser(json.toString())) {
      parser.nextToken();
      return Page.read(parser, null);
    }
  }
}
