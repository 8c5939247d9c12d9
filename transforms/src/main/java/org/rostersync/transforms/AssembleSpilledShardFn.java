package org.rostersync.transforms;

import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Keyed by shard without the run ({@link ShardKey#withoutRun}, so keys, state and the runner's
 * per-key timers stay bounded by integrations × types × shards, like the join's): keeps the pieces
 * of one shard of a spilled type until its end marker has come and every piece it counts is there,
 * then hands the join the shard as one {@link RemoteShard} under its full key (sorted, identical
 * duplicates dropped; a conflicting duplicate makes a failed shard, so its type fails and deletes
 * nothing) and clears its state. An abort marker clears the state once the pieces it counts have
 * come, and emits nothing. Pieces of a run older than the one held are an abandoned run's leftovers
 * and dropped; a newer run's piece replaces what an abandoned run left.
 */
final class AssembleSpilledShardFn
    extends DoFn<KV<ShardKey, SpilledPart>, KV<ShardKey, RemoteShard>> {
  @StateId("pieces")
  private final StateSpec<BagState<SpilledPart>> piecesSpec =
      StateSpecs.bag(SpilledPart.Coder.of());

  @StateId("received")
  private final StateSpec<ValueState<Integer>> receivedSpec = StateSpecs.value(VarIntCoder.of());

  @StateId("end")
  private final StateSpec<ValueState<SpilledPart>> endSpec =
      StateSpecs.value(SpilledPart.Coder.of());

  @StateId("run")
  private final StateSpec<ValueState<SyncJob>> runSpec = StateSpecs.value(SyncJob.Coder.of());

  @ProcessElement
  public void process(
      @Element KV<ShardKey, SpilledPart> element,
      @StateId("pieces") BagState<SpilledPart> pieces,
      @StateId("received") ValueState<Integer> received,
      @StateId("end") ValueState<SpilledPart> endState,
      @StateId("run") ValueState<SyncJob> run,
      OutputReceiver<KV<ShardKey, RemoteShard>> out) {
    SpilledPart part = element.getValue();
    SyncJob held = run.read();
    if (held != null && !held.runId().equals(part.job().runId())) {
      SyncMetrics.STALE_RUN_EVENTS.inc();
      if (part.job().isOlderThan(held)) {
        return;
      }
      clear(pieces, received, endState, run);
      held = null;
    }
    SpilledPart end = held == null ? null : endState.read();
    Integer before = held == null ? null : received.read();
    int count = before == null ? 0 : before;
    if (part.isEnd()) {
      end = part;
    } else {
      count++;
    }
    if (end == null || count < end.pieces()) {
      // Wait for the rest: keep what came.
      if (part.isEnd()) {
        endState.write(part);
      } else {
        pieces.add(part);
        received.write(count);
      }
      run.write(part.job());
      return;
    }
    if (!end.aborted()) {
      IdRows rows = new IdRows(64);
      if (held != null) {
        for (SpilledPart p : pieces.read()) {
          append(rows, p.rows());
        }
      }
      if (!part.isEnd()) {
        append(rows, part.rows());
      }
      Sharding.countIfUneven(rows.size, end.fetch().records(), element.getKey().shardCount());
      out.output(KV.of(element.getKey().withRun(end.job().runId()), assemble(end, rows)));
    }
    if (held != null) {
      clear(pieces, received, endState, run);
    }
  }

  private static void clear(
      BagState<SpilledPart> pieces,
      ValueState<Integer> received,
      ValueState<SpilledPart> endState,
      ValueState<SyncJob> run) {
    pieces.clear();
    received.clear();
    endState.clear();
    run.clear();
  }

  private static void append(IdRows into, IdRows from) {
    IdRows.JsonReader json = from.reader();
    for (int i = 0; i < from.size; i++) {
      into.addFrom(from, i, json.json(i));
    }
  }

  /** The shard sorted by id with duplicates settled, or a failed shard on a conflict. */
  static RemoteShard assemble(SpilledPart end, IdRows rows) {
    RemoteShard all = RemoteShard.of(end.job(), end.fetch(), rows);
    try {
      return FetchEntities.FetchEntitiesFn.distribute(all, end.job(), end.fetch(), 1)[0];
    } catch (FetchEntities.BadRecordException e) {
      return RemoteShard.failed(end.job(), end.fetch(), e.getMessage());
    }
  }
}
