package org.rostersync.sandbox.simulator;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

/** One simulated integration (a district's connection), as the application's Meta API sees it. */
public final class SimIntegration {
  static final String[] PROVIDERS = {"oneroster", "clever", "canvas", "powerschool"};

  private final String id;
  private final DatasetSize size;
  final int index;
  final String regionId;
  final long createdMillis;
  final Roster roster;
  private final long seedKey;
  private volatile String accessToken;
  private volatile String status = "active";
  private volatile long updatedMillis;

  SimIntegration(
      String id,
      String accessToken,
      DatasetSize size,
      int index,
      String regionId,
      long createdMillis,
      Roster roster,
      long seedKey) {
    this.id = id;
    this.accessToken = accessToken;
    this.size = size;
    this.index = index;
    this.regionId = regionId;
    this.createdMillis = createdMillis;
    this.updatedMillis = createdMillis;
    this.roster = roster;
    this.seedKey = seedKey;
  }

  public String id() {
    return id;
  }

  /** The current token; {@link EdlinkSimulator#revokeToken} replaces it. */
  public String accessToken() {
    return accessToken;
  }

  public String status() {
    return status;
  }

  public DatasetSize size() {
    return size;
  }

  void accessToken(String token, long nowMillis) {
    this.accessToken = token;
    this.updatedMillis = nowMillis;
  }

  void status(String status, long nowMillis) {
    this.status = status;
    this.updatedMillis = nowMillis;
  }

  /** Graph calls are allowed only in these states. */
  boolean servesGraph() {
    return status.equals("active") || status.equals("paused");
  }

  /**
   * The Meta v1 item: the v1 fields ({@code status}, {@code source}, {@code provider}, {@code
   * team}) and the v2 ones.
   */
  JsonObject metaJson() {
    String provider = PROVIDERS[index % PROVIDERS.length];
    String district = roster.generator.generate(RosterType.DISTRICTS, 0).get("name").getAsString();
    JsonObject o = new JsonObject();
    o.addProperty("id", id);
    o.addProperty("status", status);
    o.addProperty("state", status);
    o.addProperty("scope", "all");
    o.addProperty("district_sharing", "all");
    o.addProperty("developer_sharing", "all");
    o.addProperty("district_licensing_enabled", false);
    o.addProperty("created_date", SimClock.format(createdMillis));
    o.addProperty("updated_date", SimClock.format(updatedMillis));
    o.addProperty("start_date", (String) null);
    o.addProperty("end_date", (String) null);
    JsonArray permissions = new JsonArray();
    permissions.add(Ids.encode(seedKey, 1));
    permissions.add(Ids.encode(seedKey, 2));
    o.add("permissions", permissions);
    o.add("targets", new JsonArray());
    o.addProperty("access_token", accessToken);
    o.addProperty("region_id", regionId);
    o.addProperty("application_id", Ids.encode(seedKey, 3));
    o.addProperty("source_id", Ids.encode(seedKey, 4));
    o.addProperty("destination_id", Ids.encode(seedKey, 5));
    JsonObject source = new JsonObject();
    source.addProperty("id", Ids.encode(seedKey, 4));
    source.addProperty("status", "active");
    source.addProperty("name", district + " " + provider);
    source.addProperty("created_date", SimClock.format(createdMillis));
    source.addProperty("updated_date", SimClock.format(createdMillis));
    source.addProperty("import_interval", 3600);
    source.addProperty("sync_interval", 86400);
    source.addProperty("log_retention_time", 604800);
    o.add("source", source);
    JsonObject prov = new JsonObject();
    prov.addProperty("id", Ids.encode(seedKey, 6));
    prov.addProperty("name", provider.substring(0, 1).toUpperCase() + provider.substring(1));
    prov.addProperty("application", provider);
    prov.addProperty("allows_data_sync", true);
    prov.addProperty("icon_url", "https://ed.link/images/providers/" + provider + ".png");
    o.add("provider", prov);
    JsonObject team = new JsonObject();
    team.addProperty("id", Ids.encode(seedKey, 7));
    team.addProperty("type", size == DatasetSize.LARGE ? "university" : "district");
    team.addProperty("name", district);
    team.addProperty("alias", "sim" + index);
    team.addProperty("city", "Austin");
    team.addProperty("state", "TX");
    o.add("team", team);
    o.add("entity", JsonNull.INSTANCE);
    return o;
  }
}
