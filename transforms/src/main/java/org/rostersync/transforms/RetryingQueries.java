package org.rostersync.transforms;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * A DataSource for {@code JdbcIO.readAll} whose prepared queries retry transient failures
 * (connection loss, server restart, serialization failure) on a fresh pooled connection before any
 * row was returned. JdbcIO's read has no retry of its own: without this a database blip fails the
 * work item (and on the DirectRunner the run). Only {@code executeQuery} is retried; the
 * statement's settings and parameters are replayed on the new connection.
 */
final class RetryingQueries {
  static final int MAX_ATTEMPTS = 6;

  private RetryingQueries() {}

  static DataSource wrap(DataSource pool) {
    return (DataSource)
        Proxy.newProxyInstance(
            RetryingQueries.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")) {
                return connection(pool, (Connection) invoke(pool, method, args));
              }
              return invoke(pool, method, args);
            });
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** A recorded call, replayed on a replacement connection or statement. */
  private record Call(Method method, Object[] args) {}

  private static Connection connection(DataSource pool, Connection first) {
    ConnectionHandler h = new ConnectionHandler(pool, first);
    return (Connection)
        Proxy.newProxyInstance(
            RetryingQueries.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
  }

  private static final class ConnectionHandler implements InvocationHandler {
    private final DataSource pool;
    private Connection current;
    private final List<Call> settings = new ArrayList<>();

    ConnectionHandler(DataSource pool, Connection first) {
      this.pool = pool;
      this.current = first;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      if (name.startsWith("set")) {
        settings.add(new Call(method, args));
      }
      if (name.equals("close")) {
        try {
          return RetryingQueries.invoke(current, method, args);
        } catch (SQLException e) {
          if (!Database.isTransient(e)) {
            throw e;
          }
          // The server dropped a read's connection after its rows came (a restart): the pool
          // rolls back a dead connection and throws, though a read has nothing to roll back.
          // Thrown here, it would fail the bundle (on the DirectRunner, the run) after the read.
          return null;
        }
      }
      Object result = RetryingQueries.invoke(current, method, args);
      if (name.equals("prepareStatement") && result instanceof PreparedStatement) {
        StatementHandler s = new StatementHandler(this, method, args, (PreparedStatement) result);
        return Proxy.newProxyInstance(
            RetryingQueries.class.getClassLoader(), new Class<?>[] {PreparedStatement.class}, s);
      }
      return result;
    }

    /** Swaps in a fresh pooled connection with the same settings. */
    Connection reconnect() throws Throwable {
      try {
        current.close();
      } catch (SQLException ignored) {
        // Broken already: the pool discards it.
      }
      current = pool.getConnection();
      for (Call c : settings) {
        RetryingQueries.invoke(current, c.method(), c.args());
      }
      return current;
    }
  }

  private static final class StatementHandler implements InvocationHandler {
    private final ConnectionHandler connection;
    private final Method prepare;
    private final Object[] prepareArgs;
    private PreparedStatement current;
    private final List<Call> calls = new ArrayList<>();

    StatementHandler(
        ConnectionHandler connection,
        Method prepare,
        Object[] prepareArgs,
        PreparedStatement first) {
      this.connection = connection;
      this.prepare = prepare;
      this.prepareArgs = prepareArgs;
      this.current = first;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      if (!name.equals("executeQuery") || (args != null && args.length > 0)) {
        if (name.startsWith("set") || name.equals("clearParameters")) {
          calls.add(new Call(method, args));
        }
        return RetryingQueries.invoke(current, method, args);
      }
      long backoff = Database.FIRST_BACKOFF_MILLIS;
      for (int attempt = 1; ; attempt++) {
        try {
          return RetryingQueries.invoke(current, method, args);
        } catch (SQLException e) {
          if (!Database.isTransient(e) || attempt >= MAX_ATTEMPTS) {
            throw e;
          }
          backoff = Database.backOff(backoff);
          try {
            Connection fresh = connection.reconnect();
            current = (PreparedStatement) RetryingQueries.invoke(fresh, prepare, prepareArgs);
            for (Call c : calls) {
              RetryingQueries.invoke(current, c.method(), c.args());
            }
          } catch (SQLException again) {
            if (!Database.isTransient(again) || attempt + 1 >= MAX_ATTEMPTS) {
              throw again;
            }
            // The server is still away: the next round waits longer and reconnects again.
          }
        }
      }
    }
  }
}
