package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.beam.sdk.options.Default;
import org.junit.jupiter.api.Test;

/**
 * Keeps templates/metadata.json and {@link SyncOptions} in step: names, defaults, optionality,
 * regexes.
 */
class TemplateMetadataTest {
  static final Path METADATA = Path.of("../templates/metadata.json");

  /**
   * Plain secrets are for local runs only; the template must never offer them (the pipeline refuses
   * them too).
   */
  static final Set<String> LOCAL_ONLY = Set.of("jdbcPassword", "edlinkAppSecret");

  /** What a Dataflow launch cannot do without, whichever job source it uses. */
  static final Set<String> REQUIRED =
      Set.of("jdbcUrl", "jdbcPasswordSecretName", "edlinkAppSecretSecretName");

  /**
   * Options declared by SyncOptions itself (not Beam's), by option name, e.g. getJdbcUrl → jdbcUrl.
   */
  static Map<String, Method> options() {
    Map<String, Method> out = new LinkedHashMap<>();
    for (Method m : SyncOptions.class.getDeclaredMethods()) {
      if (m.getParameterCount() == 0 && m.getName().startsWith("get")) {
        String name = m.getName().substring(3);
        out.put(Character.toLowerCase(name.charAt(0)) + name.substring(1), m);
      }
    }
    return out;
  }

  /** The parameters of metadata.json by name. */
  static Map<String, JsonObject> parameters() throws IOException {
    JsonObject root = JsonParser.parseString(Files.readString(METADATA)).getAsJsonObject();
    Map<String, JsonObject> out = new LinkedHashMap<>();
    for (JsonElement e : root.getAsJsonArray("parameters")) {
      JsonObject p = e.getAsJsonObject();
      assertThat(
          "duplicate parameter " + p.get("name"),
          out.put(p.get("name").getAsString(), p),
          is((Object) null));
    }
    return out;
  }

  /** The option's @Default.* value, as the typed value a launcher would get. */
  static Optional<Object> javaDefault(Method getter) {
    for (Annotation a : getter.getAnnotations()) {
      if (a instanceof Default.String d) {
        return Optional.of(d.value());
      } else if (a instanceof Default.Integer d) {
        return Optional.of(d.value());
      } else if (a instanceof Default.Long d) {
        return Optional.of(d.value());
      } else if (a instanceof Default.Double d) {
        return Optional.of(d.value());
      } else if (a instanceof Default.Boolean d) {
        return Optional.of(d.value());
      } else if (a.annotationType().getEnclosingClass() == Default.class) {
        throw new AssertionError("unsupported default " + a + " on " + getter.getName());
      }
    }
    return Optional.empty();
  }

  /** Reads a metadata default string as the getter's type, so 0.1 equals 0.10. */
  static Object typed(Method getter, String value) {
    Class<?> type = getter.getReturnType();
    if (type == Integer.class) {
      return Integer.valueOf(value);
    } else if (type == Long.class) {
      return Long.valueOf(value);
    } else if (type == Double.class) {
      return Double.valueOf(value);
    } else if (type == Boolean.class) {
      if (!value.equals("true") && !value.equals("false")) {
        throw new AssertionError("not a boolean: " + value);
      }
      return Boolean.valueOf(value);
    }
    return value;
  }

  @Test
  void everyOptionIsATemplateParameter() throws IOException {
    Set<String> missing = new TreeSet<>(options().keySet());
    missing.removeAll(LOCAL_ONLY);
    missing.removeAll(parameters().keySet());
    assertThat("options missing from metadata.json", missing, is(empty()));
  }

  @Test
  void everyTemplateParameterIsAnOption() throws IOException {
    Set<String> unknown = new TreeSet<>(parameters().keySet());
    unknown.removeAll(options().keySet());
    assertThat("metadata.json parameters that SyncOptions does not have", unknown, is(empty()));
  }

  @Test
  void plainSecretsAreNotTemplateParameters() throws IOException {
    for (String name : LOCAL_ONLY) {
      assertThat("option exists", options().containsKey(name), is(true));
      assertThat(
          name + " must not be a template parameter", parameters().containsKey(name), is(false));
    }
  }

  @Test
  void defaultsAgree() throws IOException {
    Map<String, Method> options = options();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, JsonObject> e : parameters().entrySet()) {
      Method getter = options.get(e.getKey());
      if (getter == null) {
        continue;
      }
      Optional<Object> expected = javaDefault(getter);
      JsonElement actual = e.getValue().get("defaultValue");
      if (expected.isEmpty() && actual != null) {
        problems.add(e.getKey() + ": metadata default " + actual + " but the option has none");
      } else if (expected.isPresent() && actual == null) {
        problems.add(e.getKey() + ": option default " + expected.get() + " missing from metadata");
      } else if (expected.isPresent()
          && !expected.get().equals(typed(getter, actual.getAsString()))) {
        problems.add(
            e.getKey() + ": option default " + expected.get() + " but metadata says " + actual);
      }
    }
    assertThat(problems, is(empty()));
  }

  @Test
  void optionalityMatchesDefaultsAndDataflowNeeds() throws IOException {
    for (Map.Entry<String, JsonObject> e : parameters().entrySet()) {
      boolean optional = e.getValue().get("isOptional").getAsBoolean();
      assertThat(e.getKey() + " isOptional", optional, equalTo(!REQUIRED.contains(e.getKey())));
    }
  }

  @Test
  void everyParameterIsDocumentedAndItsDefaultMentioned() throws IOException {
    for (Map.Entry<String, JsonObject> e : parameters().entrySet()) {
      JsonObject p = e.getValue();
      assertThat(e.getKey() + " label", p.get("label").getAsString(), not(equalTo("")));
      String help = p.get("helpText").getAsString();
      assertThat(e.getKey() + " helpText", help, not(equalTo("")));
      if (p.has("defaultValue")) {
        assertThat(e.getKey() + " helpText names its default", help, containsString("Default:"));
      }
    }
  }

  @Test
  void regexesAcceptTheDefaults() throws IOException {
    for (Map.Entry<String, JsonObject> e : parameters().entrySet()) {
      JsonObject p = e.getValue();
      if (!p.has("regexes") || !p.has("defaultValue")) {
        continue;
      }
      String value = p.get("defaultValue").getAsString();
      for (JsonElement regex : p.getAsJsonArray("regexes")) {
        assertThat(
            e.getKey() + " default '" + value + "' against " + regex,
            Pattern.compile(regex.getAsString()).matcher(value).matches(),
            is(true));
      }
    }
  }

  @Test
  void regexesAcceptTypicalValuesAndRejectPlainSecrets() throws IOException {
    Map<String, JsonObject> params = parameters();
    Map<String, String> good =
        Map.of(
            "jdbcUrl", "jdbc:postgresql://10.0.0.5:5432/roster",
            "jdbcPasswordSecretName", "projects/p/secrets/roster-db-password/versions/latest",
            "edlinkAppSecretSecretName", "projects/p/secrets/edlink-app-secret/versions/3",
            "jobsSubscription", "projects/p/subscriptions/roster-sync-jobs",
            "deadLetterTopic", "projects/p/topics/roster-sync-dead-letters",
            "integrationIds",
                "0d6e8a53-3a8f-4a3e-9f61-0a5d1c3e2b11, 7c1f0f1e-2a4b-4c4d-8e8f-9a0b1c2d3e4f",
            "entityTypes", "people,enrollments",
            "maxSkipAge", "PT12H");
    for (Map.Entry<String, String> g : good.entrySet()) {
      assertThat(
          g.getKey() + " accepts " + g.getValue(),
          matchesAll(params.get(g.getKey()), g.getValue()),
          is(true));
    }
    assertThat(matchesAll(params.get("jdbcPasswordSecretName"), "hunter2"), is(false));
    assertThat(
        matchesAll(params.get("edlinkAppSecretSecretName"), "HZ4MR8NyjdPiP9g8l6gKXT5Kjk9FlJa7"),
        is(false));
    assertThat(matchesAll(params.get("entityTypes"), "students"), is(false));
  }

  private static boolean matchesAll(JsonObject param, String value) {
    for (JsonElement regex : param.getAsJsonArray("regexes")) {
      if (!Pattern.compile(regex.getAsString()).matcher(value).matches()) {
        return false;
      }
    }
    return true;
  }
}
