package org.rostersync.transforms;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.rostersync.edlink.EntityType;

/**
 * The join key: one group per (run, integration, entity type, shard). The run id keeps two runs of one integration
 * apart, and each side delivers exactly one element per key, so a group is complete when it holds two.
 */
@DefaultCoder(ShardKey.Coder.class)
public final class ShardKey {
  private final String runId;
  private final String integrationId;
  private final EntityType type;
  private final int shard;
  private final int shardCount;

  public ShardKey(String runId, String integrationId, EntityType type, int shard, int shardCount) {
    this.runId = runId;
    this.integrationId = integrationId;
    this.type = type;
    this.shard = shard;
    this.shardCount = shardCount;
  }

  public String runId() { return runId; }
  public String integrationId() { return integrationId; }
  public EntityType type() { return type; }
  public int shard() { return shard; }
  public int shardCount() { return shardCount; }

  /** Key of everything one (run, integration, type) produces. */
  public String typeKey() {
    return typeKey(runId, integrationId, type);
  }

  public static String typeKey(String runId, String integrationId, EntityType type) {
    return runId + "/" + integrationId + "/" + type.path();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ShardKey)) {
      return false;
    }
    ShardKey k = (ShardKey) o;
    return shard == k.shard && shardCount == k.shardCount && type == k.type && runId.equals(k.runId)
        && integrationId.equals(k.integrationId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(runId, integrationId, type, shard);
  }

  @Override
  public String toString() {
    return typeKey() + "#" + shard + "/" + shardCount;
  }

  /** Deterministic, as a grouping key's coder must be. */
  public static final class Coder extends AtomicCoder<ShardKey> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ShardKey k, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(k.runId, out);
      StringUtf8Coder.of().encode(k.integrationId, out);
      VarIntCoder.of().encode(k.type.ordinal(), out);
      VarIntCoder.of().encode(k.shard, out);
      VarIntCoder.of().encode(k.shardCount, out);
    }

    @Override
    public ShardKey decode(InputStream in) throws IOException {
      String run = StringUtf8Coder.of().decode(in);
      String integration = StringUtf8Coder.of().decode(in);
      EntityType type = EntityType.values()[VarIntCoder.of().decode(in)];
      int shard = VarIntCoder.of().decode(in);
      int count = VarIntCoder.of().decode(in);
      return new ShardKey(run, integration, type, shard, count);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
