package org.rostersync.sandbox.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.rostersync.edlink.EntityType;

/**
 * Runs one task per entity type on a fixed pool, as the pipeline spreads types over its worker
 * threads.
 */
final class PerType {
  interface Task {
    long run(EntityType type) throws Exception;
  }

  private PerType() {}

  /** The sum of the tasks' results; the first failure fails the whole run. */
  static long sum(int threads, Task task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (EntityType type : EntityType.values()) {
        results.add(pool.submit(() -> task.run(type)));
      }
      long total = 0;
      for (Future<Long> f : results) {
        try {
          total += f.get();
        } catch (ExecutionException e) {
          throw e.getCause() instanceof Exception cause ? cause : e;
        }
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }
}
