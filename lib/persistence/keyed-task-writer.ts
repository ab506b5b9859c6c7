import { QueueDatabaseError } from '../errors/queue-database.error.js';
import type { QueryOn } from './queue-database.js';
import { debounceTaskValues } from './sql/debounce-task.sql.js';
import { insertKeyedTaskValues } from './sql/insert-keyed-task.sql.js';
import { insertTasksValues, type NewTaskRow } from './sql/insert-tasks.sql.js';
import type { TaskKey } from './sql/task-key.sql.js';
import type { TaskStatements } from './task-statements.js';

/**
 * Rounds of one keyed add at most. A round ends without an answer only when
 * another transaction changed the key's holder meanwhile (it committed a
 * holder after this round's snapshot, or this round found a lapsed hold to
 * release), and each such round sees that change in the next: two or three
 * rounds settle the contention of producers alone (8 producers in 2
 * processes on one key, test/unique-keys.spec.ts). A worker claiming the
 * holder of a debounce key as fast as it is pushed can make each round lose
 * once more: 10 rounds were once not enough in CI, under the full suite's
 * load (test/unique-keys-race.spec.ts). Past a few rounds each one waits a
 * moment, jittered, so that the racers fall out of step.
 */
const MAX_ROUNDS = 50;
/** Rounds without a pause; later ones wait 1–4 ms first. */
const ROUNDS_WITHOUT_PAUSE = 5;

/** A task as written: new, or the one holding the key (`deduplicated`; for a debounce, moved to its new run time). */
export interface WrittenTask {
  id: string;
  run_at: Date;
  deduplicated: boolean;
  /** The holder's queue, which a later call's options do not change. Absent for a task of a plain insert (the row's own). */
  queue?: string;
}

type Statements = Pick<TaskStatements, 'insertKeyedTask' | 'debounceTask' | 'releaseTaskKey' | 'insertTasks'>;

interface Found extends WrittenTask {
  /** False when the row found no longer holds its key: release it and try again. */
  holds: boolean;
}

/**
 * Adds a task with a unique, debounce or throttle key, or finds the task
 * holding that key (see insert-keyed-task.sql.ts and debounce-task.sql.ts
 * for the statements, and why one round may end without an answer).
 * Each statement is atomic on its own, so the rounds need no transaction of
 * their own; `query` may still be one's (see {@link writeTasksInOrder}).
 */
export async function writeKeyedTask(query: QueryOn, statements: Statements, row: NewTaskRow & { key: TaskKey }): Promise<WrittenTask> {
  const debounce = row.key.kind === 'debounce';
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (round >= ROUNDS_WITHOUT_PAUSE) await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 3));
    const [found] = debounce
      ? await query<Found>(statements.debounceTask, debounceTaskValues(row))
      : await query<Found>(statements.insertKeyedTask, insertKeyedTaskValues(row));
    if (!found) continue;
    if (found.holds) return { id: found.id, run_at: found.run_at, deduplicated: found.deduplicated, queue: found.queue };
    await query(statements.releaseTaskKey, [found.id]);
  }
  throw new QueueDatabaseError(`the ${row.key.kind} key of a "${row.name}" task changed hands ${MAX_ROUNDS} times during one add`, undefined);
}

/**
 * Writes `rows` through `query` (the connection of one transaction), in
 * their order: each run of rows without a key in one multi-row INSERT, as
 * `addMany` always does, each keyed row on its own. Ids then follow the
 * rows' order, which is the claim order of tasks of equal priority and run
 * time, and a key repeated within the rows is deduplicated against the
 * earlier row, which this transaction's own statements see.
 */
export async function writeTasksInOrder(query: QueryOn, statements: Statements, rows: readonly NewTaskRow[]): Promise<WrittenTask[]> {
  const written: WrittenTask[] = [];
  let plain: NewTaskRow[] = [];
  const flushPlain = async () => {
    if (plain.length === 0) return;
    const inserted = await query<{ id: string; run_at: Date }>(statements.insertTasks, insertTasksValues(plain));
    for (const row of inserted) written.push({ ...row, deduplicated: false });
    plain = [];
  };
  for (const row of rows) {
    if (!row.key) {
      plain.push(row);
      continue;
    }
    await flushPlain();
    written.push(await writeKeyedTask(query, statements, row as NewTaskRow & { key: TaskKey }));
  }
  await flushPlain();
  return written;
}
