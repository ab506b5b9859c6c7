// W6 scale: W3 again, but on a table that already holds many finished tasks
// and a large queued backlog, as a queue does after weeks in production.
//
// Decision: only a W3-sized slice is timed. Draining the whole backlog would
// cost minutes per system and round; instead the worker drains the oldest
// `w6Slice` tasks of the backlog (the same count as W3), the clock stops at
// the slice's last handler start as the worker child reports it (never by
// counting the 1.2-million-row table), and the worker is stopped gracefully.
// The exactly-once check then covers every task the worker touched.

import { measureDrain } from './_drain.js';

export default {
  id: 'w6',
  title: 'W6 — drain at scale',
  template: 'w6',
  describe: (c) =>
    `The table already holds ${c.w6Finished.toLocaleString('en')} finished tasks (inserted with SQL generate_series in each system's own layout) and ${c.w6Queued.toLocaleString('en')} queued tasks (each system's bulk API, batches of 10,000), then VACUUM ANALYZE. ` +
    `One worker process (concurrency ${c.concurrency}) drains the oldest ${c.w6Slice.toLocaleString('en')} of the backlog (a W3-sized slice; the rest stays queued) and tasks/s is timed from the first to the last handler start of the slice, by the worker child (counting the table would cost 100–150 ms a poll); a final count after a graceful stop checks the commits. W6 ÷ W3a (both analyzed) = how much of its speed a system keeps at scale.`,
  metrics: [
    { key: 'tasksPerSec', label: 'tasks/s', better: 'higher', ratio: true, digits: 0 },
    { key: 'exactlyOnce', label: 'exactly once', kind: 'check' },
  ],

  measure: (system, target, h) => measureDrain(system, target, h, { slice: h.config.w6Slice, expectAllDone: false, analyze: true, clock: 'handlers' }),
};
