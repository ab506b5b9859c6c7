// nestjs-queued-tasks (working tree) with a handler that logs one line and
// reports progress twice per task: beside the no-op row in W3 and W3a, it
// shows what a task's reports cost a drain (issue 10: at least 0.8× the
// no-op drain).

import path from 'node:path';
import { oursSystem } from './_ours.js';

export default {
  ...oursSystem({
    id: 'queued-tasks-reporting',
    label: 'nestjs-queued-tasks, handler logs 1 line + 2 progress reports',
    rootDir: path.resolve(import.meta.dirname, '..', '..'),
    reporting: true,
  }),
  workloads: ['w3', 'w3a'],
  settings: 'as nestjs-queued-tasks; each handler calls currentTask().log.info() once and progress() twice',
};
