package org.rostersync.transforms;

import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Keyed by shard (run included): keeps the pieces of one shard of a spilled type until its end
 * marker has come and every piece it counts is there, then hands the join the shard as one {@link
 * RemoteShard} (sorted, identical duplicates dropped; a conflicting duplicate makes a failed shard,
 * so its type fails and deletes nothing) and clears its state. An abort marker clears the state
 * once the pieces it counts have come, and emits nothing. The state of a key lives only while its
 * shard is being assembled.
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

  @ProcessElement
  public void process(
      @Element KV<ShardKey, SpilledPart> element,
      @StateId("pieces") BagState<SpilledPart> pieces,
      @StateId("received") ValueState<Integer> received,
      @StateId("end") ValueState<SpilledPart> endState,
      OutputReceiver<KV<ShardKey, RemoteShard>> out) {
    SpilledPart part = element.getValue();
    SpilledPart end = endState.read();
    int count = received.read() == null ? 0 : received.read();
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
      return;
    }
    if (!end.aborted()) {
      IdRows rows = new IdRows(64);
      for (SpilledPart p : pieces.read()) {
        append(rows, p.rows());
      }
      if (!part.isEnd()) {
        append(rows, part.rows());
      }
      out.output(KV.of(element.getKey(), assemble(end, rows)));
    }
    pieces.clear();
    received.clear();
    endState.clear();
  }

  private static void append(IdRows into, IdRows from) {
    for (int i = 0; i < from.size; i++) {
      into.add(from.msb[i], from.lsb[i], from.hashes[i], from.json[i]);
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
