package org.rostersync.sandbox.simulator;

import com.google.gson.JsonObject;

/**
 * A pageable collection addressed by position. Positions only grow (new records are appended at the
 * end) and a removed record keeps its position, so "after this id" stays meaningful while the
 * collection changes.
 */
interface Listing {
  /** One past the highest position ever used. */
  int end();

  /**
   * The first live position at or after {@code from}, or a value {@code >= end()} if there is none.
   */
  int nextLive(int from);

  /** The last live position at or before {@code from}, or -1. */
  int previousLive(int from);

  /** The record at a live position. */
  JsonObject get(int position);

  /**
   * The record at a live position as the bytes a page serves it as: its UTF-8 JSON, keys in
   * insertion order, the bytes {@link JsonOut#write} gives.
   */
  default byte[] served(int position) {
    return JsonOut.bytes(get(position));
  }

  /**
   * The position of an id (live or removed), or -1 if this collection never had it (or has
   * forgotten it).
   */
  int positionOf(String id);
}
