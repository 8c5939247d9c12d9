package org.rostersync.pipeline;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.rostersync.transforms.SecretRef;

/**
 * A Secret Manager secret version, read on the worker with the worker's service account through the
 * REST API. Only the name travels in the pipeline graph.
 */
final class SecretManagerSecret implements SecretRef {
  static final Pattern NAME = Pattern.compile("^projects/[^/]+/secrets/[^/]+/versions/[^/]+$");
  private final String name;
  private transient volatile String cached;

  SecretManagerSecret(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a Secret Manager name looks like projects/<p>/secrets/<s>/versions/<v>, got '"
              + name
              + "'");
    }
    this.name = name;
  }

  @Override
  public String resolve() {
    String v = cached;
    if (v == null) {
      v = access();
      cached = v;
    }
    return v;
  }

  /**
   * Reads the version again: with {@code versions/latest} this picks up a rotated secret without a
   * restart.
   */
  @Override
  public String refresh() {
    String v = access();
    cached = v;
    return v;
  }

  private String access() {
    try {
      GoogleCredentials credentials =
          GoogleCredentials.getApplicationDefault()
              .createScoped(List.of("https://www.googleapis.com/auth/cloud-platform"));
      credentials.refreshIfExpired();
      HttpRequest request =
          HttpRequest.newBuilder(
                  URI.create("https://secretmanager.googleapis.com/v1/" + name + ":access"))
              .header("Authorization", "Bearer " + credentials.getAccessToken().getTokenValue())
              .timeout(Duration.ofSeconds(30))
              .GET()
              .build();
      HttpResponse<String> response =
          HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "Secret Manager refused " + name + ": HTTP " + response.statusCode());
      }
      String data =
          JsonParser.parseString(response.body())
              .getAsJsonObject()
              .getAsJsonObject("payload")
              .get("data")
              .getAsString();
      return new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read secret " + name + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading secret " + name, e);
    }
  }

  @Override
  public String toString() {
    return "SecretRef(secretmanager:" + name + ")";
  }
}
