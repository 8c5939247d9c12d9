package org.rostersync.transforms;

import java.io.Serializable;
import java.util.Objects;

/** Where the roster database is. The password is a {@link SecretRef}, resolved on the worker. */
public final class JdbcConfig implements Serializable {
  private final String url;
  private final String user;
  private final SecretRef password;
  private final int maxPoolSize;

  private JdbcConfig(String url, String user, SecretRef password, int maxPoolSize) {
    this.url = Objects.requireNonNull(url, "jdbc url");
    this.user = user;
    this.password = password == null ? SecretRef.plain(null) : password;
    this.maxPoolSize = maxPoolSize;
  }

  public static JdbcConfig of(String url, String user, SecretRef password) {
    return new JdbcConfig(url, user, password, 8);
  }

  public JdbcConfig withMaxPoolSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("pool size must be at least 1");
    }
    return new JdbcConfig(url, user, password, size);
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
    return "JdbcConfig{url=" + url + ", user=" + user + ", pool=" + maxPoolSize + "}";
  }
}
