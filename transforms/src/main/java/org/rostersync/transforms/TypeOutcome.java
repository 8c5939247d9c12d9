package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.rostersync.edlink.EntityType;

/** How one entity type of one run ended. */
@DefaultCoder(TypeOutcome.Coder.class)
public record TypeOutcome(
    EntityType type,
    Status status,
    FetchSummary fetch,
    long stored,
    long created,
    long updated,
    long deleted,
    long unchanged,
    long heldDeletes,
    List<String> heldSample,
    String error)
    implements Serializable {

  public enum Status {
    /** Fetched completely, diffed and written. */
    OK,
    /** Fetch or write failed: nothing of this type was deleted. */
    FAILED,
    /** Creates and updates written; a suspicious delete wave is held for an operator. */
    HELD
  }

  public static TypeOutcome failed(EntityType type, FetchSummary fetch, String error) {
    return of(type, fetch).failed(error);
  }

  /**
   * The counts of one type so far; ends in {@link Builder#ok()}, {@link Builder#held} or {@link
   * Builder#failed}.
   */
  public static Builder of(EntityType type, FetchSummary fetch) {
    return new Builder(type, fetch);
  }

  /** Named counts instead of eleven positional arguments. */
  public static final class Builder {
    private final EntityType type;
    private final FetchSummary fetch;
    private long stored;
    private long created;
    private long updated;
    private long deleted;
    private long unchanged;

    private Builder(EntityType type, FetchSummary fetch) {
      this.type = type;
      this.fetch = fetch;
    }

    public Builder stored(long n) {
      stored = n;
      return this;
    }

    public Builder created(long n) {
      created = n;
      return this;
    }

    public Builder updated(long n) {
      updated = n;
      return this;
    }

    public Builder deleted(long n) {
      deleted = n;
      return this;
    }

    public Builder unchanged(long n) {
      unchanged = n;
      return this;
    }

    public TypeOutcome ok() {
      return new TypeOutcome(
          type, Status.OK, fetch, stored, created, updated, deleted, unchanged, 0, List.of(), null);
    }

    /** Nothing deleted: {@code heldDeletes} deletes wait for an operator. */
    public TypeOutcome held(long heldDeletes, List<String> heldSample, String reason) {
      return new TypeOutcome(
          type,
          Status.HELD,
          fetch,
          stored,
          created,
          updated,
          0,
          unchanged,
          heldDeletes,
          List.copyOf(heldSample),
          reason);
    }

    /** Nothing deleted (a failed type never deletes). */
    public TypeOutcome failed(String error) {
      return new TypeOutcome(
          type, Status.FAILED, fetch, stored, created, updated, 0, unchanged, 0, List.of(), error);
    }
  }

  /** Versioned binary coder (v1). */
  public static final class Coder extends Codec.Versioned<TypeOutcome> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(TypeOutcome.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(TypeOutcome.class, 1);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(TypeOutcome t, DataOutputStream out) throws IOException {
      Codec.writeType(out, t.type);
      Codec.writeEnum(out, t.status);
      out.writeBoolean(t.fetch != null);
      if (t.fetch != null) {
        FetchSummary.Coder.of().encode(t.fetch, out);
      }
      out.writeLong(t.stored);
      out.writeLong(t.created);
      out.writeLong(t.updated);
      out.writeLong(t.deleted);
      out.writeLong(t.unchanged);
      out.writeLong(t.heldDeletes);
      Codec.writeStrings(out, t.heldSample == null ? List.of() : t.heldSample);
      Codec.writeString(out, t.error);
    }

    @Override
    TypeOutcome read(DataInputStream in, int version) throws IOException {
      EntityType type = Codec.readType(in);
      Status status = Codec.readEnum(in, Status.class);
      FetchSummary fetch = in.readBoolean() ? FetchSummary.Coder.of().decode(in) : null;
      return new TypeOutcome(
          type,
          status,
          fetch,
          in.readLong(),
          in.readLong(),
          in.readLong(),
          in.readLong(),
          in.readLong(),
          in.readLong(),
          List.copyOf(Codec.readStrings(in)),
          Codec.readString(in));
    }
  }
}
