package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * Something that happened to a run, keyed by {@link SyncJob#runKey()}: either one type finished, or
 * the whole run ended before fetching (skipped by the change gate, or failed on auth or state).
 */
@DefaultCoder(RunEvent.Coder.class)
public record RunEvent(
    SyncJob job, TypeOutcome typeOutcome, RunResult.Status runStatus, String message)
    implements Serializable {

  public static RunEvent type(SyncJob job, TypeOutcome outcome) {
    return new RunEvent(job, outcome, null, null);
  }

  public static RunEvent wholeRun(SyncJob job, RunResult.Status status, String message) {
    return new RunEvent(job, null, status, message);
  }

  /** Versioned binary coder (v1). */
  public static final class Coder extends Codec.Versioned<RunEvent> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(RunEvent.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(RunEvent.class, 1);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(RunEvent e, DataOutputStream out) throws IOException {
      SyncJob.Coder.of().encode(e.job, out);
      out.writeBoolean(e.typeOutcome != null);
      if (e.typeOutcome != null) {
        TypeOutcome.Coder.of().encode(e.typeOutcome, out);
      }
      Codec.writeEnum(out, e.runStatus);
      Codec.writeString(out, e.message);
    }

    @Override
    RunEvent read(DataInputStream in, int version) throws IOException {
      SyncJob job = SyncJob.Coder.of().decode(in);
      TypeOutcome outcome = in.readBoolean() ? TypeOutcome.Coder.of().decode(in) : null;
      RunResult.Status status = Codec.readEnum(in, RunResult.Status.class);
      return new RunEvent(job, outcome, status, Codec.readString(in));
    }
  }
}
