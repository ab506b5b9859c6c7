import type { Queryable } from './execution-log.js';

/** A task as the assertions read it from `queued_tasks.tasks`. */
export interface TaskState {
  id: string;
  state: string;
  attempts: number;
  run_at: Date;
  /** Times the task was taken back from a dead worker, whether that worker had started it or only claimed it. */
  rescues: number;
  errors: { name: string; attempt: number; message: string; at: string }[];
}

/** Every task of the queue's database, by id order. */
export function readTasks(queue: Queryable): Promise<TaskState[]> {
  return queue.query<TaskState & Record<string, unknown>>(
    `SELECT id::text, state, attempts, run_at, rescues, errors FROM queued_tasks.tasks ORDER BY id`,
  );
}

/** Count of tasks per state, e.g. `{ completed: 10000 }`. */
export async function countByState(queue: Queryable): Promise<Record<string, number>> {
  const rows = await queue.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM queued_tasks.tasks GROUP BY state`);
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}

/** Tasks with a `WorkerLostError` in their history: rescued from a worker presumed dead. */
export function rescuedTasks(tasks: readonly TaskState[]): TaskState[] {
  return tasks.filter((task) => task.errors.some((error) => error.name === 'WorkerLostError'));
}
