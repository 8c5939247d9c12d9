package org.rostersync.sandbox.simulator;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * An in-process Edlink API (Graph v2, events, Meta v1) over deterministic generated roster data,
 * with mutations, a simulated clock and fault injection. See {@code docs/simulator.md}.
 */
public final class EdlinkSimulator implements AutoCloseable {
  static {
    // The JDK's server writes a response's headers and body separately. With Nagle's algorithm
    // on, the body then waits for the client's delayed ACK: about 40 ms on every request after the
    // first on a kept-alive connection. Real Edlink has no such stall. The JDK reads this once,
    // when its server configuration loads, so it is set before any server exists.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  static final Set<String> STATES =
      Set.of(
          "requested", "inactive", "scheduled", "active", "disabled", "paused", "error", "pending");
  private static final String TOKEN_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private final long seed;
  private volatile String appSecret;
  private final boolean shuffleKeys;
  private final Duration latency;
  private final SimClock clock = new SimClock();
  private final FaultInjector faults;
  private final List<SimIntegration> integrations = new CopyOnWriteArrayList<>();
  private final Map<String, SimIntegration> byToken = new ConcurrentHashMap<>();
  private final SplittableRandom tokenRng;
  private final String[] regionIds = new String[3];
  private final AtomicLong requests = new AtomicLong();
  private final Map<String, AtomicLong> requestsByEndpoint = new ConcurrentHashMap<>();
  private final HttpServer server;
  private final ExecutorService executor;
  private final String baseUrl;

  private EdlinkSimulator(Builder b) {
    this.seed = b.seed;
    this.appSecret = b.appSecret;
    this.latency = b.latency;
    this.shuffleKeys = b.shuffleKeys;
    this.faults = new FaultInjector(seed);
    this.tokenRng = new SplittableRandom(Ids.key(seed, 3000));
    for (int r = 0; r < regionIds.length; r++) {
      regionIds[r] = Ids.encode(Ids.key(seed, 4000), r);
    }
    for (DatasetSize size : b.sizes) {
      addIntegration(size);
    }
    AtomicInteger threadNumber = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            // Answers held back by the latency wait on a thread: enough threads that a client's
            // concurrency, not this pool, sets how many are in flight.
            latency.isZero() ? 16 : 128,
            r -> {
              Thread t = new Thread(r, "edlink-sim-" + threadNumber.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port), 64);
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException("cannot bind the simulator to port " + b.port, e);
    }
    this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    server.createContext("/", new ApiHandler(this));
    server.setExecutor(executor);
    server.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** How long every Graph and Meta API answer is held back. */
  public Duration latency() {
    return latency;
  }

  public String appSecret() {
    return appSecret;
  }

  /**
   * Rotates the application secret, as an Edlink dashboard would: the old one is refused from now
   * on.
   */
  public void rotateAppSecret(String newSecret) {
    this.appSecret = java.util.Objects.requireNonNull(newSecret, "newSecret");
  }

  public List<SimIntegration> integrations() {
    return List.copyOf(integrations);
  }

  public SimIntegration integration(String integrationId) {
    for (SimIntegration i : integrations) {
      if (i.id().equals(integrationId)) {
        return i;
      }
    }
    throw new NoSuchElementException("no integration " + integrationId);
  }

  public synchronized SimIntegration addIntegration(DatasetSize size) {
    int index = integrations.size();
    long key = Ids.key(seed, 5000, index);
    String id = Ids.encode(key, 0);
    RosterGenerator generator = new RosterGenerator(seed, index, size);
    SimIntegration integration =
        new SimIntegration(
            id,
            token(new SplittableRandom(key)),
            size,
            index,
            regionIds[index % regionIds.length],
            clock.millis(),
            new Roster(generator, id, clock),
            key);
    integrations.add(integration);
    byToken.put(integration.accessToken(), integration);
    return integration;
  }

  /** The current records of a type, exactly as served (fresh copies, in serving order). */
  public List<JsonObject> records(String integrationId, RosterType type) {
    return read(
        integrationId,
        roster -> {
          TypeStore s = roster.store(type);
          List<JsonObject> out = new ArrayList<>(s.live());
          for (int p = s.nextLive(0); p < s.end(); p = s.nextLive(p + 1)) {
            out.add(s.get(p));
          }
          return out;
        });
  }

  public long count(String integrationId, RosterType type) {
    return read(integrationId, roster -> (long) roster.store(type).live());
  }

  /** The id of the newest retained event, or null when all events have been pruned. */
  public String newestEventId(String integrationId) {
    return write(
        integrationId,
        roster -> {
          roster.events.prune(clock.millis());
          int p = roster.events.previousLive(roster.events.end() - 1);
          return p < 0 ? null : roster.events.get(p).get("id").getAsString();
        });
  }

  public MutationSummary applyDay(String integrationId, double churn) {
    return write(integrationId, roster -> roster.applyDay(churn));
  }

  public MutationSummary termRollover(String integrationId) {
    return write(integrationId, Roster::termRollover);
  }

  public MutationSummary update(String integrationId, RosterType type, int n) {
    return write(integrationId, roster -> roster.update(type, n));
  }

  public MutationSummary create(String integrationId, RosterType type, int n) {
    return write(integrationId, roster -> roster.create(type, n));
  }

  public MutationSummary delete(String integrationId, RosterType type, int n) {
    return write(integrationId, roster -> roster.delete(type, n));
  }

  /**
   * Serves the {@code n}-th live record of a type (0-based) with {@code id} replaced by {@code
   * badId} (no event is logged): tests of bad source data.
   */
  public void corruptId(String integrationId, RosterType type, int n, String badId) {
    write(
        integrationId,
        roster -> {
          TypeStore s = roster.store(type);
          int p = s.nextLive(0);
          for (int i = 0; i < n; i++) {
            p = s.nextLive(p + 1);
          }
          com.google.gson.JsonObject record = s.get(p);
          record.addProperty("id", badId);
          s.replace(p, record.toString());
          return null;
        });
  }

  public MutationSummary deleteAll(String integrationId, RosterType type) {
    return write(integrationId, roster -> roster.deleteAll(type));
  }

  /**
   * Moves the simulated clock forward; events older than 30 simulated days disappear, open cursors
   * may expire.
   */
  public void advanceClock(Duration d) {
    clock.advance(d);
  }

  public Instant now() {
    return clock.now();
  }

  public void setStatus(String integrationId, String status) {
    if (!STATES.contains(status)) {
      throw new IllegalArgumentException(
          "unknown integration state '" + status + "'; expected one of " + STATES);
    }
    integration(integrationId).status(status, clock.millis());
  }

  /**
   * Replaces the integration's token: the old one gets INVALID_TOKEN, the Meta API lists the new
   * one.
   */
  public synchronized String revokeToken(String integrationId) {
    SimIntegration i = integration(integrationId);
    String fresh;
    synchronized (tokenRng) {
      fresh = token(tokenRng);
    }
    byToken.remove(i.accessToken());
    i.accessToken(fresh, clock.millis());
    byToken.put(fresh, i);
    return fresh;
  }

  public FaultInjector faults() {
    return faults;
  }

  /** API requests received (Graph and Meta, faulted ones included; not the admin API). */
  public long requestCount() {
    return requests.get();
  }

  /**
   * API requests received for one integration and endpoint ({@code people}, {@code events}, ... as
   * in fault rules). Meta API list requests count under a null integration id and endpoint {@code
   * integrations}.
   */
  public long requestCount(String integrationId, String endpoint) {
    AtomicLong n = requestsByEndpoint.get(integrationId + "/" + endpoint);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---- for the HTTP handlers ----

  SimClock clock() {
    return clock;
  }

  boolean shuffleKeys() {
    return shuffleKeys;
  }

  SimIntegration byToken(String token) {
    return token == null ? null : byToken.get(token);
  }

  void countRequest(String integrationId, String endpoint) {
    requests.incrementAndGet();
    requestsByEndpoint
        .computeIfAbsent(integrationId + "/" + endpoint, k -> new AtomicLong())
        .incrementAndGet();
  }

  private <T> T read(String integrationId, Function<Roster, T> action) {
    Roster roster = integration(integrationId).roster;
    roster.lock.readLock().lock();
    try {
      return action.apply(roster);
    } finally {
      roster.lock.readLock().unlock();
    }
  }

  private <T> T write(String integrationId, Function<Roster, T> action) {
    Roster roster = integration(integrationId).roster;
    roster.lock.writeLock().lock();
    try {
      return action.apply(roster);
    } finally {
      roster.lock.writeLock().unlock();
    }
  }

  private static String token(SplittableRandom rng) {
    StringBuilder sb = new StringBuilder(32);
    for (int i = 0; i < 32; i++) {
      sb.append(TOKEN_ALPHABET.charAt(rng.nextInt(TOKEN_ALPHABET.length())));
    }
    return sb.toString();
  }

  public static final class Builder {
    private int port;
    private long seed = 42L;
    private String appSecret = "sim-app-secret";
    private boolean shuffleKeys;
    private Duration latency = Duration.ZERO;
    private final List<DatasetSize> sizes = new ArrayList<>();

    /** 0 picks a free port. The server binds 127.0.0.1 only. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder appSecret(String appSecret) {
      this.appSecret = appSecret;
      return this;
    }

    /** Emit every record's keys in a random order (for testing canonical hashing). */
    public Builder shuffleKeys(boolean shuffleKeys) {
      this.shuffleKeys = shuffleKeys;
      return this;
    }

    /**
     * Holds back every Graph and Meta API answer this long, as the network and server time of a
     * remote Edlink would (the admin API answers at once). Zero, the default, answers at once.
     */
    public Builder latency(Duration latency) {
      if (latency.isNegative()) {
        throw new IllegalArgumentException("latency must not be negative: " + latency);
      }
      this.latency = latency;
      return this;
    }

    /** Adds one active integration of this size; call once per integration. */
    public Builder integration(DatasetSize size) {
      sizes.add(size);
      return this;
    }

    public EdlinkSimulator start() {
      return new EdlinkSimulator(this);
    }
  }
}
