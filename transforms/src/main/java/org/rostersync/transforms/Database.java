package org.rostersync.transforms;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/** Runs a unit of database work in one transaction, retrying transient failures with backoff. */
public final class Database {
  /** SQLStates worth retrying: serialization failure, deadlock, shutdown, too many connections. */
  private static final Set<String> TRANSIENT_STATES =
      Set.of("40001", "40P01", "57P01", "57P02", "57P03", "53300");

  private static final int MAX_ATTEMPTS = 10;
  static final long FIRST_BACKOFF_MILLIS = 200;
  private static final long MAX_BACKOFF_MILLIS = 8_000;

  /** One transaction's work. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private Database() {}

  public static <T> T inTransaction(DataSource ds, Work<T> work) throws SQLException {
    long backoff = FIRST_BACKOFF_MILLIS;
    for (int attempt = 1; ; attempt++) {
      try (Connection c = ds.getConnection()) {
        c.setAutoCommit(false);
        try {
          T result = work.run(c);
          c.commit();
          return result;
        } catch (SQLException | RuntimeException e) {
          safeRollback(c);
          throw e;
        }
      } catch (SQLException e) {
        if (!isTransient(e) || attempt >= MAX_ATTEMPTS) {
          throw e;
        }
        backoff = backOff(backoff);
      }
    }
  }

  /**
   * The server refused the credentials (class 28), also when the pool reports it as a time-out's
   * cause.
   */
  public static boolean isAuthFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException
          && ((SQLException) t).getSQLState() != null
          && ((SQLException) t).getSQLState().startsWith("28")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Connection failures (class 08), pool time-outs and the states above; also through batch chains.
   */
  public static boolean isTransient(SQLException e) {
    if (isAuthFailure(e)) {
      return false;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException) {
        SQLException s = (SQLException) t;
        String state = s.getSQLState();
        if (state != null && (state.startsWith("08") || TRANSIENT_STATES.contains(state))) {
          return true;
        }
        if (s instanceof java.sql.SQLTransientConnectionException) {
          return true;
        }
        SQLException next = s.getNextException();
        if (next != null && next != s && isTransient(next)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether the error belongs to the one row being written, so that row alone may be dead-lettered:
   * bad data (class 22), a constraint of that row (class 23, except "no partition ... found for
   * row", which every row of the type hits), a value too large to store (54000). Permissions,
   * time-outs, read-only servers and the like are not.
   */
  public static boolean isRowLevel(SQLException e) {
    if (isTransient(e)) {
      return false;
    }
    String state = sqlState(e);
    if (state.startsWith("22") || state.equals("54000")) {
      return true;
    }
    if (state.startsWith("23")) {
      String m = String.valueOf(e.getMessage());
      return !(state.equals("23514") && m.contains("no partition"));
    }
    return false;
  }

  /**
   * The first SQLState in the chain (batch errors put the server's in the next exception), or
   * "?????".
   */
  public static String sqlState(SQLException e) {
    for (SQLException s = e;
        s != null;
        s = s.getNextException() == s ? null : s.getNextException()) {
      if (s.getSQLState() != null && !s.getSQLState().equals("00000")) {
        if (s instanceof java.sql.BatchUpdateException
            && s.getNextException() != null
            && s.getNextException().getSQLState() != null) {
          return s.getNextException().getSQLState();
        }
        return s.getSQLState();
      }
    }
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
        return ((SQLException) t).getSQLState();
      }
    }
    return "?????";
  }

  private static void safeRollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // The connection is broken; the pool discards it.
    }
  }

  /** Counts a retry, waits about {@code backoffMillis} (with jitter) and returns the next wait. */
  static long backOff(long backoffMillis) {
    SyncMetrics.DB_RETRIES.inc();
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(backoffMillis / 2, backoffMillis + 1));
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while backing off", ie);
    }
    return Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
  }
}
