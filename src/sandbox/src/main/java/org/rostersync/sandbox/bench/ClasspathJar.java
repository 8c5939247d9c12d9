package org.rostersync.sandbox.bench;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A classpath whose directories are packed into one jar in their place: the JVM writes and maps
 * class-data archives only for classes from jars, so the plain program gets one as the pipeline's
 * jar does.
 */
final class ClasspathJar {
  private ClasspathJar() {}

  static String of(String classpath, Path work) {
    List<String> out = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    Path jar = work.resolve("plain-classes.jar");
    for (String entry : classpath.split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (Files.isDirectory(p)) {
        if (dirs.isEmpty()) {
          out.add(jar.toString());
        }
        dirs.add(p);
      } else {
        out.add(entry);
      }
    }
    if (dirs.isEmpty()) {
      return classpath;
    }
    try {
      Files.createDirectories(work);
      Set<String> seen = new HashSet<>();
      try (OutputStream file = Files.newOutputStream(jar);
          JarOutputStream jarOut = new JarOutputStream(file)) {
        for (Path dir : dirs) {
          try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
              // The first directory on the classpath wins, as it would have.
              String name = dir.relativize(f).toString().replace(File.separatorChar, '/');
              if (seen.add(name)) {
                jarOut.putNextEntry(new JarEntry(name));
                Files.copy(f, jarOut);
                jarOut.closeEntry();
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("packing the plain program's classes into " + jar, e);
    }
    return String.join(File.pathSeparator, out);
  }
}
