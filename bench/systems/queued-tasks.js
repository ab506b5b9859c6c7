// nestjs-queued-tasks (ours) as built from the working tree (see _ours.js).

import path from 'node:path';
import { oursSystem } from './_ours.js';

const ours = oursSystem({
  id: 'queued-tasks',
  label: 'nestjs-queued-tasks (ours)',
  rootDir: path.resolve(import.meta.dirname, '..', '..'),
});

// W3k (concurrency keys) only for this build: a BASELINE_REF commit may
// predate the concurrencyKey option.
export default { ...ours, workloads: [...ours.workloads, 'w3k'] };
