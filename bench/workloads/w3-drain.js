// W3 drain: N no-op tasks queued (bulk API), then one worker process with
// concurrency 10 drains them all.

import { measureDrain } from './_drain.js';

export default {
  id: 'w3',
  title: 'W3 — drain',
  describe: (c) => `${c.w3Tasks.toLocaleString('en')} no-op tasks queued first, then one worker process (concurrency ${c.concurrency}) drains them. tasks/s = tasks ÷ (first handler start → last completion committed). Exactly once = every task's handler ran once, none twice, all marked finished.`,
  metrics: [
    { key: 'tasksPerSec', label: 'tasks/s', better: 'higher', ratio: true, digits: 0 },
    { key: 'seconds', label: 'drain s', better: 'lower', digits: 2 },
    { key: 'exactlyOnce', label: 'exactly once', kind: 'check' },
  ],

  async measure(system, target, h) {
    await h.prefillQueued(system, target, { count: h.config.w3Tasks, batch: 1_000 });
    return measureDrain(system, target, h, { slice: h.config.w3Tasks, expectAllDone: true });
  },
};
