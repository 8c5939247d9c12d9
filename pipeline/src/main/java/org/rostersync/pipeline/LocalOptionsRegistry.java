package org.rostersync.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Starts Beam's options registry with the DirectRunner's options only when the command runs a batch
 * sync on the DirectRunner. Beam validates every registered interface when its options factory is
 * first touched, each against all registered before it, generating a proxy class each time: in the
 * bundled jar that was ≈ 2 s of a 20-district sync's start with every registrar (profiled), 1.3 s
 * without Dataflow's and Google Cloud's, 0.65 s with the DirectRunner's alone (measured, no
 * class-data archive). Interfaces left out still work through {@code as()}; a command that names
 * one of their flags is parsed again with the full registry, so nothing is refused that was
 * accepted before.
 */
final class LocalOptionsRegistry {
  static final String REGISTRARS =
      "META-INF/services/org.apache.beam.sdk.options.PipelineOptionsRegistrar";

  /**
   * The one registrar a batch run on the DirectRunner needs: its runner's options ({@code
   * SyncOptions} registers itself and its superinterfaces).
   */
  static final Set<String> NEEDED_LOCALLY =
      Set.of("org.apache.beam.runners.direct.DirectRegistrar$Options");

  private LocalOptionsRegistry() {}

  /** A batch run on the DirectRunner: no other runner named, no Pub/Sub subscription. */
  static boolean applies(String[] args) {
    for (String a : args) {
      if (a.startsWith("--runner=") && !a.equals("--runner=DirectRunner")
          || a.startsWith("--jobsSubscription")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Runs {@code parse} with the slim registry when it {@link #applies} (and Beam's options factory
   * is first touched there, as in {@code main}); if that refuses an option, resets the registry to
   * the full one and parses again.
   */
  static <T> T parse(String[] args, Supplier<T> parse) {
    if (!applies(args)) {
      return parse.get();
    }
    Thread thread = Thread.currentThread();
    ClassLoader full = thread.getContextClassLoader();
    try {
      // Beam builds its registry when its options factory is first touched, inside parse: with the
      // slim loader in place (a factory touched before keeps its registry, which is then only
      // slower).
      thread.setContextClassLoader(new SlimLoader(full));
      return parse.get();
    } catch (IllegalArgumentException refused) {
      thread.setContextClassLoader(full);
      PipelineOptionsFactory.resetCache();
      return parse.get();
    } finally {
      thread.setContextClassLoader(full);
    }
  }

  /** Delegates everything, but lists only the options registrars {@link #NEEDED_LOCALLY}. */
  static final class SlimLoader extends ClassLoader {
    SlimLoader(ClassLoader parent) {
      super(parent);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      Enumeration<URL> all = super.getResources(name);
      if (!REGISTRARS.equals(name)) {
        return all;
      }
      List<String> kept = new ArrayList<>();
      for (URL url : Collections.list(all)) {
        try (InputStream in = url.openStream()) {
          for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            String entry = line.replaceAll("#.*", "").trim();
            if (NEEDED_LOCALLY.contains(entry)) {
              kept.add(entry);
            }
          }
        }
      }
      Path file = Files.createTempFile("roster-sync-options-registrars", ".txt");
      file.toFile().deleteOnExit();
      Files.writeString(file, String.join("\n", kept) + "\n");
      return Collections.enumeration(List.of(file.toUri().toURL()));
    }
  }
}
