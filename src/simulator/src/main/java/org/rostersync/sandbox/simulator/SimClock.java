package org.rostersync.sandbox.simulator;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
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
  private static final long DAY_MILLIS = 86_400_000L;

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

  /**
   * {@code yyyy-MM-ddTHH:mm:ss.SSSZ}. Years 1000–9999 are written by hand (every record has two
   * dates, and the JDK's formatter was a tenth of the simulator's CPU); others by the formatter.
   */
  static String format(long epochMillis) {
    long day = Math.floorDiv(epochMillis, DAY_MILLIS);
    LocalDate date = LocalDate.ofEpochDay(day);
    int year = date.getYear();
    if (year < 1000 || year > 9999) {
      return ISO_MS.format(Instant.ofEpochMilli(epochMillis));
    }
    int ms = (int) (epochMillis - day * DAY_MILLIS);
    char[] c = new char[24];
    digits(c, 0, year, 4);
    c[4] = '-';
    digits(c, 5, date.getMonthValue(), 2);
    c[7] = '-';
    digits(c, 8, date.getDayOfMonth(), 2);
    c[10] = 'T';
    digits(c, 11, ms / 3_600_000, 2);
    c[13] = ':';
    digits(c, 14, ms / 60_000 % 60, 2);
    c[16] = ':';
    digits(c, 17, ms / 1000 % 60, 2);
    c[19] = '.';
    digits(c, 20, ms % 1000, 3);
    c[23] = 'Z';
    return new String(c);
  }

  private static void digits(char[] c, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
