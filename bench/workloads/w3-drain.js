// W3 drain: N no-op tasks queued (bulk API), then one worker process with
// concurrency 10 drains them all, on a table never analyzed (a fresh burst,
// before autoanalyze). W3a (w3-analyzed.js) is the same on an analyzed table.

import { measureDrain } from './_drain.js';

/** The drain of a W3-sized backlog; `analyze` runs VACUUM ANALYZE first, `table` says how the table is left. */
export function drainWorkload({ id, title, analyze, table }) {
  return {
    id,
    title,
    describe: (c) =>
      `${c.w3Tasks.toLocaleString('en')} no-op tasks queued first (${table}), then one worker process (concurrency ${c.concurrency}) drains them. ` +
      `tasks/s = tasks ÷ (first handler start → all of them committed as finished). Exactly once = every task's handler ran once, none twice, all committed as finished after a graceful stop.`,
    metrics: [
      { key: 'tasksPerSec', label: 'tasks/s', better: 'higher', ratio: true, digits: 0 },
      { key: 'seconds', label: 'drain s', better: 'lower', digits: 2 },
      { key: 'exactlyOnce', label: 'exactly once', kind: 'check' },
    ],

    async measure(system, target, h) {
      await h.prefillQueued(system, target, { count: h.config.w3Tasks, batch: 1_000 });
      return measureDrain(system, target, h, { slice: h.config.w3Tasks, expectAllDone: true, analyze, clock: 'committed' });
    },
  };
}

export default drainWorkload({ id: 'w3', title: 'W3 — drain', analyze: false, table: 'a fresh burst: the table is never analyzed' });
