package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A client's selector thread, left running after its last request, ends when interrupted. */
class HttpClientThreadsTest {
  @Test
  void theSelectorOfAClientStillReferencedEndsWhenInterrupted() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    try {
      HttpClient client = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
      client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding());
      List<Thread> selectors =
          Thread.getAllStackTraces().keySet().stream()
              .filter(HttpClientThreads::isSelector)
              .toList();
      assertThat(selectors, not(empty()));
      assertThat(HttpClientThreads.interruptSelectors(), greaterThanOrEqualTo(selectors.size()));
      for (Thread t : selectors) {
        t.join(5_000);
        assertThat(t.getName() + " still alive", t.isAlive(), org.hamcrest.Matchers.is(false));
      }
      // The client is still referenced here: only the interrupt ended its thread.
      assertThat(client.version(), org.hamcrest.Matchers.notNullValue());
    } finally {
      server.stop(0);
    }
  }
}
