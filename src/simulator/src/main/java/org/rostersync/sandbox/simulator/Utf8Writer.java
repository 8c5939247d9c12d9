package org.rostersync.sandbox.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;

/**
 * A buffered UTF-8 writer without locks, for one response on one thread. It writes the bytes an
 * {@code OutputStreamWriter} would (a lone surrogate becomes {@code ?}, a pair split across two
 * writes is joined), where the JDK's writers take a lock for every string Gson hands them.
 */
final class Utf8Writer extends Writer {
  private final OutputStream out;
  private final byte[] buf;
  private int n;
  private char pendingHigh; // a high surrogate whose low half may come with the next write

  Utf8Writer(OutputStream out, int bufferSize) {
    this.out = out;
    this.buf = new byte[Math.max(16, bufferSize)];
  }

  @Override
  public void write(int c) throws IOException {
    put((char) c);
  }

  @Override
  public void write(char[] chars, int off, int len) throws IOException {
    for (int i = off, end = off + len; i < end; i++) {
      put(chars[i]);
    }
  }

  @Override
  public void write(String s, int off, int len) throws IOException {
    for (int i = off, end = off + len; i < end; i++) {
      char c = s.charAt(i);
      if (c < 0x80 && pendingHigh == 0) {
        if (n == buf.length) {
          drain();
        }
        buf[n++] = (byte) c;
      } else {
        put(c);
      }
    }
  }

  @Override
  public void write(String s) throws IOException {
    write(s, 0, s.length());
  }

  @Override
  public Writer append(CharSequence csq) throws IOException {
    String s = String.valueOf(csq);
    write(s, 0, s.length());
    return this;
  }

  @Override
  public Writer append(char c) throws IOException {
    put(c);
    return this;
  }

  /** Bytes already UTF-8 (a whole JSON value), between two characters written. */
  void writeUtf8(byte[] bytes) throws IOException {
    if (pendingHigh != 0) {
      throw new IllegalStateException("half a surrogate pair is pending");
    }
    if (n + bytes.length > buf.length) {
      drain();
    }
    if (bytes.length > buf.length) {
      out.write(bytes);
    } else {
      System.arraycopy(bytes, 0, buf, n, bytes.length);
      n += bytes.length;
    }
  }

  private void put(char c) throws IOException {
    if (n + 4 > buf.length) {
      drain();
    }
    if (pendingHigh != 0) {
      char high = pendingHigh;
      pendingHigh = 0;
      if (Character.isLowSurrogate(c)) {
        int cp = Character.toCodePoint(high, c);
        buf[n++] = (byte) (0xF0 | (cp >> 18));
        buf[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        buf[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        buf[n++] = (byte) (0x80 | (cp & 0x3F));
        return;
      }
      buf[n++] = '?';
      if (n + 4 > buf.length) {
        drain();
      }
    }
    if (c < 0x80) {
      buf[n++] = (byte) c;
    } else if (c < 0x800) {
      buf[n++] = (byte) (0xC0 | (c >> 6));
      buf[n++] = (byte) (0x80 | (c & 0x3F));
    } else if (Character.isHighSurrogate(c)) {
      pendingHigh = c;
    } else if (Character.isLowSurrogate(c)) {
      buf[n++] = '?';
    } else {
      buf[n++] = (byte) (0xE0 | (c >> 12));
      buf[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
      buf[n++] = (byte) (0x80 | (c & 0x3F));
    }
  }

  private void drain() throws IOException {
    out.write(buf, 0, n);
    n = 0;
  }

  /** Sends what is buffered; a high surrogate stays pending, as in the JDK's writer. */
  @Override
  public void flush() throws IOException {
    drain();
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (pendingHigh != 0) {
      pendingHigh = 0;
      put('?');
    }
    flush();
    out.close();
  }
}
