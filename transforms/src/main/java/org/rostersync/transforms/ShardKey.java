package org.rostersync.transforms;

import java.io.IOException;
import java.util.Objects;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.rostersync.edlink.EntityType;

/**
 * The join key: one group per (run, integration, entity type, shard). The run id keeps two runs of
 * one integration apart, and each side delivers exactly one element per key, so a group is complete
 * when it holds two. The key names the {@link Sharding.Scheme} its shard was computed by, so a
 * group never pairs shards of two schemes as if they held the same ids.
 */
@DefaultCoder(ShardKey.Coder.class)
public final class ShardKey {
  private final String runId;
  private final String integrationId;
  private final EntityType type;
  private final int shard;
  private final int shardCount;
  private final Sharding.Scheme scheme;

  /** A key of a shard computed by {@link Sharding#CURRENT}. */
  public ShardKey(String runId, String integrationId, EntityType type, int shard, int shardCount) {
    this(runId, integrationId, type, shard, shardCount, Sharding.CURRENT);
  }

  public ShardKey(
      String runId,
      String integrationId,
      EntityType type,
      int shard,
      int shardCount,
      Sharding.Scheme scheme) {
    this.runId = runId;
    this.integrationId = integrationId;
    this.type = type;
    this.shard = shard;
    this.shardCount = shardCount;
    this.scheme = scheme;
  }

  public String runId() {
    return runId;
  }

  public String integrationId() {
    return integrationId;
  }

  public EntityType type() {
    return type;
  }

  public int shard() {
    return shard;
  }

  public int shardCount() {
    return shardCount;
  }

  public Sharding.Scheme scheme() {
    return scheme;
  }

  /**
   * Key of everything one type of a run produces: (integration, type), not the run, so keyed state
   * stays bounded by integrations × types; the run id is checked inside.
   */
  public String typeKey() {
    return typeKey(runId, integrationId, type);
  }

  public static String typeKey(String runId, String integrationId, EntityType type) {
    return integrationId + "/" + type.path();
  }

  /**
   * The join's grouping key: (integration, type, shard) without the run or the shard count, so the
   * join's per-key trigger state and end-of-window timers (which stay for ever in the global
   * window) are bounded by integrations × types × shards instead of growing with every run. The
   * full key travels with each value. The scheme stays: a group an earlier build started keeps its
   * key's bytes.
   */
  public ShardKey joinKey() {
    return new ShardKey("", integrationId, type, shard, 0, scheme);
  }

  /**
   * The spilled-shard assembler's key: the run left out (checked inside), so its state and timers
   * are bounded like the join's; the shard count kept, so {@link #withRun} restores the full key.
   */
  ShardKey withoutRun() {
    return new ShardKey("", integrationId, type, shard, shardCount, scheme);
  }

  ShardKey withRun(String run) {
    return new ShardKey(run, integrationId, type, shard, shardCount, scheme);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ShardKey)) {
      return false;
    }
    ShardKey k = (ShardKey) o;
    return shard == k.shard
        && shardCount == k.shardCount
        && scheme == k.scheme
        && type == k.type
        && runId.equals(k.runId)
        && integrationId.equals(k.integrationId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(runId, integrationId, type, shard);
  }

  @Override
  public String toString() {
    return typeKey()
        + "#"
        + shard
        + "/"
        + shardCount
        + (scheme == Sharding.CURRENT ? "" : " by " + scheme);
  }

  /**
   * Versioned, deterministic as a grouping key's coder must be; the type by its path, not its
   * ordinal. v2 adds the shard scheme's code. A key of {@link Sharding.Scheme#MD5_OF_TEXT}, the
   * only scheme of v1, is still written as v1, byte for byte as the build before: its join group
   * (state keyed by these bytes) may have been started by that build before an update.
   */
  public static final class Coder extends Codec.Versioned<ShardKey> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(ShardKey.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(ShardKey.class, 2);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    int versionOf(ShardKey k) {
      return k.scheme == Sharding.Scheme.MD5_OF_TEXT ? 1 : 2;
    }

    @Override
    void write(ShardKey k, java.io.DataOutputStream out) throws IOException {
      Codec.writeString(out, k.runId);
      Codec.writeString(out, k.integrationId);
      Codec.writeType(out, k.type);
      out.writeInt(k.shard);
      out.writeInt(k.shardCount);
      if (versionOf(k) >= 2) {
        out.writeByte(k.scheme.code());
      }
    }

    @Override
    ShardKey read(java.io.DataInputStream in, int version) throws IOException {
      String run = Codec.readString(in);
      String integration = Codec.readString(in);
      EntityType type = Codec.readType(in);
      int shard = in.readInt();
      int count = in.readInt();
      Sharding.Scheme scheme =
          version >= 2 ? Sharding.Scheme.ofCode(in.readByte()) : Sharding.Scheme.MD5_OF_TEXT;
      return new ShardKey(run, integration, type, shard, count, scheme);
    }
  }
}
