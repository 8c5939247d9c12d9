package org.rostersync.edlink;

/** The answer to "are there events after id X?". */
public record EventsProbe(Kind kind, String newestEventId, int newEvents) {
  public enum Kind {
    /** No event after the stored id. */
    NONE,
    /** At least one event after the stored id. */
    SOME,
    /** The stored id is unknown or older than Edlink's 30-day retention. */
    EXPIRED
  }
}
