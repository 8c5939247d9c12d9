package org.rostersync.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Provider;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class Sha256Test {
  private static final Map<String, String> C1_ONLY =
      Map.of("UseSHA", "true", "TieredStopAtLevel", "1", "TieredCompilation", "true");
  private static final Map<String, String> TIERED =
      Map.of("UseSHA", "true", "TieredStopAtLevel", "4", "TieredCompilation", "true");

  @Test
  void theJdksDigestIsKeptOnlyWhereItsIntrinsicRuns() {
    assertFalse(Sha256.jdkIsFast(C1_ONLY::get), "the fast compiler only: no intrinsic");
    assertTrue(Sha256.jdkIsFast(TIERED::get), "both compilers, intrinsic on");
    assertTrue(
        Sha256.jdkIsFast(
            Map.of("UseSHA", "true", "TieredStopAtLevel", "1", "TieredCompilation", "false")::get),
        "C2 alone (-XX:-TieredCompilation ignores the stop level)");
    assertFalse(
        Sha256.jdkIsFast(
            Map.of("UseSHA", "false", "TieredStopAtLevel", "4", "TieredCompilation", "true")::get),
        "a CPU without SHA or AVX2 instructions");
    assertTrue(Sha256.jdkIsFast(name -> null), "not HotSpot: the JDK's");
  }

  @Test
  void theOptionsAreReadableInThisJvm() {
    // A diagnostic flag (UseSHA256Intrinsics) reads as missing unless unlocked: the choice would
    // then silently keep the JDK's digest everywhere.
    for (String option : new String[] {"UseSHA", "TieredStopAtLevel", "TieredCompilation"}) {
      assertNotNull(Sha256.vmOption(option), option);
    }
  }

  @Test
  void aJvmWithTheFastCompilerOnlyHashesThroughConscrypt() throws Exception {
    Process java =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                PrintProvider.class.getName())
            .redirectErrorStream(true)
            .start();
    String out = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, java.waitFor(), out);
    assertEquals(linuxX86() ? "Conscrypt" : out, out, "the cron command's flags");
  }

  /** Prints the chosen provider; run by the test above in a JVM of its own. */
  public static final class PrintProvider {
    public static void main(String[] args) {
      System.out.println(Sha256.providerName());
    }
  }

  private static boolean linuxX86() {
    return System.getProperty("os.name").startsWith("Linux")
        && System.getProperty("os.arch").matches("amd64|x86_64");
  }

  @Test
  void conscryptIsAskedForOnlyWhenTheJdksIsSlow() {
    Provider marker = new Provider("marker", "1", "a stand-in") {};
    AtomicInteger asked = new AtomicInteger();
    assertNull(
        Sha256.choose(
            TIERED::get,
            () -> {
              asked.incrementAndGet();
              return marker;
            }));
    assertEquals(0, asked.get(), "no native library loaded where the JDK's is fast");
    assertSame(marker, Sha256.choose(C1_ONLY::get, () -> marker));
    assertNull(Sha256.choose(C1_ONLY::get, () -> null), "Conscrypt not loadable: the JDK's");
  }

  @Test
  void conscryptLoadsOnLinuxX86AndGivesTheJdksDigests() throws Exception {
    Provider conscrypt = Sha256.conscrypt();
    if (linuxX86()) {
      assertNotNull(conscrypt, "Conscrypt ships a native library for Linux x86-64");
    }
    if (conscrypt == null) {
      return; // another platform: only the JDK's, checked below
    }
    MessageDigest jdk = MessageDigest.getInstance("SHA-256", "SUN");
    MessageDigest native_ = MessageDigest.getInstance("SHA-256", conscrypt);
    Random random = new Random(7);
    // Empty, one byte, around the 55/56/64-byte padding edges, and a large input in uneven pieces.
    for (int length : new int[] {0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 3 << 20}) {
      byte[] input = new byte[length];
      random.nextBytes(input);
      for (int at = 0; at < length; at += 4097) {
        int n = Math.min(4097, length - at);
        jdk.update(input, at, n);
        native_.update(input, at, n);
      }
      assertArrayEquals(jdk.digest(), native_.digest(), "length " + length);
    }
  }

  @Test
  void theChosenDigestGivesTheStandardVector() {
    MessageDigest digest = Sha256.newDigest();
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        HexFormat.of().formatHex(digest.digest("abc".getBytes(StandardCharsets.US_ASCII))));
    assertTrue(
        Sha256.providerName().equals("SUN") || Sha256.providerName().equals("Conscrypt"),
        Sha256.providerName());
  }
}
