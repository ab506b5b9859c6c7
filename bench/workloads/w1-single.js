// W1 single enqueue: N tasks, one add() per call, from 8 concurrent producers
// sharing one client (8 connections where the library has a pool).

import { percentile } from '../lib/stats.js';
import { produceFixed } from '../lib/producers.js';

const WARMUP_BASE = 1_000_000_000; // warm-up tasks get indexes no workload uses

export default {
  id: 'w1',
  title: 'W1 — single enqueue',
  describe: (c) => `${c.w1Tasks.toLocaleString('en')} tasks, one add() per call, ${c.producers} concurrent producers. tasks/s = tasks ÷ wall time; p50/p99 = latency of one add() call until it resolved (row committed).`,
  metrics: [
    { key: 'tasksPerSec', label: 'tasks/s', better: 'higher', ratio: true, digits: 0 },
    { key: 'p50', label: 'call p50 ms', better: 'lower', digits: 2 },
    { key: 'p99', label: 'call p99 ms', better: 'lower', ratio: true, digits: 2 },
  ],

  async measure(system, target, h) {
    const { w1Tasks: total, producers } = h.config;
    const producer = await system.producer(target, { connections: producers });
    try {
      // One call per producer first, so pool connections and prepared statements exist.
      await Promise.all(Array.from({ length: producers }, (_, k) => producer.add(WARMUP_BASE + k)));
      await h.checkpoint();
      const { elapsedMs, latencies } = await produceFixed({ total, producers, call: (i) => producer.add(i) });
      return {
        tasksPerSec: total / (elapsedMs / 1000),
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
      };
    } finally {
      await producer.close();
    }
  },
};
