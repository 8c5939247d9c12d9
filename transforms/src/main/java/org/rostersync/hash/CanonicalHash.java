package org.rostersync.hash;

import com.google.gson.JsonElement;

/**
 * SHA-256 over an entity's canonical JSON: object keys sorted, no insignificant whitespace, numbers and strings in
 * one normal form.
 */
public final class CanonicalHash {
  private CanonicalHash() {}

  /** The canonical UTF-8 JSON bytes of {@code element}. */
  public static byte[] canonicalBytes(JsonElement element) {
    throw new UnsupportedOperationException("TODO");
  }

  /** SHA-256 of {@link #canonicalBytes}. 32 bytes. */
  public static byte[] sha256(JsonElement element) {
    throw new UnsupportedOperationException("TODO");
  }

  /** SHA-256 of already canonical bytes. 32 bytes. */
  public static byte[] sha256(byte[] canonical) {
    throw new UnsupportedOperationException("TODO");
  }

  /** Lower-case hex of a digest. */
  public static String hex(byte[] digest) {
    throw new UnsupportedOperationException("TODO");
  }
}
