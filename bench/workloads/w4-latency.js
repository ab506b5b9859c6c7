// W4 pickup latency: an idle worker process; tasks arrive one every 20 ms;
// latency = handler start (in the worker child) − the moment add() returned
// (in the parent). Both stamps come from the system-wide monotonic clock.
// A negative value means the worker started the task before the producer got
// its commit acknowledgement. Also samples the idle worker's RSS (for W7).

import { nowMs, sleep } from '../lib/clock.js';
import { percentile } from '../lib/stats.js';
import { startWorkerProcess } from '../lib/worker-host.js';

const WARMUP = 3;
const WARMUP_BASE = 1_000_000_000;

export default {
  id: 'w4',
  title: 'W4 — pickup latency',
  describe: (c) => `Idle worker process (concurrency ${c.concurrency}); ${c.w4Tasks} tasks added one every ${c.w4IntervalMs} ms. Latency = handler start − add() returned, in ms (lower is better).`,
  metrics: [
    { key: 'p50', label: 'p50 ms', better: 'lower', ratio: true, digits: 2 },
    { key: 'p95', label: 'p95 ms', better: 'lower', digits: 2 },
    { key: 'p99', label: 'p99 ms', better: 'lower', ratio: true, digits: 2 },
    { key: 'max', label: 'max ms', better: 'lower', digits: 1 },
  ],

  async measure(system, target, h) {
    const { w4Tasks: total, w4IntervalMs: interval } = h.config;
    await h.settle(target);
    const worker = await startWorkerProcess({
      systemId: system.id,
      target,
      concurrency: h.config.concurrency,
      reachAt: WARMUP + total,
      recordStarts: true,
      timeoutMs: h.config.measurementTimeoutMs,
    });
    let stopped = false;
    const producer = await system.producer(target, { connections: 2 });
    try {
      // Warm both sides up (connections, prepared statements), then let the worker go idle.
      for (let k = 0; k < WARMUP; k++) await producer.add(WARMUP_BASE + k);
      const warmDeadline = nowMs() + 30_000;
      while ((await worker.count()).handled < WARMUP) {
        if (nowMs() > warmDeadline) throw new Error('warm-up tasks were not picked up within 30 s');
        await sleep(20);
      }
      await sleep(1000);
      const idleRssMb = (await worker.rss()) / 2 ** 20;
      await h.checkpoint();
      await sleep(200);

      const returned = new Float64Array(total);
      const start = nowMs();
      for (let i = 0; i < total; i++) {
        const wait = start + i * interval - nowMs();
        if (wait > 0) await sleep(wait);
        await producer.add(i);
        returned[i] = nowMs();
      }
      await worker.reached();
      const summary = await worker.stop();
      stopped = true;

      const latencies = [];
      for (let k = 0; k < summary.starts.length; k += 2) {
        const i = summary.starts[k];
        if (i >= 0 && i < total) latencies.push(summary.starts[k + 1] - returned[i]);
      }
      if (latencies.length !== total) throw new Error(`${latencies.length} of ${total} tasks started`);
      return {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        max: Math.max(...latencies),
        idleRssMb,
      };
    } finally {
      await producer.close();
      if (!stopped) worker.kill();
    }
  },
};
