import type { TaskExecutionOptions } from './task-options.interface.js';
import type { TaskArgsOf, TaskName } from './task-registry.interface.js';

/**
 * What a schedule does with slots that fell due more than `graceMs` ago
 * (every instance was down, or the schedule's last slot was set back):
 * - `'skip'`: none of them runs; the schedule goes on with its next slot.
 * - `'once'`: one run, for the latest of them.
 * - `'all'`: a run for each of them, the latest `backfillLimit`, oldest first.
 *
 * Slots less than `graceMs` old (a leader hand-over, a short outage) always run.
 */
export type MissedRunPolicy = 'skip' | 'once' | 'all';

/**
 * When a schedule fires: a cron pattern (5 fields, or 6 with seconds first)
 * in a time zone, or a fixed period. Exactly one of `cron` and `everyMs`.
 */
export interface ScheduleTimingOptions {
  /** A cron pattern: `'0 9 * * 1-5'`, `'*\/15 * * * *'`, or with seconds `'*\/10 * * * * *'`. Exclusive with `everyMs`. */
  cron?: string;
  /** IANA time zone the cron pattern is read in (`'Europe/Paris'`). Only with `cron`. @default 'UTC' */
  timezone?: string;
  /**
   * A fixed period in ms. Slots are the multiples of it since the Unix epoch
   * (`60_000` fires at every full minute), so every instance agrees on them.
   * An integer from 100 to 2,147,483,647. Exclusive with `cron`.
   */
  everyMs?: number;
}

/** How a schedule treats slots it could not fire on time, and what each run's task looks like. */
export interface ScheduleRunOptions extends TaskExecutionOptions, ScheduleTimingOptions {
  /** See {@link MissedRunPolicy}. @default 'once' */
  missed?: MissedRunPolicy;
  /** With `missed: 'all'`, how many missed slots run at most (the latest ones). An integer from 1 to 10,000. @default 100 */
  backfillLimit?: number;
  /**
   * Slots that fell due less than this many ms ago always run, whatever
   * `missed` says: those missed while the maintenance lead changed hands.
   * An integer from 0 to 2,147,483,647. @default 60_000
   */
  graceMs?: number;
}

/** Options of `@Schedule()`. The task's own options (`@QueuedTask()`, module `defaults`) apply under these. */
export interface ScheduleOptions extends ScheduleRunOptions {
  /** The schedule's key, unique among schedules: 1 to 200 characters, no control characters. @default the task's name */
  key?: string;
  /** Arguments each run gets (JSON values). @default [] */
  args?: readonly unknown[];
}

/** A schedule written at run time through `TaskSchedules.upsert`. */
export type ScheduleDefinition<N extends TaskName = TaskName> = ScheduleRunOptions & {
  /**
   * The task to run, by its registered name. It may be registered only in
   * other processes (this one may enqueue without running workers).
   */
  task: N;
  /** Arguments each run gets (JSON values). @default [] */
  args?: TaskArgsOf<N>;
};

/** A stored schedule, as `TaskSchedules.list()` returns it. */
export interface ScheduleInfo {
  key: string;
  task: string;
  args: unknown[];
  cron: string | null;
  timezone: string | null;
  everyMs: number | null;
  queue: string;
  priority: number;
  maxAttempts: number;
  timeoutMs: number | null;
  missed: MissedRunPolicy;
  backfillLimit: number;
  graceMs: number;
  /** Declared by `@Schedule()` (rewritten at each bootstrap) rather than written through `TaskSchedules`. */
  declared: boolean;
  /** Paused through `TaskSchedules.pause`: it fires nothing until resumed. */
  paused: boolean;
  /** Declared, then removed from the code of a process that runs its task: it fires nothing until declared again. */
  disabled: boolean;
  /** Every slot up to this instant was fired (or skipped by the missed-run policy). */
  lastSlot: Date;
  /** The next slot after now and `lastSlot`; null when the pattern has none. */
  nextRun: Date | null;
}
