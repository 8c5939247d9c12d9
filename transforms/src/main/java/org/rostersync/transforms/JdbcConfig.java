package org.rostersync.transforms;

import java.io.Serializable;
import java.util.Objects;

/**
 * Where the roster database is, and how much of it one worker uses at once. The password is a
 * {@link SecretRef}, resolved on the worker.
 */
public final class JdbcConfig implements Serializable {
  /** {@link WriteBudget#ROWS_PER_CORE} rows per core of the worker, decided on the worker. */
  public static final int DEFAULT_WRITE_ROWS_IN_FLIGHT = -1;

  private final String url;
  private final String user;
  private final SecretRef password;
  private final int maxPoolSize;
  private final int writeRowsInFlight;

  private JdbcConfig(
      String url, String user, SecretRef password, int maxPoolSize, int writeRowsInFlight) {
    this.url = Objects.requireNonNull(url, "jdbc url");
    this.user = user;
    this.password = password == null ? SecretRef.plain(null) : password;
    this.maxPoolSize = maxPoolSize;
    this.writeRowsInFlight = writeRowsInFlight;
  }

  /** A pool of 8 connections per worker; rows written at once bounded by its cores. */
  public static JdbcConfig of(String url, String user, SecretRef password) {
    return new JdbcConfig(url, user, password, 8, DEFAULT_WRITE_ROWS_IN_FLIGHT);
  }

  public JdbcConfig withMaxPoolSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("pool size must be at least 1");
    }
    return new JdbcConfig(url, user, password, size, writeRowsInFlight);
  }

  /**
   * The rows of creates and updates that the writers of one worker write at once ({@link
   * WriteBudget}); 0: no bound but the pool; -1: {@link WriteBudget#ROWS_PER_CORE} per core.
   */
  public JdbcConfig withWriteRowsInFlight(int rows) {
    if (rows < -1) {
      throw new IllegalArgumentException(
          "write rows in flight must be -1 (per core), 0 (no bound) or more, got " + rows);
    }
    return new JdbcConfig(url, user, password, maxPoolSize, rows);
  }

  public int writeRowsInFlight() {
    return writeRowsInFlight;
  }

  /** The worker's write budget: resolved where it runs, since "per core" means its cores. */
  WriteBudget writeBudget() {
    return WriteBudget.shared(writeRowsInFlight);
  }

  public String url() {
    return url;
  }

  public String user() {
    return user;
  }

  public SecretRef password() {
    return password;
  }

  public int maxPoolSize() {
    return maxPoolSize;
  }

  /** The identity of the pool: same url, user and size share one pool per JVM. */
  String poolKey() {
    return url + "|" + user + "|" + maxPoolSize;
  }

  @Override
  public String toString() {
    return "JdbcConfig{url="
        + url
        + ", user="
        + user
        + ", pool="
        + maxPoolSize
        + ", writeRowsInFlight="
        + writeRowsInFlight
        + "}";
  }
}
