// W5 sustained: 8 producers add tasks one by one as fast as they can for a
// fixed time while one worker process (concurrency 10) consumes. Reports
// both rates and the backlog left at the end (enqueued faster than drained).

import { nowMs, sleep } from '../lib/clock.js';
import { produceFor } from '../lib/producers.js';
import { startWorkerProcess } from '../lib/worker-host.js';

const WARMUP_BASE = 1_000_000_000;

export default {
  id: 'w5',
  title: 'W5 — sustained load',
  describe: (c) => `${c.producers} producers call add() as fast as they can for ${c.w5Seconds} s while one worker process (concurrency ${c.concurrency}) consumes. completed/s = handlers run in the window ÷ window; backlog = tasks still queued or running at the end.`,
  metrics: [
    { key: 'completedPerSec', label: 'completed/s', better: 'higher', ratio: true, digits: 0 },
    { key: 'enqueuedPerSec', label: 'enqueued/s', better: 'higher', ratio: true, digits: 0 },
    { key: 'backlog', label: 'backlog at end', better: 'lower', digits: 0 },
  ],

  async measure(system, target, h) {
    const { producers, w5Seconds } = h.config;
    await h.settle(target);
    const worker = await startWorkerProcess({
      systemId: system.id,
      target,
      concurrency: h.config.concurrency,
      timeoutMs: h.config.measurementTimeoutMs,
    });
    let stopped = false;
    const producer = await system.producer(target, { connections: producers });
    const inspector = await system.inspector(target);
    try {
      await Promise.all(Array.from({ length: producers }, (_, k) => producer.add(WARMUP_BASE + k)));
      const warmDeadline = nowMs() + 30_000;
      while ((await worker.count()).handled < producers) {
        if (nowMs() > warmDeadline) throw new Error('warm-up tasks were not picked up within 30 s');
        await sleep(20);
      }
      await h.checkpoint();

      const before = await worker.count();
      const { enqueued } = await produceFor({ durationMs: w5Seconds * 1000, producers, call: (i) => producer.add(i) });
      const after = await worker.count();
      const backlog = await inspector.unfinished();
      await worker.stop();
      stopped = true;
      const windowS = (after.t - before.t) / 1000;
      return {
        completedPerSec: (after.handled - before.handled) / windowS,
        enqueuedPerSec: enqueued / w5Seconds,
        backlog,
      };
    } finally {
      await inspector.close();
      await producer.close();
      if (!stopped) worker.kill();
    }
  },
};
