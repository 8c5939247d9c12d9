package org.rostersync.hash;

import com.fasterxml.jackson.core.JsonParser;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.internal.LazilyParsedNumber;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * SHA-256 over an entity's canonical JSON: object keys sorted, no insignificant whitespace, numbers
 * and strings in one normal form.
 *
 * <p>The canonical form (changing it changes every stored hash, so treat it as frozen):
 *
 * <ul>
 *   <li>Object members sorted by key, comparing UTF-16 code units ({@link String#compareTo}, as RFC
 *       8785 JCS does). Arrays keep their order. No whitespace anywhere.
 *   <li>Strings: only {@code "} and {@code \} are escaped with a backslash, and control characters
 *       below U+0020 as {@code \b \f \n \r \t} or <code>&#92;u00xx</code> (lower-case hex).
 *       Everything else, including {@code / < > &} and U+2028/U+2029, is written as raw UTF-8. A
 *       lone (unpaired) surrogate cannot be UTF-8, so it is written as <code>&#92;udxxx</code>,
 *       which keeps it distinct from every other string.
 *   <li>Numbers: the decimal value, with trailing zeros stripped, so {@code 1}, {@code 1.0}, {@code
 *       1e0} and {@code 10E-1} all become {@code 1}, and {@code -0} becomes {@code 0}. When the
 *       decimal exponent of the leading digit is in [-7, 21) the number is written plainly ({@code
 *       100}, {@code 0.0015}); otherwise as {@code d.ddde<exp>} ({@code 1e21}, {@code -2.5e-8}).
 *   <li>{@code null}, {@code true}, {@code false} as literals.
 * </ul>
 *
 * <p>NaN and infinities have no JSON form and are rejected with {@link IllegalArgumentException}.
 */
public final class CanonicalHash {
  private static final byte[] HEX =
      "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};
  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

  private CanonicalHash() {}

  /** The canonical UTF-8 JSON bytes of {@code element}. */
  public static byte[] canonicalBytes(JsonElement element) {
    return canonical(element).bytes();
  }

  /**
   * Canonical bytes and what writing them saw, so a check need not read the bytes again: the
   * deepest nesting of containers (a top-level object alone is 1) and whether a NUL or a lone
   * surrogate was escaped (text PostgreSQL's jsonb refuses).
   */
  public record Canonical(byte[] bytes, int depth, boolean escapedNulOrLoneSurrogate) {}

  /** {@link #canonicalBytes}, with what the writer saw. */
  public static Canonical canonical(JsonElement element) {
    Bytes out = new Bytes(256);
    write(element, out);
    return new Canonical(out.toArray(), out.deepest, out.escapedNulOrLoneSurrogate);
  }

  /**
   * One value read from a {@link JsonReader} ({@link #read}): its canonical form, the string value
   * of one top-level member asked for (null when absent or not a string), and why it has no
   * canonical form (null when it has one). With a problem, {@code canonical} holds the value with
   * its numbers as written: still JSON, so it can be parsed and shown, but not hashed.
   */
  public record Read(Canonical canonical, String member, String problem) {}

  /**
   * Reads the next value of {@code reader} and writes its canonical form as it goes, without
   * building a tree: the same bytes as {@link #canonical(JsonElement)} of the value Gson would
   * parse (a repeated key keeps its last value, as there). An object's members are written in the
   * order read and reordered only when they were not sorted. {@code member} names a top-level
   * member whose string value to capture (null for none).
   */
  public static Read read(JsonReader reader, String member) throws IOException {
    Bytes out = SCRATCH.get();
    out.reset();
    TokenWriter w = new TokenWriter(reader, member, out);
    w.value(0);
    return w.done();
  }

  /**
   * {@link #read(JsonReader, String)} from Jackson's parser, whose current token starts the value:
   * the same bytes, member and problem for the same tokens. Used where Jackson reads the characters
   * Gson would read (Edlink's pages, their bytes checked to be well-formed UTF-8, {@code
   * org.rostersync.edlink.PageParser}).
   */
  public static Read read(JsonParser parser, String member) throws IOException {
    Bytes out = SCRATCH.get();
    out.reset();
    JacksonTokenWriter w = new JacksonTokenWriter(parser, member, out);
    w.value(parser.currentToken(), 0);
    return w.done();
  }

  /**
   * Each thread writes records into one buffer and copies out only their exact bytes: a buffer per
   * record, grown by doubling and then copied, was a fifth of what a large sync allocated (JFR).
   * One that grew past {@link #SCRATCH_KEPT} for a rare large record is dropped afterwards, so a
   * thread keeps at most 128 KB with its spare (a streaming Dataflow worker runs hundreds).
   */
  private static final int SCRATCH_FIRST = 8 << 10;

  private static final int SCRATCH_KEPT = 64 << 10;
  private static final ThreadLocal<Bytes> SCRATCH =
      ThreadLocal.withInitial(() -> new Bytes(SCRATCH_FIRST));

  /** One digest per thread, reset by each {@code digest}: getInstance per record costs more. */
  private static final ThreadLocal<MessageDigest> DIGEST =
      ThreadLocal.withInitial(Sha256::newDigest);

  /**
   * What the two token writers share: the output, the captured member, the first problem, numbers,
   * and putting an object's members in order.
   */
  private abstract static class Writer {
    final String member;
    final Bytes out;
    String captured;
    String problem;

    Writer(String member, Bytes out) {
      this.member = member;
      this.out = out;
    }

    /** The result; the thread's buffer is replaced when a rare large record grew it. */
    Read done() {
      Read read =
          new Read(
              new Canonical(out.toArray(), out.deepest, out.escapedNulOrLoneSurrogate),
              captured,
              problem);
      if (out.buf.length > SCRATCH_KEPT) {
        SCRATCH.set(new Bytes(SCRATCH_FIRST));
      }
      return read;
    }

    /** A number as written; without a canonical form it is kept as written, with the problem. */
    void number(String written) {
      try {
        writeAscii(canonicalNumber(new JsonPrimitive(new LazilyParsedNumber(written))), out);
      } catch (IllegalArgumentException e) {
        if (problem == null) {
          problem = e.getMessage();
        }
        writeAscii(written, out);
      }
    }

    /** Closes an object opened at {@code start}, its members put in order when they were not. */
    void closeObject(int start, Members members) {
      if (members != null && !members.sorted) {
        reorder(start, members);
      }
      out.write('}');
      out.open--;
    }

    /**
     * Rewrites the members written since {@code start} (member {@code i} ends at {@code ends[i]}, a
     * comma before each but the first) in key order, keeping only the last of a repeated key.
     */
    private void reorder(int start, Members members) {
      byte[] written = out.spare(out.len - start);
      System.arraycopy(out.buf, start, written, 0, out.len - start);
      int[] order = members.order();
      int[] ends = members.ends;
      out.len = start;
      for (int k = 0; k < members.kept; k++) {
        if (k > 0) {
          out.write(',');
        }
        int i = order[k];
        int from = (i == 0 ? start : ends[i - 1] + 1) - start;
        int to = ends[i] - start;
        out.ensure(to - from);
        System.arraycopy(written, from, out.buf, out.len, to - from);
        out.len += to - from;
      }
    }
  }

  /** Writes canonical bytes from Gson's tokens; see {@link #read(JsonReader, String)}. */
  private static final class TokenWriter extends Writer {
    private final JsonReader reader;

    TokenWriter(JsonReader reader, String member, Bytes out) {
      super(member, out);
      this.reader = reader;
    }

    void value(int level) throws IOException {
      switch (reader.peek()) {
        case BEGIN_OBJECT -> object(level);
        case BEGIN_ARRAY -> {
          reader.beginArray();
          out.open();
          out.write('[');
          boolean first = true;
          while (reader.hasNext()) {
            if (!first) {
              out.write(',');
            }
            first = false;
            value(level + 1);
          }
          reader.endArray();
          out.write(']');
          out.open--;
        }
        case STRING -> writeString(reader.nextString(), out);
        case NUMBER -> number(reader.nextString());
        case BOOLEAN -> out.write(reader.nextBoolean() ? TRUE : FALSE);
        case NULL -> {
          reader.nextNull();
          out.write(NULL);
        }
        default -> throw new IllegalStateException("unexpected " + reader.peek());
      }
    }

    private void object(int level) throws IOException {
      reader.beginObject();
      out.open();
      out.write('{');
      int start = out.len;
      Members members = null;
      while (reader.hasNext()) {
        String key = reader.nextName();
        if (members == null) {
          members = out.members();
        } else {
          out.write(',');
        }
        writeString(key, out);
        out.write(':');
        if (level == 0 && key.equals(member)) {
          // The last one counts, as in a parsed object.
          captured = reader.peek() == JsonToken.STRING ? reader.nextString() : null;
          if (captured != null) {
            writeString(captured, out);
          } else {
            value(level + 1);
          }
        } else {
          value(level + 1);
        }
        members.add(key, out.len);
      }
      reader.endObject();
      closeObject(start, members);
    }
  }

  /**
   * Writes canonical bytes from Jackson's tokens, as {@link TokenWriter} does from Gson's; see
   * {@link #read(JsonParser, String)}. Strings are written from the parser's own characters.
   */
  private static final class JacksonTokenWriter extends Writer {
    private final JsonParser parser;

    JacksonTokenWriter(JsonParser parser, String member, Bytes out) {
      super(member, out);
      this.parser = parser;
    }

    void value(com.fasterxml.jackson.core.JsonToken token, int level) throws IOException {
      if (token == null) {
        throw new EOFException("end of input inside a value");
      }
      switch (token) {
        case START_OBJECT -> object(level);
        case START_ARRAY -> {
          out.open();
          out.write('[');
          boolean first = true;
          com.fasterxml.jackson.core.JsonToken t;
          while ((t = parser.nextToken()) != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
            if (!first) {
              out.write(',');
            }
            first = false;
            value(t, level + 1);
          }
          out.write(']');
          out.open--;
        }
        case VALUE_STRING ->
            writeString(
                parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength(), out);
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> number(parser.getText());
        case VALUE_TRUE -> out.write(TRUE);
        case VALUE_FALSE -> out.write(FALSE);
        case VALUE_NULL -> out.write(NULL);
        default -> throw new IllegalStateException("unexpected " + token);
      }
    }

    private void object(int level) throws IOException {
      out.open();
      out.write('{');
      int start = out.len;
      Members members = null;
      com.fasterxml.jackson.core.JsonToken t;
      while ((t = parser.nextToken()) == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        if (members == null) {
          members = out.members();
        } else {
          out.write(',');
        }
        out.writeKey(key);
        out.write(':');
        com.fasterxml.jackson.core.JsonToken v = parser.nextToken();
        if (level == 0 && key.equals(member)) {
          // The last one counts, as in a parsed object.
          captured =
              v == com.fasterxml.jackson.core.JsonToken.VALUE_STRING ? parser.getText() : null;
          if (captured != null) {
            writeString(captured, out);
          } else {
            value(v, level + 1);
          }
        } else {
          value(v, level + 1);
        }
        members.add(key, out.len);
      }
      if (t != com.fasterxml.jackson.core.JsonToken.END_OBJECT) {
        throw new IllegalStateException("expected a member or the end of an object, got " + t);
      }
      closeObject(start, members);
    }
  }

  /** SHA-256 of {@link #canonicalBytes}. 32 bytes. */
  public static byte[] sha256(JsonElement element) {
    Bytes out = new Bytes(256);
    write(element, out);
    MessageDigest md = DIGEST.get();
    md.update(out.buf, 0, out.len);
    return md.digest();
  }

  /** SHA-256 of already canonical bytes. 32 bytes. */
  public static byte[] sha256(byte[] canonical) {
    return DIGEST.get().digest(canonical);
  }

  /** Lower-case hex of a digest. */
  public static String hex(byte[] digest) {
    byte[] chars = new byte[digest.length * 2];
    for (int i = 0; i < digest.length; i++) {
      chars[2 * i] = HEX[(digest[i] >> 4) & 0xf];
      chars[2 * i + 1] = HEX[digest[i] & 0xf];
    }
    return new String(chars, java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static void write(JsonElement e, Bytes out) {
    if (e == null || e.isJsonNull()) {
      out.write(NULL);
    } else if (e.isJsonObject()) {
      writeObject(e.getAsJsonObject(), out);
    } else if (e.isJsonArray()) {
      JsonArray array = e.getAsJsonArray();
      out.open();
      out.write('[');
      for (int i = 0; i < array.size(); i++) {
        if (i > 0) {
          out.write(',');
        }
        write(array.get(i), out);
      }
      out.write(']');
      out.open--;
    } else {
      JsonPrimitive p = e.getAsJsonPrimitive();
      if (p.isString()) {
        writeString(p.getAsString(), out);
      } else if (p.isBoolean()) {
        out.write(p.getAsBoolean() ? TRUE : FALSE);
      } else {
        writeAscii(canonicalNumber(p), out);
      }
    }
  }

  private static void writeObject(JsonObject object, Bytes out) {
    String[] keys = object.keySet().toArray(new String[0]);
    Arrays.sort(keys);
    out.open();
    out.write('{');
    for (int i = 0; i < keys.length; i++) {
      if (i > 0) {
        out.write(',');
      }
      writeString(keys[i], out);
      out.write(':');
      write(object.get(keys[i]), out);
    }
    out.write('}');
    out.open--;
  }

  /** The normal form of a JSON number; package-private for tests. */
  static String canonicalNumber(JsonPrimitive p) {
    BigDecimal value;
    try {
      value = p.getAsBigDecimal();
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a finite JSON number: " + p.getAsString(), e);
    }
    if (value.signum() == 0) {
      return "0";
    }
    value = value.stripTrailingZeros();
    // Decimal exponent of the leading digit: 123 -> 2, 0.05 -> -2.
    long exponent = (long) value.precision() - value.scale() - 1;
    if (exponent >= -7 && exponent < 21) {
      return value.toPlainString();
    }
    String digits = value.unscaledValue().abs().toString();
    StringBuilder sb = new StringBuilder(digits.length() + 8);
    if (value.signum() < 0) {
      sb.append('-');
    }
    sb.append(digits.charAt(0));
    if (digits.length() > 1) {
      sb.append('.').append(digits, 1, digits.length());
    }
    return sb.append('e').append(exponent).toString();
  }

  private static void writeAscii(String s, Bytes out) {
    out.ensure(s.length());
    for (int i = 0; i < s.length(); i++) {
      out.buf[out.len++] = (byte) s.charAt(i);
    }
  }

  private static void writeString(String s, Bytes out) {
    char[] chars = out.chars(s.length());
    s.getChars(0, s.length(), chars, 0);
    writeString(chars, 0, s.length(), out);
  }

  /** Writes the string of {@code length} characters of {@code s} from {@code offset}. */
  private static void writeString(char[] s, int offset, int length, Bytes out) {
    // Worst case per char is 6 bytes (backslash-u00xx or an escaped lone surrogate); reserve once
    // instead of per char.
    out.ensure(length * 6 + 2);
    byte[] b = out.buf;
    int n = out.len;
    b[n++] = '"';
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      char c = s[i];
      if (c >= 0x20 && c < 0x80) {
        if (c == '"' || c == '\\') {
          b[n++] = '\\';
        }
        b[n++] = (byte) c;
      } else if (c < 0x20) {
        b[n++] = '\\';
        switch (c) {
          case '\b' -> b[n++] = 'b';
          case '\f' -> b[n++] = 'f';
          case '\n' -> b[n++] = 'n';
          case '\r' -> b[n++] = 'r';
          case '\t' -> b[n++] = 't';
          default -> {
            out.escapedNulOrLoneSurrogate |= c == 0;
            n = writeUnicodeEscape(c, b, n);
          }
        }
      } else if (c < 0x800) {
        b[n++] = (byte) (0xc0 | (c >> 6));
        b[n++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < end
          && Character.isLowSurrogate(s[i + 1])) {
        int cp = Character.toCodePoint(c, s[++i]);
        b[n++] = (byte) (0xf0 | (cp >> 18));
        b[n++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        b[n++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        b[n++] = (byte) (0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c)) {
        out.escapedNulOrLoneSurrogate = true;
        b[n++] = '\\';
        n = writeUnicodeEscape(c, b, n);
      } else {
        b[n++] = (byte) (0xe0 | (c >> 12));
        b[n++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        b[n++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    b[n++] = '"';
    out.len = n;
  }

  /** Writes {@code uXXXX} (the backslash is already written) and returns the new length. */
  private static int writeUnicodeEscape(char c, byte[] b, int n) {
    b[n++] = 'u';
    b[n++] = HEX[(c >> 12) & 0xf];
    b[n++] = HEX[(c >> 8) & 0xf];
    b[n++] = HEX[(c >> 4) & 0xf];
    b[n++] = HEX[c & 0xf];
    return n;
  }

  /**
   * Member keys and where each ends, grown as an object is written; reused ({@link Bytes#members}).
   */
  private static final class Members {
    String[] keys = new String[16];
    int[] ends = new int[16];
    int n;
    boolean sorted = true;

    /**
     * The last order worked out, and the keys it was for: a page's records share their names and
     * their order (the same strings, from Jackson's symbol table), so most objects take it as it
     * is.
     */
    private String[] orderedKeys = new String[0];

    private int[] order = new int[0];

    /** How many members {@link #order} keeps. */
    int kept;

    void add(String key, int end) {
      if (n == keys.length) {
        keys = Arrays.copyOf(keys, n * 2);
        ends = Arrays.copyOf(ends, n * 2);
      }
      // Strictly increasing keys need no reordering; an equal or smaller one does.
      if (n > 0 && keys[n - 1].compareTo(key) >= 0) {
        sorted = false;
      }
      keys[n] = key;
      ends[n] = end;
      n++;
    }

    /** The members' indices in key order, only the last of a repeated key; see {@link #kept}. */
    int[] order() {
      if (orderedKeys.length == n) {
        boolean same = true;
        for (int i = 0; i < n && same; i++) {
          same = orderedKeys[i] == keys[i];
        }
        if (same) {
          return order;
        }
      }
      Integer[] byKey = new Integer[n];
      for (int i = 0; i < n; i++) {
        byKey[i] = i;
      }
      String[] k = keys;
      // By key, and the later of two equal keys first, so it is the one kept.
      Arrays.sort(
          byKey,
          (a, b) -> {
            int c = k[a].compareTo(k[b]);
            return c != 0 ? c : Integer.compare(b, a);
          });
      order = new int[n];
      kept = 0;
      String last = null;
      for (int i : byKey) {
        if (!k[i].equals(last)) {
          order[kept++] = i;
          last = k[i];
        }
      }
      orderedKeys = Arrays.copyOf(keys, n);
      return order;
    }

    /** Empty again; a rare large object's arrays are not kept. */
    Members reset() {
      if (keys.length > 64) {
        keys = new String[16];
        ends = new int[16];
        orderedKeys = new String[0];
        order = new int[0];
      }
      n = 0;
      sorted = true;
      return this;
    }
  }

  /** A growable byte buffer without the locking of ByteArrayOutputStream. */
  private static final class Bytes {
    byte[] buf;
    int len;
    int open;
    int deepest;
    boolean escapedNulOrLoneSurrogate;

    /**
     * Written keys by the identity of their string: Jackson gives the same string for the same name
     * (its symbol table), so a page's few names are encoded once per thread, not once per record.
     * Only keys written without an escape are kept, so the escapes' flag is never skipped.
     */
    private final String[] keys = new String[256];

    private final byte[][] keyBytes = new byte[256][];

    /** Writes {@code key} as a JSON string ({@link #keys}). */
    void writeKey(String key) {
      int slot = key.hashCode() & (keys.length - 1);
      if (keys[slot] == key) {
        write(keyBytes[slot]);
        return;
      }
      int start = len;
      writeString(key, this);
      for (int i = start; i < len; i++) {
        if (buf[i] == '\\') {
          return;
        }
      }
      keys[slot] = key;
      keyBytes[slot] = Arrays.copyOfRange(buf, start, len);
    }

    /** One {@link Members} per nesting depth: an object's are done before a sibling's begin. */
    private Members[] members = new Members[8];

    /** The members of the object now open, empty. */
    Members members() {
      if (open >= members.length) {
        members = Arrays.copyOf(members, open * 2);
      }
      Members m = members[open];
      if (m == null) {
        m = members[open] = new Members();
      }
      return m.reset();
    }

    /** A string's characters, copied out to be written ({@link #chars}). */
    private char[] chars = new char[64];

    /** A buffer of at least {@code n} characters, reused by the next call. */
    char[] chars(int n) {
      if (chars.length < n) {
        chars = new char[Math.max(n, 2 * chars.length)];
      }
      return chars;
    }

    /** Where an object's members are copied while they are put in order ({@link #spare}). */
    private byte[] spare = new byte[0];

    Bytes(int capacity) {
      buf = new byte[capacity];
    }

    /** Empty again, for the next value. */
    void reset() {
      len = 0;
      open = 0;
      deepest = 0;
      escapedNulOrLoneSurrogate = false;
    }

    /** A buffer of at least {@code n} bytes, reused by the next call. */
    byte[] spare(int n) {
      if (spare.length < n) {
        spare = new byte[Math.max(n, Math.min(2 * spare.length, buf.length))];
      }
      return spare;
    }

    void ensure(int extra) {
      if (len + extra > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
      }
    }

    void write(int b) {
      ensure(1);
      buf[len++] = (byte) b;
    }

    void write(byte[] bytes) {
      ensure(bytes.length);
      System.arraycopy(bytes, 0, buf, len, bytes.length);
      len += bytes.length;
    }

    void open() {
      if (++open > deepest) {
        deepest = open;
      }
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, len);
    }
  }
}
