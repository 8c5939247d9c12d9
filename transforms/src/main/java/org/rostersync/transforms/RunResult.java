package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.DefaultCoder;

/** The end of one run of one integration, as recorded in {@code sync_runs}. */
@DefaultCoder(RunResult.Coder.class)
public record RunResult(
    String runId,
    String integrationId,
    Status status,
    String gateReason,
    long startedAtMillis,
    long finishedAtMillis,
    List<TypeOutcome> types,
    String error)
    implements Serializable {

  public enum Status {
    SUCCEEDED,
    PARTIAL,
    FAILED,
    HELD,
    SKIPPED;

    public String dbValue() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public long total(java.util.function.ToLongFunction<TypeOutcome> f) {
    return types.stream().mapToLong(f).sum();
  }

  /** Versioned binary coder (v1). */
  public static final class Coder extends Codec.Versioned<RunResult> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(RunResult.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(RunResult.class, 1);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(RunResult r, DataOutputStream out) throws IOException {
      Codec.writeString(out, r.runId);
      Codec.writeString(out, r.integrationId);
      Codec.writeEnum(out, r.status);
      Codec.writeString(out, r.gateReason);
      out.writeLong(r.startedAtMillis);
      out.writeLong(r.finishedAtMillis);
      out.writeInt(r.types.size());
      for (TypeOutcome t : r.types) {
        TypeOutcome.Coder.of().encode(t, out);
      }
      Codec.writeString(out, r.error);
    }

    @Override
    RunResult read(DataInputStream in, int version) throws IOException {
      String run = Codec.readString(in);
      String integration = Codec.readString(in);
      Status status = Codec.readEnum(in, Status.class);
      String reason = Codec.readString(in);
      long started = in.readLong();
      long finished = in.readLong();
      int n = in.readInt();
      if (n < 0) {
        throw new CoderException("negative list length");
      }
      List<TypeOutcome> types = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        types.add(TypeOutcome.Coder.of().decode(in));
      }
      return new RunResult(
          run,
          integration,
          status,
          reason,
          started,
          finished,
          List.copyOf(types),
          Codec.readString(in));
    }
  }
}
