package org.rostersync.transforms;

import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EdlinkException;
import org.rostersync.edlink.EventsProbe;

/**
 * The change gate's decision, apart from Beam, the database and HTTP so it can be tested alone:
 * {@link PlanRuns} wires it to {@code sync_state} and to Edlink with the integration's token.
 */
final class ChangeGate {
  /**
   * Stored as the newest event id when Edlink had no event at all before a successful full sync.
   */
  static final String NO_EVENTS = PlanRuns.NO_EVENTS;

  /** The two Edlink questions the gate asks, already bound to one integration's token. */
  interface Events {
    Optional<String> newestEventId() throws EdlinkException;

    EventsProbe eventsAfter(String eventId) throws EdlinkException;

    static Events of(EdlinkClient client, String accessToken) {
      return new Events() {
        @Override
        public Optional<String> newestEventId() throws EdlinkException {
          return client.newestEventId(accessToken);
        }

        @Override
        public EventsProbe eventsAfter(String eventId) throws EdlinkException {
          return client.eventsAfter(accessToken, eventId);
        }
      };
    }

    /** Binds the questions to a worker's client and a token; {@code Events::of} in production. */
    @FunctionalInterface
    interface Source extends Serializable {
      Events open(EdlinkClient client, String accessToken);
    }
  }

  /** Reads an integration's stored gate state ({@code sync_state}). */
  interface StateStore extends Serializable {
    /** Called from the DoFn's {@code @Setup}. */
    default void setup() {}

    Optional<StoredState> read(String integrationId) throws SQLException;
  }

  /** {@link StateStore} on {@code sync_state}. */
  static final class JdbcStateStore implements StateStore {
    private final JdbcConfig jdbc;
    private transient DataSource ds;

    JdbcStateStore(JdbcConfig jdbc) {
      this.jdbc = jdbc;
    }

    @Override
    public void setup() {
      ds = PooledDataSources.get(jdbc);
    }

    @Override
    public Optional<StoredState> read(String integrationId) throws SQLException {
      return Database.inTransaction(
          ds,
          c -> {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT newest_event_id::text, last_full_sync_at FROM sync_state WHERE integration_id = ?")) {
              ps.setObject(1, UUID.fromString(integrationId));
              try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                    ? Optional.of(new StoredState(rs.getString(1), rs.getTimestamp(2)))
                    : Optional.empty();
              }
            }
          });
    }
  }

  /** Stored gate state of one integration. */
  record StoredState(String newestEventId, Timestamp lastFullSyncAt) implements Serializable {}

  /**
   * Skip (the run ends with {@code reason}) or a full sync, which carries the newest event id to
   * store if it succeeds ({@link #NO_EVENTS} when Edlink has none).
   */
  record Decision(boolean fullSync, String reason, String newestEventId) {
    static Decision skip(String reason) {
      return new Decision(false, reason, null);
    }
  }

  private ChangeGate() {}

  /** Reads the stored state only when the mode needs it, then decides. */
  static Decision decide(
      SyncJob job, StateStore store, Events events, long nowMillis, long maxSkipAgeMillis)
      throws EdlinkException, SQLException {
    return decide(job.mode(), job.integrationId(), store, events, nowMillis, maxSkipAgeMillis);
  }

  /** {@link #decide(SyncJob, StateStore, Events, long, long)} for one integration and mode. */
  static Decision decide(
      SyncJob.Mode mode,
      String integrationId,
      StateStore store,
      Events events,
      long nowMillis,
      long maxSkipAgeMillis)
      throws EdlinkException, SQLException {
    Optional<StoredState> state =
        mode == SyncJob.Mode.FULL ? Optional.empty() : store.read(integrationId);
    return decide(mode, state, events, nowMillis, maxSkipAgeMillis);
  }

  static Decision decide(
      SyncJob.Mode mode,
      Optional<StoredState> state,
      Events events,
      long nowMillis,
      long maxSkipAgeMillis)
      throws EdlinkException {
    String reason;
    if (mode == SyncJob.Mode.FULL) {
      reason = "full sync requested";
    } else if (state.isEmpty() || state.get().newestEventId() == null) {
      reason = "no stored event id (first sync)";
    } else if (state.get().lastFullSyncAt() == null
        || nowMillis - state.get().lastFullSyncAt().getTime() > maxSkipAgeMillis) {
      reason = "last full sync older than maxSkipAge";
    } else if (NO_EVENTS.equals(state.get().newestEventId())) {
      // The last full sync saw no events at all (all older than Edlink's retention): any event is
      // news.
      if (events.newestEventId().isEmpty()) {
        return Decision.skip("still no events since the last full sync");
      }
      reason = "new events after a quiet period";
    } else {
      EventsProbe probe = events.eventsAfter(state.get().newestEventId());
      if (probe.kind() == EventsProbe.Kind.NONE) {
        return Decision.skip("no events after " + state.get().newestEventId());
      }
      reason =
          probe.kind() == EventsProbe.Kind.EXPIRED
              ? "stored event id expired"
              : "new events after " + state.get().newestEventId();
    }
    // Recorded before the sync: events that arrive during it are after this id, so the next run
    // sees them.
    return new Decision(true, reason, events.newestEventId().orElse(NO_EVENTS));
  }
}
