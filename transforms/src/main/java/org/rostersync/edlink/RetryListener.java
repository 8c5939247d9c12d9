package org.rostersync.edlink;

/** Told of every retry the client makes, so callers can count them (e.g. as Beam counters). */
@FunctionalInterface
public interface RetryListener {
  /**
   * {@code reason} is e.g. {@code "429"}, {@code "503"} or {@code "io"}; never contains a token.
   */
  void onRetry(int attempt, String reason);

  RetryListener NONE = (attempt, reason) -> {};
}
