/**
 * The record of every handler run of a fault scenario, and what it proves.
 *
 * Worker processes write one row when a handler starts and complete it when
 * the handler ends (see execution-recorder.ts). The table lives in the test
 * file's own database on the shared test server, which no fault touches,
 * while the queue runs on the scenario's own server or behind a proxy: a
 * fault can never erase the evidence of what it did.
 *
 * Times are the worker's clock (`Date.now()` when the handler started and
 * ended), the same clock as the kill times the test records, so the two can
 * be compared.
 */

/** Anything that runs SQL: a TestDatabase, an OwnPostgres. */
export interface Queryable {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
}

export const EXECUTIONS_TABLE = 'public.fault_executions';

/** How a handler run ended. */
export type ExecutionOutcome = 'completed' | 'aborted' | 'failed';

/** One handler run. */
export interface Execution {
  id: number;
  task_id: string;
  /** `currentTask().attempt` as the handler saw it. */
  attempt: number;
  pid: number;
  worker_id: string;
  started_at: Date;
  /** Null: the handler never ended (its process was killed) or its end could not be recorded. */
  finished_at: Date | null;
  outcome: ExecutionOutcome | null;
}

/**
 * When a killed worker process stopped running handlers. `sentAt`: just
 * after the signal was sent; `diedAt`: when its exit was observed (later).
 */
export interface KillTime {
  sentAt: number;
  diedAt: number;
}

/** Kill times by pid. */
export type KillTimes = ReadonlyMap<number, KillTime>;

/**
 * Creates the log. UNLOGGED and written with `synchronous_commit = off` by the
 * workers: the log server is not crashed by any scenario, and thousands of
 * fsyncs would slow the drain being measured.
 */
export async function createExecutionLog(db: Queryable): Promise<void> {
  await db.query(`
    CREATE UNLOGGED TABLE IF NOT EXISTS ${EXECUTIONS_TABLE} (
      id bigserial PRIMARY KEY,
      task_id bigint NOT NULL,
      attempt integer NOT NULL,
      pid integer NOT NULL,
      worker_id text NOT NULL,
      started_at timestamptz NOT NULL,
      finished_at timestamptz,
      outcome text)`);
}

export async function readExecutions(db: Queryable): Promise<Execution[]> {
  const rows = await db.query<Execution & Record<string, unknown>>(
    `SELECT id::int, task_id::text, attempt, pid, worker_id, started_at, finished_at, outcome
     FROM ${EXECUTIONS_TABLE} ORDER BY started_at, id`,
  );
  return rows;
}

/** Ids of `taskIds` with no run that completed: work that was accepted and never done. */
export function lostTasks(taskIds: Iterable<string>, runs: readonly Execution[]): string[] {
  const done = new Set(runs.filter((run) => run.outcome === 'completed').map((run) => run.task_id));
  return [...taskIds].filter((id) => !done.has(id));
}

/** End of a run for overlap purposes: its recorded end; else the death of its process; else never. */
function effectiveEnd(run: Execution, kills: KillTimes): number {
  if (run.finished_at) return run.finished_at.getTime();
  return kills.get(run.pid)?.diedAt ?? Infinity;
}

/**
 * Pairs of runs of the same task whose [start, end] intervals intersect: the
 * task ran twice at once. A run with no end lasted until its process died
 * (`kills`), so it overlaps any run of its task that started before that; a
 * run with no end in a process never killed lasts for ever, which overlaps
 * every later run of its task.
 */
export function overlappingExecutions(runs: readonly Execution[], kills: KillTimes): [Execution, Execution][] {
  const byTask = groupByTask(runs);
  const pairs: [Execution, Execution][] = [];
  for (const taskRuns of byTask.values()) {
    for (let i = 0; i < taskRuns.length; i++) {
      for (let j = i + 1; j < taskRuns.length; j++) {
        const a = taskRuns[i]!;
        const b = taskRuns[j]!;
        if (a.started_at.getTime() < effectiveEnd(b, kills) && b.started_at.getTime() < effectiveEnd(a, kills)) pairs.push([a, b]);
      }
    }
  }
  return pairs;
}

/** The most runs in progress at once in each process (ended runs count until their end, killed ones until the death). */
export function maxConcurrencyByPid(runs: readonly Execution[], kills: KillTimes): Map<number, number> {
  const events = new Map<number, [number, number][]>();
  for (const run of runs) {
    const list = events.get(run.pid) ?? [];
    // An end sorts before a start at the same instant: a slot freed and reused in the same millisecond is one slot.
    list.push([run.started_at.getTime(), 1], [effectiveEnd(run, kills), -1]);
    events.set(run.pid, list);
  }
  const result = new Map<number, number>();
  for (const [pid, list] of events) {
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let current = 0;
    let max = 0;
    for (const [, delta] of list) {
      current += delta;
      max = Math.max(max, current);
    }
    result.set(pid, max);
  }
  return result;
}

/** A run cut short by the death of its process, and how long its task waited to run again. */
export interface OrphanRestart {
  orphan: Execution;
  /** When the signal was sent; undefined when the process was not killed by the test. */
  killedAt: number | undefined;
  /** First later run of the same task. */
  restart: Execution | undefined;
  /** `restart.started_at - killedAt`, or undefined. */
  delayMs: number | undefined;
}

/** Every run with no end, with the first later run of its task. */
export function orphanRestarts(runs: readonly Execution[], kills: KillTimes): OrphanRestart[] {
  const byTask = groupByTask(runs);
  return runs
    .filter((run) => run.finished_at === null)
    .map((orphan) => {
      const killedAt = kills.get(orphan.pid)?.sentAt;
      const restart = byTask
        .get(orphan.task_id)!
        .find((run) => run.id !== orphan.id && run.started_at.getTime() >= orphan.started_at.getTime() && run.started_at.getTime() > (killedAt ?? -Infinity));
      return {
        orphan,
        killedAt,
        restart,
        delayMs: restart && killedAt !== undefined ? restart.started_at.getTime() - killedAt : undefined,
      };
    });
}

/** Runs per task, in start order. */
export function groupByTask(runs: readonly Execution[]): Map<string, Execution[]> {
  const byTask = new Map<string, Execution[]>();
  for (const run of runs) {
    const list = byTask.get(run.task_id) ?? [];
    list.push(run);
    byTask.set(run.task_id, list);
  }
  for (const list of byTask.values()) list.sort((a, b) => a.started_at.getTime() - b.started_at.getTime() || a.id - b.id);
  return byTask;
}

/** One line per run, for failure messages. */
export function describeRuns(runs: readonly Execution[]): string {
  return runs
    .map(
      (run) =>
        `task ${run.task_id} attempt ${run.attempt} pid ${run.pid} ${run.started_at.toISOString()} → ${run.finished_at?.toISOString() ?? '(no end)'} ${run.outcome ?? ''}`,
    )
    .join('\n');
}
