package org.rostersync.sandbox.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
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
