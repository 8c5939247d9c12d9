package org.rostersync.edlink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Reads a page's body with Jackson's byte parser, which reads Edlink's pages in about half the time
 * of Gson over a UTF-8 reader (docs/benchmark-process.md, "Pages parsed with Jackson"), and gives
 * the same page: the same records' canonical JSON, ids and problems, and the same {@code $next} and
 * {@code $request}.
 *
 * <p>It takes only what both readers see alike, and leaves the rest to the client's general reader
 * (Gson), which decides as before:
 *
 * <ul>
 *   <li>bytes that are well-formed UTF-8 with no NUL byte: the JDK's decoder, in front of Gson,
 *       replaces ill-formed bytes with U+FFFD where Jackson would read them otherwise or fail, and
 *       a NUL byte (never in well-formed JSON) could make Jackson read the page as UTF-16 or
 *       UTF-32;
 *   <li>a page Jackson reads whole and well formed, as strictly as the general reader
 *       (Strictness.STRICT): any failure, a limit of Jackson's met, a {@code $warnings} member or a
 *       repeated {@code $data}, and the general reader reads the same bytes again.
 * </ul>
 *
 * <p>So a page Gson refuses is never taken here, and a page taken here is the one Gson gives
 * ({@code PageParserTest} compares the two on crafted and random pages).
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
  record Body(Page page, String next, String requestId) {}

  /**
   * The page in {@code body[0, length)}, or null when the general reader must read it (it is then
   * read there from the same bytes, and refused or taken as before).
   */
  static Body read(byte[] body, int length) {
    if (!wellFormedUtf8WithoutNul(body, length)) {
      return null;
    }
    try (JsonParser p = JSON.createParser(body, 0, length)) {
      return envelope(p);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static Body envelope(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return null;
    }
    Page page = null;
    String next = null;
    String requestId = null;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "$data" -> {
          if (page != null) {
            return null; // refused there, with its reason
          }
          page = Page.read(p);
        }
        case "$next" -> next = nullableString(p, value);
        case "$request" -> requestId = nullableString(p, value);
        case "$warnings" -> {
          if (value != JsonToken.VALUE_NULL) {
            return null; // rare; logged there
          }
        }
        default -> p.skipChildren();
      }
    }
    if (t != JsonToken.END_OBJECT || p.nextToken() != null || page == null) {
      return null;
    }
    return new Body(page, next, requestId);
  }

  /** As Gson's {@code nextString}: a string, or a number's text; null for null. */
  private static String nullableString(JsonParser p, JsonToken value) throws IOException {
    return switch (value) {
      case VALUE_NULL -> null;
      case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getText();
      default -> throw new IllegalStateException("expected a string, got " + value);
    };
  }

  /**
   * Whether {@code b[0, length)} is well-formed UTF-8 (the Unicode standard's table 3-7: no
   * overlong forms, no surrogates, nothing above U+10FFFF), as the JDK's decoder reads without
   * replacing anything, and holds no NUL byte.
   */
  static boolean wellFormedUtf8WithoutNul(byte[] b, int length) {
    int i = 0;
    while (i < length) {
      // A block of ASCII first: one OR per byte, no branch (a page is mostly ASCII).
      int end = Math.min(length, i + ASCII_BLOCK);
      int any = 0;
      for (int k = i; k < end; k++) {
        any |= b[k] - 1; // negative for a NUL or a byte of a multi-byte sequence
      }
      i = any >= 0 ? end : wellFormedUpTo(b, i, end, length);
      if (i < 0) {
        return false;
      }
    }
    return true;
  }

  private static final int ASCII_BLOCK = 1024;

  /**
   * Checks {@code b} byte by byte from {@code from} to {@code end} (a sequence begun before {@code
   * end} to its last byte, within {@code length}): where the next block starts, or -1.
   */
  private static int wellFormedUpTo(byte[] b, int from, int end, int length) {
    int i = from;
    while (i < end) {
      int c = b[i];
      if (c > 0) {
        i++;
        continue;
      }
      if (c == 0) {
        return -1;
      }
      c &= 0xff;
      int lo = 0x80;
      int hi = 0xbf;
      int extra;
      if (c >= 0xc2 && c <= 0xdf) {
        extra = 1;
      } else if (c >= 0xe0 && c <= 0xef) {
        extra = 2;
        if (c == 0xe0) {
          lo = 0xa0;
        } else if (c == 0xed) {
          hi = 0x9f;
        }
      } else if (c >= 0xf0 && c <= 0xf4) {
        extra = 3;
        if (c == 0xf0) {
          lo = 0x90;
        } else if (c == 0xf4) {
          hi = 0x8f;
        }
      } else {
        return -1;
      }
      if (i + extra >= length) {
        return -1;
      }
      int second = b[i + 1] & 0xff;
      if (second < lo || second > hi) {
        return -1;
      }
      for (int k = 2; k <= extra; k++) {
        if ((b[i + k] & 0xc0) != 0x80) {
          return -1;
        }
      }
      i += extra + 1;
    }
    return i;
  }
}
