package org.rostersync.sandbox.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.internal.Streams;
import com.google.gson.stream.JsonWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The simulator's own writers give the bytes the JDK's would: its answers must not change. */
class SimulatorOutputTest {
  private static final char[] ALPHABET = {
    'a', '"', '\\', '\n', 'é', 'ß', '€', '中', '\uFFFF', '\u0000', '\uD83D', '\uDE00', '\uDBFF',
    '\uDC00', '\u007F', '\u0080', '\u07FF', '\u0800'
  };

  @Test
  void theUtf8WriterWritesWhatTheJdksWriterWrites() throws IOException {
    SplittableRandom random = new SplittableRandom(20261130);
    for (int round = 0; round < 20_000; round++) {
      char[] text = new char[random.nextInt(40)];
      for (int i = 0; i < text.length; i++) {
        text[i] = ALPHABET[random.nextInt(ALPHABET.length)];
      }
      ByteArrayOutputStream jdk = new ByteArrayOutputStream();
      ByteArrayOutputStream ours = new ByteArrayOutputStream();
      long seed = random.nextLong();
      try (Writer w = new OutputStreamWriter(jdk, StandardCharsets.UTF_8)) {
        writeInPieces(w, text, new SplittableRandom(seed));
      }
      // a buffer of 16 bytes drains many times within one string
      try (Writer w = new Utf8Writer(ours, 16)) {
        writeInPieces(w, text, new SplittableRandom(seed));
      }
      assertThat(
          "text " + Arrays.toString(toCodes(text)), ours.toByteArray(), equalTo(jdk.toByteArray()));
    }
  }

  /** Gson hands a writer strings, parts of strings, single characters and appends. */
  private static void writeInPieces(Writer w, char[] text, SplittableRandom random)
      throws IOException {
    String s = new String(text);
    int at = 0;
    while (at < text.length) {
      int len = Math.min(text.length - at, 1 + random.nextInt(6));
      switch (random.nextInt(5)) {
        case 0 -> w.write(s, at, len);
        case 1 -> w.write(text, at, len);
        case 2 -> w.append(s.substring(at, at + len));
        case 3 -> w.write(s.substring(at, at + len));
        default -> {
          len = 1;
          w.write(text[at]);
        }
      }
      at += len;
    }
  }

  private static int[] toCodes(char[] text) {
    int[] codes = new int[text.length];
    for (int i = 0; i < text.length; i++) {
      codes[i] = text[i];
    }
    return codes;
  }

  @Test
  void bytesWrittenWholeGoBetweenTheCharactersAroundThem() throws IOException {
    byte[] small = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    byte[] large = ("{\"b\":\"" + "é".repeat(40) + "\"}").getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // a buffer of 16 bytes: the small value fits beside what is buffered, the large one does not
    try (Utf8Writer w = new Utf8Writer(out, 16)) {
      w.write("[é");
      w.writeUtf8(small);
      w.write(',');
      w.writeUtf8(large);
      w.write("]");
    }
    String expected =
        "[é"
            + new String(small, StandardCharsets.UTF_8)
            + ","
            + new String(large, StandardCharsets.UTF_8)
            + "]";
    assertThat(
        out.toString(StandardCharsets.ISO_8859_1),
        equalTo(
            new String(expected.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)));
  }

  /**
   * Pages serve each record as bytes written once; they must be the bytes Gson writes for the
   * record's tree through the JDK's UTF-8 writer, before and after the records change.
   */
  @Test
  void aPageServesTheBytesGsonWritesForItsRecords() throws IOException {
    try (EdlinkSimulator sim =
        EdlinkSimulator.builder().seed(20261201).integration(DatasetSize.SMALL).start()) {
      SimIntegration small = sim.integrations().get(0);
      String graph = sim.baseUrl() + "/api/v2/graph/";
      for (RosterType type : List.of(RosterType.PEOPLE, RosterType.ENROLLMENTS)) {
        String all = graph + type.path() + "?$first=10000";
        String first = body(all, small.accessToken());
        assertThat(
            type + ", every record",
            first,
            equalTo(envelope(sim.records(small.id(), type), first)));
        String again = body(all, small.accessToken());
        assertThat(
            type + ", served again from the kept bytes",
            again,
            equalTo(envelope(sim.records(small.id(), type), again)));
        List<JsonObject> records = sim.records(small.id(), type);
        String last = body(graph + type.path() + "?$last=7", small.accessToken());
        assertThat(
            type + ", the last page",
            last,
            equalTo(envelope(records.subList(records.size() - 7, records.size()), last)));
        String second = body(nextOf(graph + type.path() + "?$first=5", small), small.accessToken());
        assertThat(
            type + ", a second page", second, equalTo(envelope(records.subList(5, 10), second)));

        // Records changed, removed and added after their bytes were kept.
        sim.update(small.id(), type, 25);
        sim.delete(small.id(), type, 10);
        sim.create(small.id(), type, 10);
        String changed = body(all, small.accessToken());
        assertThat(
            type + ", after the changes",
            changed,
            equalTo(envelope(sim.records(small.id(), type), changed)));
        assertThat(type + ", the changes are served", changed, not(equalTo(first)));
      }
    }
  }

  /** The body as Latin-1 text: one character per byte, so equal text is equal bytes. */
  private static String body(String url, String token) throws IOException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build();
    try {
      HttpResponse<byte[]> r = SimHttp.CLIENT.send(req, HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode(), equalTo(200));
      return new String(r.body(), StandardCharsets.ISO_8859_1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static String nextOf(String url, SimIntegration integration) {
    return SimHttp.get(url, integration.accessToken()).json().get("$next").getAsString();
  }

  /** The page as Gson writes it, with the {@code $next} and {@code $request} of the reply. */
  private static String envelope(List<JsonObject> records, String reply) throws IOException {
    JsonObject parsed =
        JsonParser.parseString(
                new String(reply.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8))
            .getAsJsonObject();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonWriter w = new JsonWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8))) {
      w.setSerializeNulls(true);
      w.beginObject();
      w.name("$data").beginArray();
      for (JsonObject record : records) {
        Streams.write(record, w);
      }
      w.endArray();
      if (parsed.has("$next")) {
        w.name("$next").value(parsed.get("$next").getAsString());
      }
      w.name("$request").value(parsed.get("$request").getAsString());
      w.endObject();
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void datesAreWrittenAsTheJdksFormatterWritesThem() {
    DateTimeFormatter iso =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    SplittableRandom random = new SplittableRandom(42);
    long[] edges = {
      0,
      -1,
      1,
      Instant.parse("1000-01-01T00:00:00Z").toEpochMilli(),
      Instant.parse("1000-01-01T00:00:00Z").toEpochMilli() - 1,
      Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli(),
      Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli() + 1,
      Instant.parse("2024-02-29T12:34:56.789Z").toEpochMilli()
    };
    for (long millis : edges) {
      assertThat(SimClock.format(millis), equalTo(iso.format(Instant.ofEpochMilli(millis))));
    }
    long span = 400L * 365 * 86_400_000L;
    for (int i = 0; i < 200_000; i++) {
      // most draws near the simulator's dates, some across years 0 to 12,000
      long millis =
          i % 10 == 0
              ? random.nextLong(-62_000_000_000_000L, 316_000_000_000_000L)
              : random.nextLong(-span, span);
      assertThat(SimClock.format(millis), equalTo(iso.format(Instant.ofEpochMilli(millis))));
    }
  }
}
