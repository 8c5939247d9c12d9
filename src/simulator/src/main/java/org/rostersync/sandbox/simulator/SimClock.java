package org.rostersync.sandbox.simulator;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulated clock: real wall time plus everything added with {@link #advance}. Event dates and
 * cursor expiry use it.
 */
final class SimClock {
  private static final DateTimeFormatter ISO_MS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final AtomicLong offsetMillis = new AtomicLong();

  long millis() {
    return System.currentTimeMillis() + offsetMillis.get();
  }

  Instant now() {
    return Instant.ofEpochMilli(millis());
  }

  void advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("the simulated clock only moves forward");
    }
    offsetMillis.addAndGet(d.toMillis());
  }

  static String format(long epochMillis) {
    return ISO_MS.format(Instant.ofEpochMilli(epochMillis));
  }
}
