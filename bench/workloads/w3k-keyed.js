// W3k: W3 (w3-drain.js) with every task under a concurrency key: the same
// number of tasks, added with `concurrencyKey: 'k' + (i % keys)` (100 keys by
// default, round robin, so consecutive tasks have different keys), and the
// queue's default per-key limit (keyConcurrency 1: one task of a key at a
// time). Same worker (one process, concurrency 10), same table state as W3
// (never analyzed), same clock and exactly-once check, so W3k ÷ W3 is what
// per-key limits cost a drain. With 100 keys and 10 slots the limit itself
// seldom holds a task back; what is measured is the keyed claim path.
//
// Ours only: a system takes part by listing 'w3k' and having a producer with
// addManyKeyed(indexes, keyOf). The peers have no adapter for it yet (see
// `note` below for what they offer).

import { measureDrain } from './_drain.js';

export default {
  id: 'w3k',
  title: 'W3k — drain, 100 concurrency keys',
  describe: (c) =>
    `W3 with concurrency keys: ${c.w3Tasks.toLocaleString('en')} no-op tasks queued first (bulk API, batches of 1,000), task i with concurrencyKey 'k' + (i mod ${c.w3kKeys}), ` +
    `each key limited to one running task (the default keyConcurrency 1); the table is never analyzed, as in W3. One worker process (concurrency ${c.concurrency}) drains them. ` +
    `tasks/s = tasks ÷ (first handler start → all of them committed as finished); "÷ our W3" = this median ÷ our W3 median in the same run. Exactly once as in W3.`,
  metrics: [
    { key: 'tasksPerSec', label: 'tasks/s', better: 'higher', ratio: true, digits: 0 },
    { key: 'seconds', label: 'drain s', better: 'lower', digits: 2 },
    { key: 'exactlyOnce', label: 'exactly once', kind: 'check' },
  ],
  // The cross-workload column main.js adds: this row's median ÷ our W3 median.
  relativeToWorkload: { workload: 'w3', system: 'queued-tasks', metric: 'tasksPerSec', label: '÷ our W3' },
  note:
    'Ours only. The peers are not run in W3k, so there is no side-by-side figure here, although two of them have a comparable feature in their free versions: ' +
    "pg-boss 12 (job option group: { id }, worker option groupConcurrency, counted in the database across nodes) and graphile-worker (a job's queueName: jobs of one named queue run one at a time). " +
    "BullMQ's per-group concurrency is a BullMQ Pro feature.",

  async measure(system, target, h) {
    const keys = h.config.w3kKeys;
    await h.prefillQueued(system, target, { count: h.config.w3Tasks, batch: 1_000, keyOf: (i) => `k${i % keys}` });
    return measureDrain(system, target, h, { slice: h.config.w3Tasks, expectAllDone: true, analyze: false, clock: 'committed' });
  },
};
