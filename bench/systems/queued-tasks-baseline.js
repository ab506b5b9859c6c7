// nestjs-queued-tasks as built from BASELINE_REF (see run.js, which builds the
// commit into bench/.baseline/<commit> and passes the folder on), run beside
// the working tree's build so that a change is compared with its parent in
// one run.

import { oursSystem } from './_ours.js';

const dir = process.env.QT_BENCH_BASELINE_DIR || null;
const ref = process.env.QT_BENCH_BASELINE_LABEL || process.env.BASELINE_REF || '';

export default {
  ...oursSystem({
    id: 'queued-tasks-baseline',
    label: `nestjs-queued-tasks @ ${ref || 'baseline'}`,
    rootDir: dir,
    unavailable: dir ? null : 'set BASELINE_REF=<commit> to run a given commit beside the working tree',
  }),
  kind: 'baseline',
  version: () => ref,
};
