package org.rostersync.sandbox;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Google's own Pub/Sub emulator ({@code gcloud beta emulators pubsub start}), started and stopped
 * by the tests, and driven through its REST API (topics, subscriptions, publish, pull).
 */
final class PubsubEmulator implements AutoCloseable {
  static final String PROJECT = "local-project";
  private final Process process;
  private final int port;
  private final Path dataDir;
  private final HttpClient http = HttpClient.newHttpClient();

  private PubsubEmulator(Process process, int port, Path dataDir) {
    this.process = process;
    this.port = port;
    this.dataDir = dataDir;
  }

  /** Whether gcloud with the emulator component is on this machine. */
  static boolean available() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (new File(dir, "gcloud").canExecute()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The emulator with the pipeline's topics: {@code jobs} (subscription {@code jobs-sub}) and
   * {@code dead-letters} (subscription {@code dead-letters-sub}). Without gcloud the calling test
   * class is skipped, except under {@code CI=true}, where that fails it.
   */
  static PubsubEmulator startWithJobTopics() throws IOException, InterruptedException {
    if (!available()) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException("CI=true but gcloud (Pub/Sub emulator) is not installed");
      }
      org.junit.jupiter.api.Assumptions.abort("gcloud with the Pub/Sub emulator is not installed");
    }
    PubsubEmulator pubsub = start();
    pubsub.createTopic("jobs");
    pubsub.createSubscription("jobs-sub", "jobs");
    pubsub.createTopic("dead-letters");
    pubsub.createSubscription("dead-letters-sub", "dead-letters");
    return pubsub;
  }

  static PubsubEmulator start() throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path dataDir = Files.createTempDirectory("pubsub-emulator");
    Path log = dataDir.resolve("emulator.log");
    Process p =
        new ProcessBuilder(
                "gcloud",
                "beta",
                "emulators",
                "pubsub",
                "start",
                "--host-port=127.0.0.1:" + port,
                "--data-dir=" + dataDir,
                "--quiet")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    PubsubEmulator emulator = new PubsubEmulator(p, port, dataDir);
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (!p.isAlive()) {
        throw new IOException("the Pub/Sub emulator exited: " + Files.readString(log));
      }
      try {
        HttpResponse<String> r = emulator.send("GET", "/v1/projects/" + PROJECT + "/topics", null);
        if (r.statusCode() == 200) {
          return emulator;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(250);
    }
    emulator.close();
    throw new IOException(
        "the Pub/Sub emulator did not start within 60 s: " + Files.readString(log));
  }

  String rootUrl() {
    return "http://127.0.0.1:" + port;
  }

  String topic(String name) {
    return "projects/" + PROJECT + "/topics/" + name;
  }

  String subscription(String name) {
    return "projects/" + PROJECT + "/subscriptions/" + name;
  }

  void createTopic(String name) throws IOException, InterruptedException {
    check(send("PUT", "/v1/" + topic(name), "{}"));
  }

  void createSubscription(String name, String topicName) throws IOException, InterruptedException {
    check(
        send(
            "PUT",
            "/v1/" + subscription(name),
            "{\"topic\":\"" + topic(topicName) + "\",\"ackDeadlineSeconds\":60}"));
  }

  void publish(String topicName, byte[] data) throws IOException, InterruptedException {
    publishAll(topicName, List.of(data));
  }

  /** Publishes several messages in one request, so a subscriber never sees only some of them. */
  void publishAll(String topicName, String... jsons) throws IOException, InterruptedException {
    List<byte[]> payloads = new ArrayList<>();
    for (String json : jsons) {
      payloads.add(json.getBytes(StandardCharsets.UTF_8));
    }
    publishAll(topicName, payloads);
  }

  private void publishAll(String topicName, List<byte[]> payloads)
      throws IOException, InterruptedException {
    JsonArray messages = new JsonArray();
    for (byte[] data : payloads) {
      JsonObject msg = new JsonObject();
      msg.addProperty("data", Base64.getEncoder().encodeToString(data));
      messages.add(msg);
    }
    JsonObject body = new JsonObject();
    body.add("messages", messages);
    check(send("POST", "/v1/" + topic(topicName) + ":publish", body.toString()));
  }

  void publish(String topicName, String json) throws IOException, InterruptedException {
    publish(topicName, json.getBytes(StandardCharsets.UTF_8));
  }

  /** A received message: payload and attributes. */
  record Received(byte[] data, Map<String, String> attributes) {
    String text() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  /** Pulls and acknowledges what is there now. */
  List<Received> pull(String subscriptionName, int max) throws IOException, InterruptedException {
    HttpResponse<String> r =
        send(
            "POST",
            "/v1/" + subscription(subscriptionName) + ":pull",
            "{\"returnImmediately\":true,\"maxMessages\":" + max + "}");
    check(r);
    List<Received> out = new ArrayList<>();
    JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
    if (!body.has("receivedMessages")) {
      return out;
    }
    JsonArray ackIds = new JsonArray();
    for (JsonElement e : body.getAsJsonArray("receivedMessages")) {
      JsonObject m = e.getAsJsonObject().getAsJsonObject("message");
      byte[] data =
          m.has("data") ? Base64.getDecoder().decode(m.get("data").getAsString()) : new byte[0];
      Map<String, String> attributes = new java.util.HashMap<>();
      if (m.has("attributes")) {
        m.getAsJsonObject("attributes")
            .entrySet()
            .forEach(a -> attributes.put(a.getKey(), a.getValue().getAsString()));
      }
      out.add(new Received(data, attributes));
      ackIds.add(e.getAsJsonObject().get("ackId"));
    }
    JsonObject ack = new JsonObject();
    ack.add("ackIds", ackIds);
    check(send("POST", "/v1/" + subscription(subscriptionName) + ":acknowledge", ack.toString()));
    return out;
  }

  private HttpResponse<String> send(String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(rootUrl() + path))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void check(HttpResponse<String> r) throws IOException {
    if (r.statusCode() / 100 != 2) {
      throw new IOException("emulator answered " + r.statusCode() + ": " + r.body());
    }
  }

  @Override
  public void close() {
    // gcloud starts the emulator as a child JVM: stop the whole tree.
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
