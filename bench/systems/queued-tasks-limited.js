// nestjs-queued-tasks (working tree) draining a limited queue: before each
// drain the 'default' queue is configured with TaskQueues.configure({
// globalConcurrency: <worker concurrency> }), so every claim goes through the
// controlled path (one claim at a time per queue cluster-wide, for free slots
// only) although the limit itself never holds the single worker back. Beside
// the unlimited row in W3 and W3a it shows what a limited queue costs a drain
// (issue 11: at least 0.5× the unlimited drain).

import path from 'node:path';
import { oursSystem } from './_ours.js';

export default {
  ...oursSystem({
    id: 'queued-tasks-limited',
    label: 'nestjs-queued-tasks, limited queue (globalConcurrency = worker concurrency)',
    rootDir: path.resolve(import.meta.dirname, '..', '..'),
    queueLimits: (concurrency) => ({ globalConcurrency: concurrency }),
  }),
  workloads: ['w3', 'w3a'],
  settings: "as nestjs-queued-tasks; before each drain TaskQueues.configure('default', { globalConcurrency: <worker concurrency> })",
  // Printed under the W3 and W3a tables: its median ÷ the unlimited row's, same run.
  relativeTo: { system: 'queued-tasks', metric: 'tasksPerSec', what: 'of the unlimited drain (ours, same run)', target: 0.5 },
};
