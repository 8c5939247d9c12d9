package org.rostersync.edlink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.internal.LazilyParsedNumber;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads a page with Jackson's parser, which reads Edlink's pages in about two thirds of Gson's CPU
 * (docs/benchmark-process.md, "Pages read by Jackson where it reads what Gson reads"), into the
 * same page: the same records' canonical JSON, ids and problems, and the same {@code $next}, {@code
 * $request} and {@code $warnings}.
 *
 * <p>Jackson reads the page's bytes as they stream, and decodes them itself. For well-formed UTF-8
 * that gives the characters the JDK's decoder gives Gson; for ill-formed bytes it would not (the
 * JDK's decoder reads U+FFFD), so the bytes are checked as they pass, and a page that is not
 * well-formed UTF-8, or holds a NUL byte, is refused. A leading byte-order mark is skipped, as Gson
 * skips it. A page Jackson does not read whole and well formed is refused with its reason, and the
 * client reads that page's next attempts with Gson, which takes or refuses it as before. So a page
 * Gson refuses is never taken here, and a page taken here is the one Gson gives ({@code
 * PageParserTest} compares the two on random, crafted and randomly broken pages).
 */
final class PageParser {
  /**
   * No interning: a page's member names would otherwise go into the JVM's string table. Names are
   * still shared within the factory's bounded symbol table.
   */
  private static final JsonFactory JSON =
      JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build();

  private PageParser() {}

  /** A page's envelope as the client uses it. */
  record Body(Page page, String next, String requestId, List<JsonObject> warnings) {}

  /**
   * The page {@code in} holds.
   *
   * @throws JsonProcessingException when Jackson cannot read it (malformed, or a limit of its own)
   * @throws IllegalStateException when it is not a page (as the general reader throws it)
   * @throws IOException when {@code in} fails (a cut or timed-out connection)
   */
  static Body read(InputStream in) throws IOException {
    return read(in, null);
  }

  /**
   * {@link #read(InputStream)}, giving {@code firstId} (if not null) the first record's id as soon
   * as that record is read ({@link Page#read(JsonParser, Consumer)}).
   */
  static Body read(InputStream in, Consumer<String> firstId) throws IOException {
    try (JsonParser p = JSON.createParser(new WellFormedUtf8(in))) {
      return envelope(p, firstId);
    } catch (IllegalStateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalStateException("page not read: " + e, e);
    }
  }

  /**
   * Passes bytes on while they are well-formed UTF-8 without NUL (Unicode's table 3-7: no overlong
   * form, no surrogate, nothing past U+10FFFF, no sequence cut at the end), and throws {@link
   * IllegalStateException} at the first byte that is not, so the page goes to Gson. Jackson's own
   * decoding is then the JDK's, and encodings it would guess from NUL bytes (UTF-16, UTF-32) never
   * reach it.
   */
  static final class WellFormedUtf8 extends FilterInputStream {
    private static final VarHandle LONGS =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW_SEVEN = 0x7F7F7F7F7F7F7F7FL;
    private static final long TOP = 0x8080808080808080L;

    /** Continuation bytes the current sequence still needs. */
    private int need;

    /** The range the next continuation byte must fall in. */
    private int low = 0x80;

    private int high = 0xBF;
    private long offset;

    WellFormedUtf8(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        check(b, off, off + n);
      } else if (n < 0 && need > 0) {
        throw illFormed("the body ends inside a character", offset);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] skipped = new byte[(int) Math.min(n, 8192)];
      int read = read(skipped, 0, skipped.length);
      return Math.max(read, 0);
    }

    private void check(byte[] b, int from, int to) {
      int need = this.need;
      int low = this.low;
      int high = this.high;
      for (int i = from; i < to; i++) {
        if (need == 0) {
          i = pastAscii(b, i, to);
          if (i == to) {
            break;
          }
        }
        int c = b[i];
        if (need == 0) {
          if (c > 0) {
            continue; // ASCII, but NUL
          }
          c &= 0xFF;
          if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
          } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            low = c == 0xE0 ? 0xA0 : 0x80;
            high = c == 0xED ? 0x9F : 0xBF;
          } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            low = c == 0xF0 ? 0x90 : 0x80;
            high = c == 0xF4 ? 0x8F : 0xBF;
          } else {
            throw illFormed(
                c == 0 ? "a NUL byte" : "a byte that starts no character", offset + i - from);
          }
        } else {
          c &= 0xFF;
          if (c < low || c > high) {
            throw illFormed("a character's bytes broken off", offset + i - from);
          }
          need--;
          low = 0x80;
          high = 0xBF;
        }
      }
      offset += to - from;
      this.need = need;
      this.low = low;
      this.high = high;
    }

    /**
     * The first index from {@code i} of the eight-byte word holding a byte that is not ASCII or is
     * NUL (or of the last, shorter stretch): eight bytes a step, where a page is nearly all ASCII.
     */
    private static int pastAscii(byte[] b, int i, int to) {
      while (i + 8 <= to) {
        long v = (long) LONGS.get(b, i);
        // Per byte: the top bit set where the low seven bits are not all 0 and the top bit is 0.
        if ((((v & LOW_SEVEN) + LOW_SEVEN) & ~v & TOP) != TOP) {
          break;
        }
        i += 8;
      }
      return i;
    }

    private static IllegalStateException illFormed(String what, long at) {
      return new IllegalStateException("not well-formed UTF-8: " + what + " at byte " + at);
    }
  }

  private static Body envelope(JsonParser p, Consumer<String> firstId) throws IOException {
    JsonToken t = p.nextToken();
    if (t != JsonToken.START_OBJECT) {
      throw new IllegalStateException("expected the response object, got " + t);
    }
    Page page = null;
    String next = null;
    String requestId = null;
    List<JsonObject> warnings = List.of();
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "$data" -> {
          if (page != null) {
            throw new IllegalStateException("response has $data twice");
          }
          page = Page.read(p, firstId);
        }
        case "$next" -> next = nullableString(p, value);
        case "$request" -> requestId = nullableString(p, value);
        case "$warnings" -> warnings = objects(p, value);
        default -> p.skipChildren();
      }
    }
    if (t != JsonToken.END_OBJECT) {
      throw new IllegalStateException("expected a member or the end of the response, got " + t);
    }
    if (p.nextToken() != null) {
      throw new IllegalStateException("content after the response object");
    }
    if (page == null) {
      throw new IllegalStateException("response has no $data");
    }
    return new Body(page, next, requestId, warnings);
  }

  /** As Gson's {@code nextString}: a string, or a number's text; null for null. */
  private static String nullableString(JsonParser p, JsonToken value) throws IOException {
    return switch (value) {
      case VALUE_NULL -> null;
      case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getText();
      default -> throw new IllegalStateException("expected a string, got " + value);
    };
  }

  /** An array of objects (or null), as the general reader builds it. */
  private static List<JsonObject> objects(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return List.of();
    }
    if (value != JsonToken.START_ARRAY) {
      throw new IllegalStateException("expected an array, got " + value);
    }
    List<JsonObject> out = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        throw new IllegalStateException("expected an object in the array, got " + t);
      }
      out.add(tree(p, t).getAsJsonObject());
    }
    return out;
  }

  /**
   * The value starting at {@code t} as Gson's tree, numbers kept as written (as Gson keeps them).
   */
  private static JsonElement tree(JsonParser p, JsonToken t) throws IOException {
    if (t == null) {
      throw new IllegalStateException("end of input inside a value");
    }
    return switch (t) {
      case START_OBJECT -> {
        JsonObject o = new JsonObject();
        JsonToken k;
        while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          o.add(name, tree(p, p.nextToken()));
        }
        if (k != JsonToken.END_OBJECT) {
          throw new IllegalStateException("expected a member, got " + k);
        }
        yield o;
      }
      case START_ARRAY -> {
        JsonArray a = new JsonArray();
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          a.add(tree(p, e));
        }
        yield a;
      }
      case VALUE_STRING -> new JsonPrimitive(p.getText());
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT ->
          new JsonPrimitive(new LazilyParsedNumber(p.getText()));
      case VALUE_TRUE -> new JsonPrimitive(true);
      case VALUE_FALSE -> new JsonPrimitive(false);
      case VALUE_NULL -> JsonNull.INSTANCE;
      default -> throw new IllegalStateException("unexpected " + t);
    };
  }
}
