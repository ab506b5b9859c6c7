// The drain measurement W3, W3a and W6 share. Tasks are already queued; one
// worker process (concurrency 10) starts; the clock starts at the first
// handler start (reported by the child, on the shared monotonic clock, so no
// library's boot time counts) and stops, with `clock`:
// - 'committed' (W3, W3a): when the database shows `slice` fewer unfinished
//   tasks, i.e. their completion is committed, not merely handled. The count
//   is cheap on a 20,000-row table.
// - 'handlers' (W6): at the `slice`-th handler start, reported by the child;
//   the stop clock never reads the table it measures (a count over W6's 1.2
//   million rows took 100–150 ms a poll). A system that commits completions
//   lazily gains its commit lag there, at most.
// Either way, after a graceful stop one final count checks that every task
// the handlers saw is committed as finished.
//
// `system.beforeDrain(target, { concurrency })`, when a system has it, runs
// before the settle (queue-limited variants configure their queue there).
//
// `analyze`: VACUUM ANALYZE first, as autovacuum leaves a long-lived table;
// without it the table is as a fresh burst leaves it, never analyzed.
//
// Exactly once: the child records every index its handlers saw; a duplicate,
// a missing task, or a handled task not committed as finished fails the check.

import { startWorkerProcess } from '../lib/worker-host.js';

export async function measureDrain(system, target, h, { slice, expectAllDone, analyze, clock }) {
  // A variant system's setup before its workers start (e.g. queue limits); untimed.
  await system.beforeDrain?.(target, { concurrency: h.config.concurrency });
  await h.settle(target, { analyze });
  const inspector = await system.inspector(target);
  let worker = null;
  try {
    const initial = await inspector.unfinished();
    worker = await startWorkerProcess({
      systemId: system.id,
      target,
      concurrency: h.config.concurrency,
      reachAt: slice,
      timeoutMs: h.config.measurementTimeoutMs,
    });
    const reached = await worker.reached();
    const end = clock === 'committed' ? (await h.waitUnfinished(inspector, initial - slice)).t : reached.at;
    const summary = await worker.stop();
    worker = null;
    const left = await inspector.unfinished();

    const problems = [];
    if (summary.duplicates) problems.push(`${summary.duplicates} tasks ran twice`);
    if (expectAllDone && summary.distinct !== slice) problems.push(`${summary.distinct} of ${slice} tasks ran`);
    const finished = initial - left;
    if (finished < summary.distinct) problems.push(`${summary.distinct - finished} task(s) ran but were not marked finished after the graceful stop (they would run again)`);
    if (finished > summary.distinct) problems.push(`${finished - summary.distinct} task(s) marked finished without their handler running`);
    const seconds = (end - reached.firstStart) / 1000;
    return {
      tasksPerSec: slice / seconds,
      seconds,
      peakRssMb: summary.peakRss / 2 ** 20,
      exactlyOnce: problems.length ? `FAILED: ${problems.join('; ')}` : 'ok',
    };
  } finally {
    worker?.kill();
    await inspector.close();
  }
}
