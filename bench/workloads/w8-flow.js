// W8 flows: graphs of 10 parents -> 1 child (fan-in), written through each
// system's flow API by 8 concurrent producers while one worker process
// (concurrency 10) runs them. graphs/s = graphs ÷ (first add -> last child's
// handler start): every child runs only once its 10 parents completed, so
// the last child's start is the end of the last graph. Systems without a
// flow API (pg-boss, graphile-worker) are not part of it.

import { nowMs } from '../lib/clock.js';
import { produceFixed } from '../lib/producers.js';
import { startWorkerProcess } from '../lib/worker-host.js';

const PARENTS = 10;

export default {
  id: 'w8',
  title: 'W8 — flows (fan-in)',
  describe: (c) =>
    `${c.w8Graphs} graphs of ${PARENTS} parents → 1 child, added through each system's flow API by ${c.producers} concurrent producers while one worker process (concurrency ${c.concurrency}) runs them. graphs/s = graphs ÷ (first add → last child started); a child may start only after its ${PARENTS} parents completed.`,
  metrics: [
    { key: 'graphsPerSec', label: 'graphs/s', better: 'higher', ratio: true, digits: 0 },
    { key: 'addP50', label: 'flow add p50 ms', better: 'lower', digits: 2 },
  ],

  async measure(system, target, h) {
    const { w8Graphs: graphs, producers } = h.config;
    await h.settle(target);
    const size = PARENTS + 1;
    const worker = await startWorkerProcess({
      systemId: system.id,
      target,
      concurrency: h.config.concurrency,
      reachAt: graphs * size,
      timeoutMs: h.config.measurementTimeoutMs,
    });
    let stopped = false;
    const producer = await system.producer(target, { connections: producers });
    try {
      await h.checkpoint();
      const start = nowMs();
      // Graph g: parents g*11 .. g*11+9, child g*11+10.
      const { latencies } = await produceFixed({ total: graphs, producers, call: (g) => producer.addFlow(g * size, PARENTS) });
      const reached = await worker.reached();
      await worker.stop();
      stopped = true;
      const sorted = [...latencies].sort((a, b) => a - b);
      return { graphsPerSec: graphs / ((reached.at - start) / 1000), addP50: sorted[Math.floor(sorted.length / 2)] };
    } finally {
      await producer.close();
      if (!stopped) worker.kill();
    }
  },
};
