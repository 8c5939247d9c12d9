package org.rostersync.pipeline;

/**
 * The JDK HTTP client's selector threads, which the Edlink clients leave behind. Each waits in
 * native code ({@code epoll_wait}) until its client is collected, and the JVM's exit waits up to
 * 300 ms for threads in native code to stop: a third of a second on every cron run, a twentieth of
 * a small district's whole sync (measured: a process that made one request ended 0.3 s later than
 * its {@code main}). Java 17's client has no {@code close()}; an interrupt ends the selector loop.
 */
final class HttpClientThreads {
  private HttpClientThreads() {}

  /** Interrupts every JDK HTTP client selector thread; call when no request can follow. */
  static int interruptSelectors() {
    int n = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (isSelector(t)) {
        t.interrupt();
        n++;
      }
    }
    return n;
  }

  static boolean isSelector(Thread t) {
    String name = t.getName();
    return t.isDaemon() && name.startsWith("HttpClient-") && name.endsWith("-SelectorManager");
  }
}
