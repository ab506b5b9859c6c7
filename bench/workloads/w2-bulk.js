// W2 bulk enqueue: N tasks through each system's bulk API (addMany, insert,
// addJobs, addBulk), one batch in flight at a time.

import { nowMs } from '../lib/clock.js';
import { percentile } from '../lib/stats.js';

const WARMUP_BASE = 1_000_000_000;

export default {
  id: 'w2',
  title: 'W2 — bulk enqueue',
  describe: (c) => `${c.w2Tasks.toLocaleString('en')} tasks in batches of ${c.w2Batch.toLocaleString('en')} through each system's bulk API, one batch at a time. tasks/s = tasks ÷ wall time; batch p50 = latency of one bulk call.`,
  metrics: [
    { key: 'tasksPerSec', label: 'tasks/s', better: 'higher', ratio: true, digits: 0 },
    { key: 'batchP50', label: 'batch p50 ms', better: 'lower', digits: 1 },
  ],

  async measure(system, target, h) {
    const { w2Tasks: total, w2Batch: batch } = h.config;
    const producer = await system.producer(target, { connections: h.config.producers });
    try {
      await producer.addMany(Array.from({ length: 10 }, (_, k) => WARMUP_BASE + k));
      await h.checkpoint();
      const batchTimes = [];
      const start = nowMs();
      for (let from = 0; from < total; from += batch) {
        const indexes = Array.from({ length: Math.min(batch, total - from) }, (_, k) => from + k);
        const t = nowMs();
        await producer.addMany(indexes);
        batchTimes.push(nowMs() - t);
      }
      const elapsedMs = nowMs() - start;
      return { tasksPerSec: total / (elapsedMs / 1000), batchP50: percentile(batchTimes, 50) };
    } finally {
      await producer.close();
    }
  },
};
