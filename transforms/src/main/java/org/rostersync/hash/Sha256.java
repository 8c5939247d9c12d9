package org.rostersync.hash;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where the SHA-256 digests come from: the JDK's own, or BoringSSL through Conscrypt (which Beam
 * core already ships, with its native library, for gRPC) when the JDK's would run as plain Java.
 *
 * <p>The JDK computes SHA-256 with the CPU's SHA instructions only in code compiled by its
 * optimizing compiler (C2). The cron VM's command runs the JVM with {@code -XX:TieredStopAtLevel=1}
 * (the fast compiler only, which starts small syncs sooner), and there the JDK's SHA-256 was the
 * largest single cost of a large sync: about a third of the pipeline's CPU samples, 5.0 s for
 * 1,200,000 records of 300-700 bytes against 1.7 s through Conscrypt. With C2 and the intrinsic the
 * JDK's is the faster (0.7 s), so Dataflow's workers keep it. Both give the same digest; only the
 * speed differs.
 */
public final class Sha256 {
  private static final Provider PROVIDER = choose(Sha256::vmOption, Sha256::conscrypt);

  private Sha256() {}

  /** A new SHA-256 digest from the chosen provider. */
  public static MessageDigest newDigest() {
    try {
      return PROVIDER == null
          ? MessageDigest.getInstance("SHA-256")
          : MessageDigest.getInstance("SHA-256", PROVIDER);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JRE must provide SHA-256", e);
    }
  }

  /** The chosen provider's name: "SUN" (the JDK's) or "Conscrypt". */
  public static String providerName() {
    return newDigest().getProvider().getName();
  }

  /**
   * Conscrypt's provider, or null for the JDK's: the JDK's is kept when its SHA-256 intrinsic can
   * run (C2 on, the CPU and VM support it), or when Conscrypt's native library does not load here.
   */
  static Provider choose(Function<String, String> vmOption, Supplier<Provider> conscrypt) {
    if (jdkIsFast(vmOption)) {
      return null;
    }
    return conscrypt.get();
  }

  /**
   * Whether the JDK's SHA-256 runs on the CPU's instructions: C2 on, and {@code UseSHA} (which
   * HotSpot sets where the CPU has the instructions its SHA-256 intrinsic needs; the intrinsic's
   * own flag is diagnostic, so not readable here).
   */
  static boolean jdkIsFast(Function<String, String> vmOption) {
    String intrinsic = vmOption.apply("UseSHA");
    String stopAt = vmOption.apply("TieredStopAtLevel");
    String tiered = vmOption.apply("TieredCompilation");
    if (intrinsic == null || stopAt == null || tiered == null) {
      return true; // not HotSpot, or options unknown: keep the JDK's
    }
    boolean c2 = "false".equals(tiered) || Integer.parseInt(stopAt) >= 4;
    return c2 && "true".equals(intrinsic);
  }

  static String vmOption(String name) {
    try {
      return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
          .getVMOption(name)
          .getValue();
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  static Provider conscrypt() {
    try {
      Provider provider = org.conscrypt.Conscrypt.newProvider();
      MessageDigest.getInstance("SHA-256", provider).digest(new byte[1]); // loads the native code
      return provider;
    } catch (RuntimeException | LinkageError | NoSuchAlgorithmException e) {
      return null; // no native library for this platform: the JDK's
    }
  }
}
