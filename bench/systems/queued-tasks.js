// nestjs-queued-tasks (ours) as built from the working tree (see _ours.js).

import path from 'node:path';
import { oursSystem } from './_ours.js';

export default oursSystem({
  id: 'queued-tasks',
  label: 'nestjs-queued-tasks (ours)',
  rootDir: path.resolve(import.meta.dirname, '..', '..'),
});
