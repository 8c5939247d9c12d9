package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps terraform/ and the launch scripts wired to templates/metadata.json: the parameters they
 * pass exist, the required ones are passed, Terraform variable defaults equal the template
 * defaults, and secrets travel only as Secret Manager names.
 */
class TerraformWiringTest {
  static final Path TERRAFORM = Path.of("../terraform");
  static final Path TEMPLATES = Path.of("../templates");

  /**
   * A template parameter in parameters.tf: a key without underscores (locals and attributes have
   * them).
   */
  static final Pattern PARAMETER_LINE = Pattern.compile("(?m)^\\s*([a-z][A-Za-z]*)\\s*=\\s*(.+)$");

  static final Pattern VARIABLE_REF = Pattern.compile("^(?:tostring\\()?var\\.([a-z0-9_]+)\\)?$");
  static final Pattern VARIABLE_BLOCK =
      Pattern.compile("(?s)variable\\s+\"([a-z0-9_]+)\"\\s*\\{(.*?)\\n}");
  static final Pattern DEFAULT_LINE = Pattern.compile("(?m)^\\s*default\\s*=\\s*(.+)$");
  static final Pattern SECRET_LIKE = Pattern.compile("(?i)password|secret|token");

  /** Parameters in the scripts' "~"-separated --parameters strings. */
  static final Pattern SCRIPT_PARAMETER = Pattern.compile("(?<=[~\"])([a-z][A-Za-z]*)=");

  /** Template parameter name → value expression, as parameters.tf passes them. */
  static Map<String, String> terraformParameters() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = PARAMETER_LINE.matcher(Files.readString(TERRAFORM.resolve("parameters.tf")));
    while (m.find()) {
      out.put(m.group(1), m.group(2).trim());
    }
    return out;
  }

  /** Variable name → its default expression (absent when it has none). */
  static Map<String, String> variableDefaults() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = VARIABLE_BLOCK.matcher(Files.readString(TERRAFORM.resolve("variables.tf")));
    while (m.find()) {
      Matcher d = DEFAULT_LINE.matcher(m.group(2));
      out.put(m.group(1), d.find() ? d.group(1).trim() : null);
    }
    return out;
  }

  static List<Path> files(Path dir, String suffix) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }

  @Test
  void terraformPassesOnlyTemplateParameters() throws IOException {
    Set<String> unknown = new TreeSet<>(terraformParameters().keySet());
    unknown.removeAll(TemplateMetadataTest.parameters().keySet());
    assertThat("parameters.tf passes parameters metadata.json does not have", unknown, is(empty()));
  }

  @Test
  void terraformPassesEveryRequiredParameterAndBothJobSources() throws IOException {
    Set<String> passed = terraformParameters().keySet();
    for (Map.Entry<String, JsonObject> p : TemplateMetadataTest.parameters().entrySet()) {
      if (!p.getValue().get("isOptional").getAsBoolean()) {
        assertThat("required parameter wired from Terraform", passed, hasItem(p.getKey()));
      }
    }
    for (String source : List.of("jobsSubscription", "deadLetterTopic", "allIntegrations")) {
      assertThat(passed, hasItem(source));
    }
    assertThat(
        Files.readString(TERRAFORM.resolve("dataflow.tf")),
        containsString("parameters              = local.streaming_parameters"));
    assertThat(
        Files.readString(TERRAFORM.resolve("scheduler.tf")),
        containsString("parameters           = local.batch_parameters"));
  }

  @Test
  void everyOptionWithADefaultIsATerraformVariableWithTheSameDefault() throws IOException {
    Map<String, String> variables = variableDefaults();
    Map<String, String> passed = terraformParameters();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, JsonObject> p : TemplateMetadataTest.parameters().entrySet()) {
      if (!p.getValue().has("defaultValue")
          || Set.of("allIntegrations", "approveDeletes", "migrate").contains(p.getKey())) {
        continue; // those three are per-launch switches, fixed by the job source, not deployment
        // settings
      }
      String expression = passed.get(p.getKey());
      Matcher ref = expression == null ? null : VARIABLE_REF.matcher(expression);
      if (ref == null || !ref.matches()) {
        problems.add(p.getKey() + " is not passed from a variable (got " + expression + ")");
        continue;
      }
      String variable = ref.group(1);
      if (!variables.containsKey(variable)) {
        problems.add(p.getKey() + " uses undeclared var." + variable);
        continue;
      }
      String tfDefault = unquote(variables.get(variable));
      String templateDefault = p.getValue().get("defaultValue").getAsString();
      if (!sameValue(tfDefault, templateDefault)) {
        problems.add(
            "var."
                + variable
                + " defaults to "
                + tfDefault
                + " but "
                + p.getKey()
                + " to "
                + templateDefault);
      }
    }
    assertThat(problems, is(empty()));
  }

  @Test
  void secretsPassOnlyAsSecretManagerNames() throws IOException {
    for (Map.Entry<String, String> p : terraformParameters().entrySet()) {
      if (SECRET_LIKE.matcher(p.getKey()).find()) {
        assertThat(
            p.getKey() + " must be a ...SecretName", p.getKey().endsWith("SecretName"), is(true));
        assertThat(
            p.getKey() + " must name a Secret Manager version",
            p.getValue(),
            containsString("google_secret_manager_secret."));
      }
    }
  }

  @Test
  void noVariableOrInputCarriesASecretValue() throws IOException {
    for (String variable : variableDefaults().keySet()) {
      assertThat(
          "variable " + variable + " would put a secret into Terraform files or state inputs",
          SECRET_LIKE.matcher(variable).find(),
          is(false));
    }
    List<Path> inputs = new ArrayList<>(files(TERRAFORM, ".tf"));
    inputs.addAll(files(TERRAFORM, ".tfvars.example"));
    inputs.addAll(files(TEMPLATES, ".sh"));
    inputs.add(TEMPLATES.resolve("metadata.json"));
    for (Path file : inputs) {
      String text = Files.readString(file);
      for (String plain : TemplateMetadataTest.LOCAL_ONLY) {
        assertThat(
            file + " names the plain-secret option " + plain,
            Pattern.compile("\\b" + plain + "\\b").matcher(text).find(),
            is(false));
      }
    }
    // The only secret value Terraform writes is the generated Cloud SQL password, never a literal.
    Matcher data =
        Pattern.compile("secret_data\\s*=\\s*(.+)")
            .matcher(Files.readString(TERRAFORM.resolve("secrets.tf")));
    while (data.find()) {
      assertThat(data.group(1).trim(), is("random_password.db[0].result"));
    }
  }

  @Test
  void scriptsPassTemplateParametersIncludingTheRequiredOnes() throws IOException {
    Map<String, JsonObject> metadata = TemplateMetadataTest.parameters();
    for (String script : List.of("launch-streaming.sh", "run-batch.sh")) {
      Set<String> passed = new TreeSet<>();
      for (String line : Files.readAllLines(TEMPLATES.resolve(script))) {
        if (line.contains("PARAMETERS") || line.contains("SOURCE=")) {
          Matcher m = SCRIPT_PARAMETER.matcher(line);
          while (m.find()) {
            passed.add(m.group(1));
          }
        }
      }
      Set<String> unknown = new TreeSet<>(passed);
      unknown.removeAll(metadata.keySet());
      assertThat(script + " passes unknown parameters", unknown, is(empty()));
      for (Map.Entry<String, JsonObject> p : metadata.entrySet()) {
        if (!p.getValue().get("isOptional").getAsBoolean()) {
          assertThat(script + " passes required parameter", passed, hasItem(p.getKey()));
        }
      }
    }
  }

  private static String unquote(String hcl) {
    if (hcl == null) {
      return null;
    }
    return hcl.startsWith("\"") && hcl.endsWith("\"") ? hcl.substring(1, hcl.length() - 1) : hcl;
  }

  private static boolean sameValue(String a, String b) {
    if (a == null || b == null) {
      return a == b;
    }
    try {
      return Double.parseDouble(a) == Double.parseDouble(b);
    } catch (NumberFormatException e) {
      return a.equals(b);
    }
  }
}
