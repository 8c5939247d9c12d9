package org.rostersync.hash;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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

  /** SHA-256 of {@link #canonicalBytes}. 32 bytes. */
  public static byte[] sha256(JsonElement element) {
    Bytes out = new Bytes(256);
    write(element, out);
    MessageDigest md = newDigest();
    md.update(out.buf, 0, out.len);
    return md.digest();
  }

  /** SHA-256 of already canonical bytes. 32 bytes. */
  public static byte[] sha256(byte[] canonical) {
    return newDigest().digest(canonical);
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

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JRE must provide SHA-256", e);
    }
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
    // Worst case per char is 6 bytes (backslash-u00xx or an escaped lone surrogate); reserve once
    // instead of per char.
    out.ensure(s.length() * 6 + 2);
    byte[] b = out.buf;
    int n = out.len;
    b[n++] = '"';
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
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
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
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

  /** A growable byte buffer without the locking of ByteArrayOutputStream. */
  private static final class Bytes {
    byte[] buf;
    int len;
    int open;
    int deepest;
    boolean escapedNulOrLoneSurrogate;

    Bytes(int capacity) {
      buf = new byte[capacity];
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
