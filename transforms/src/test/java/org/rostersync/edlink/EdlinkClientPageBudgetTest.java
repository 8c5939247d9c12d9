package org.rostersync.edlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.SimIntegration;
import org.rostersync.testing.TestSimulator;

/**
 * Pages of many types paged at once, against the simulator, hold no more records than their {@link
 * PageBudget}, every record still arrives once, and every share taken comes back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdlinkClientPageBudgetTest {
  private static final int PAGE = 50;
  private static final List<EntityType> TYPES =
      List.of(EntityType.PEOPLE, EntityType.ENROLLMENTS, EntityType.PEOPLE, EntityType.ENROLLMENTS);

  private EdlinkSimulator sim;
  private SimIntegration small;

  @BeforeAll
  void startSimulator() throws Exception {
    sim = TestSimulator.start(7L, "sim-app-secret", DatasetSize.SMALL);
    small = sim.integrations().get(0);
  }

  @AfterAll
  void stopSimulator() throws Exception {
    sim.close();
  }

  private EdlinkClient client(PageBudget budget) {
    return client(budget, true);
  }

  private EdlinkClient client(PageBudget budget, boolean fromBothEnds) {
    return EdlinkClient.builder()
        .baseUrl(sim.baseUrl())
        .appSecret(sim.appSecret())
        .pageSize(PAGE)
        .fromBothEnds(fromBothEnds)
        .pageBudget(budget)
        .readTimeout(Duration.ofSeconds(10))
        .deadline(Duration.ofSeconds(60))
        .build();
  }

  /**
   * Four fetches from both ends at once (each direction asking for its next page ahead), with a
   * budget of one page: a full page holds all of it, so no two full pages are ever handled at the
   * same time. Without a budget the same fetches handle several at once.
   */
  @Test
  void aBudgetOfOnePageLetsOneFullPageBeHandledAtATime() throws Exception {
    PageBudget budget = PageBudget.unshared(PAGE);
    AtOnce bounded = fetchAtOnce(client(budget));
    assertEquals(1, bounded.most(), "full pages handled at once within a budget of one page");
    assertAllGivenBack(budget);
    assertEquals(0, bounded.pagesOverBudget(), "no page waited out its share");

    int unbounded = fetchAtOnce(client(PageBudget.NONE)).most();
    assertTrue(unbounded > 1, "without a budget, full pages handled at once: " + unbounded);
  }

  /** The most full pages handled at the same time, and the pages read over the budget. */
  private record AtOnce(int most, int pagesOverBudget) {}

  /**
   * Fetches every type of {@link #TYPES} at once on its own thread, checks each record arrives once
   * and every one arrives, and answers what {@link AtOnce} says.
   */
  private AtOnce fetchAtOnce(EdlinkClient client) throws Exception {
    AtomicInteger handling = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger overBudget = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(TYPES.size());
    try {
      List<Future<Map<String, JsonObject>>> fetches = new ArrayList<>();
      for (EntityType type : TYPES) {
        fetches.add(
            threads.submit(
                () -> {
                  Map<String, JsonObject> byId = new ConcurrentHashMap<>();
                  FetchStats stats =
                      client.fetchAll(
                          small.accessToken(),
                          type,
                          page -> {
                            boolean full = page.size() == PAGE;
                            if (full) {
                              most.accumulateAndGet(handling.incrementAndGet(), Math::max);
                            }
                            try {
                              for (JsonObject r : page) {
                                assertNull(byId.put(r.get("id").getAsString(), r), "twice");
                              }
                              sleep(15);
                            } finally {
                              if (full) {
                                handling.decrementAndGet();
                              }
                            }
                          });
                  overBudget.addAndGet(stats.pagesOverBudget());
                  return byId;
                }));
      }
      for (int i = 0; i < TYPES.size(); i++) {
        EntityType type = TYPES.get(i);
        assertEquals(
            sim.records(small.id(), TestSimulator.type(type)).size(),
            fetches.get(i).get().size(),
            type + " records");
      }
    } finally {
      threads.shutdownNow();
    }
    return new AtOnce(most.get(), overBudget.get());
  }

  /**
   * A fetch stopped on its first page leaves pages asked for ahead in both directions; they are
   * never handed on, and give their shares back once collected.
   */
  @Test
  void pagesAskedForAheadAndDroppedGiveTheirShareBack() throws Exception {
    PageBudget budget = PageBudget.unshared(4 * PAGE);
    client(budget)
        .fetchAll(
            small.accessToken(),
            EntityType.ENROLLMENTS,
            page -> {
              throw new StopPaging();
            });
    assertAllGivenBack(budget);
  }

  /**
   * Every share comes back: at once from pages handed on, and from a page dropped while it was
   * still arriving once it is collected.
   */
  private static void assertAllGivenBack(PageBudget budget) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (budget.available() < budget.records() && System.nanoTime() < deadline) {
      System.gc();
      sleep(50);
    }
    assertEquals(budget.records(), budget.available(), "every share given back");
  }

  /** A budget smaller than a page takes all of it for each page, and pages go on. */
  @Test
  void aBudgetSmallerThanAPageStillPagesEveryRecord() throws Exception {
    PageBudget budget = PageBudget.unshared(PAGE / 2);
    Map<String, JsonObject> byId = new ConcurrentHashMap<>();
    client(budget)
        .fetchAll(
            small.accessToken(),
            EntityType.ENROLLMENTS,
            page -> {
              for (JsonObject r : page) {
                assertNull(byId.put(r.get("id").getAsString(), r), "twice");
              }
            });
    assertEquals(
        sim.records(small.id(), TestSimulator.type(EntityType.ENROLLMENTS)).size(), byId.size());
    assertAllGivenBack(budget);
  }

  /**
   * A page that no one hands on or drops (one whose result came after its future was cancelled)
   * gives its share back once collected, and a page handed on gives it back once, however often.
   */
  @Test
  void aPageLostWithItsShareGivesItBackWhenCollected() throws Exception {
    PageBudget budget = PageBudget.unshared(10);
    Page handed = twoRecords();
    handed.hold(budget.take(10));
    assertEquals(8, budget.available(), "a page of two keeps two of what it took");
    handed.release();
    handed.release();
    assertEquals(10, budget.available());

    twoRecords().hold(budget.take(10));
    assertEquals(8, budget.available());
    assertAllGivenBack(budget);
  }

  private static Page twoRecords() throws java.io.IOException {
    String body =
        "{\"$data\":[{\"id\":\"0d6e8a53-3a8f-4a3e-9f61-0a5d1c3e2b11\"},"
            + "{\"id\":\"7c1f0f1e-2a4b-4c4d-8e8f-9a0b1c2d3e4f\"}]}";
    return PageParser.read(
            new java.io.ByteArrayInputStream(
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .page();
  }

  /**
   * While the next page comes (each answer takes 400 ms), nothing keeps the page just handed on:
   * neither the forward loop nor the backward one, whose page stayed referenced until the next one
   * arrived before 7e50c5e.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aPageHandedOnIsNotKeptWhileTheNextOneComes(boolean fromBothEnds) throws Exception {
    TestSimulator.slow(sim, small.id(), "people", 400);
    ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor();
    List<Future<Boolean>> collected = new CopyOnWriteArrayList<>();
    try {
      client(PageBudget.NONE, fromBothEnds)
          .fetchAll(
              small.accessToken(),
              EntityType.PEOPLE,
              page -> {
                WeakReference<Page> handed = new WeakReference<>(page);
                collected.add(
                    checker.schedule(
                        () -> {
                          System.gc();
                          return handed.get() == null;
                        },
                        150,
                        TimeUnit.MILLISECONDS));
              });
      assertTrue(collected.size() >= 4, "pages handed on: " + collected.size());
      for (Future<Boolean> c : collected) {
        assertTrue(c.get(), "a page handed on was still referenced 150 ms later");
      }
    } finally {
      checker.shutdownNow();
      sim.faults().clear();
    }
  }

  /**
   * A fetch's stats say how long its pages waited for their share, and how many were read over the
   * bound: a page asked for ahead waits while the page before holds the whole budget in its
   * handler, and is read over it once the handler takes longer than {@link PageBudget#WAIT_MILLIS}.
   */
  @Test
  void aFetchCountsItsWaitsForTheBudgetAndItsPagesReadOverIt() throws Exception {
    FetchStats waited = forwardWithHandlerTaking(PageBudget.unshared(PAGE), 300);
    assertTrue(waited.budgetWaitMillis() >= 100, "waited " + waited.budgetWaitMillis() + " ms");
    assertEquals(0, waited.pagesOverBudget());

    long slow = PageBudget.WAIT_MILLIS + 500;
    FetchStats over = forwardWithHandlerTaking(PageBudget.unshared(PAGE), slow);
    assertTrue(over.pagesOverBudget() >= 1, "pages over the budget: " + over.pagesOverBudget());
    assertTrue(
        over.budgetWaitMillis() >= PageBudget.WAIT_MILLIS,
        "waited " + over.budgetWaitMillis() + " ms");

    FetchStats none = forwardWithHandlerTaking(PageBudget.NONE, 300);
    assertEquals(0, none.budgetWaitMillis());
    assertEquals(0, none.pagesOverBudget());
  }

  /** Pages people forward, the handler taking {@code millis} over each of the first two pages. */
  private FetchStats forwardWithHandlerTaking(PageBudget budget, long millis) throws Exception {
    AtomicInteger handled = new AtomicInteger();
    FetchStats stats =
        client(budget, false)
            .fetchAll(
                small.accessToken(),
                EntityType.PEOPLE,
                page -> {
                  if (handled.incrementAndGet() <= 2) {
                    sleep(millis);
                  }
                });
    assertTrue(stats.pages() > 2, "pages: " + stats.pages());
    assertAllGivenBack(budget);
    return stats;
  }

  @Test
  void theSharedBudgetIsOnePerSizeAndPerCoreByDefault() {
    assertTrue(PageBudget.shared(12_345) == PageBudget.shared(12_345));
    assertTrue(PageBudget.shared(0) == PageBudget.NONE);
    assertEquals(
        PageBudget.RECORDS_PER_CORE * Runtime.getRuntime().availableProcessors(),
        PageBudget.shared(-1).records());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
