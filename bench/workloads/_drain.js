// The drain measurement W3 and W6 share. Tasks are already queued; one worker
// process (concurrency 10) starts; the clock runs from the first handler start
// (reported by the child, so no library's boot time counts) until the
// database shows `slice` fewer unfinished tasks, i.e. until their completion
// is committed, not merely until the handlers ran.
//
// Exactly once: the child records every index its handlers saw; a duplicate,
// a missing task, or a handled task not committed as finished fails the check.

import { startWorkerProcess } from '../lib/worker-host.js';

export async function measureDrain(system, target, h, { slice, expectAllDone }) {
  await h.settle(target);
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
    const done = await h.waitUnfinished(inspector, initial - slice);
    const summary = await worker.stop();
    worker = null;
    const left = await inspector.unfinished();

    const problems = [];
    if (summary.duplicates) problems.push(`${summary.duplicates} tasks ran twice`);
    if (expectAllDone && summary.distinct !== slice) problems.push(`${summary.distinct} of ${slice} tasks ran`);
    const finished = initial - left;
    if (finished < summary.distinct) problems.push(`${summary.distinct - finished} task(s) ran but were not marked finished after the graceful stop (they would run again)`);
    if (finished > summary.distinct) problems.push(`${finished - summary.distinct} task(s) marked finished without their handler running`);
    const seconds = (done.t - reached.firstStart) / 1000;
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
