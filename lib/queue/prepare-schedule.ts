import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { slotClock, type ScheduleTiming } from '../config/schedule-timing.js';
import { validateScheduleRun, validateScheduleText } from '../config/validate-schedule.js';
import type { TaskRegistry } from '../discovery/task-registry.js';
import type { ScheduleInfo, ScheduleRunOptions } from '../interfaces/schedule-options.interface.js';
import type { NewScheduleRow, ScheduleRow } from '../persistence/schedule-store.js';
import { DEFAULT_BACKOFF, DEFAULT_SCHEDULE_TIMEZONE } from '../queued-tasks.constants.js';
import { argsToJson } from './json-value.js';
import { resolveTaskOptions } from './resolve-task-options.js';

/** A schedule as `@Schedule()` or `upsert` gives it, before any check. */
export interface ScheduleRequest extends ScheduleRunOptions {
  key: unknown;
  task: unknown;
  args?: readonly unknown[];
}

/**
 * Checks a schedule and builds its row; nothing is written before this
 * returns. Task options resolve as for `add`: the schedule's own, then the
 * task's `@QueuedTask()` options when this process registers the task, then
 * the module defaults. They are stored resolved, so every run is the same
 * task whichever process fires it.
 *
 * @throws InvalidScheduleError, InvalidTaskOptionsError, TaskSerializationError
 */
export function prepareSchedule(
  request: ScheduleRequest,
  registry: TaskRegistry,
  config: ResolvedQueuedTasksConfig,
  declared: boolean,
  where: string,
): NewScheduleRow {
  const key = validateScheduleText('key', request.key, where);
  const task = validateScheduleText('task', request.task, where);
  const run = validateScheduleRun(request, where);
  const { queue, priority, maxAttempts, backoff, timeoutMs } = request;
  const options = resolveTaskOptions({ queue, priority, maxAttempts, backoff, timeoutMs }, registry.findByName(task)?.options ?? {}, config.defaults, where);
  return {
    key,
    task,
    args: argsToJson(request.args ?? [], 'args'),
    ...timingColumns(run.timing),
    queue: options.queue,
    priority: options.priority,
    maxAttempts: options.maxAttempts,
    // NULL reads back as the default, as for tasks (see prepare-request.ts).
    backoff: options.backoff === DEFAULT_BACKOFF ? null : JSON.stringify(options.backoff),
    timeoutMs: options.timeoutMs,
    missed: run.missed,
    backfillLimit: run.backfillLimit,
    graceMs: run.graceMs,
    declared,
  };
}

function timingColumns(timing: ScheduleTiming): Pick<NewScheduleRow, 'cron' | 'timezone' | 'everyMs'> {
  return timing.kind === 'cron'
    ? { cron: timing.cron, timezone: timing.timezone, everyMs: null }
    : { cron: null, timezone: null, everyMs: timing.everyMs };
}

/** The timing of a stored row (checked when it was written). */
export function timingOf(row: Pick<ScheduleRow, 'cron' | 'timezone' | 'every_ms'>): ScheduleTiming {
  return row.cron !== null ? { kind: 'cron', cron: row.cron, timezone: row.timezone ?? DEFAULT_SCHEDULE_TIMEZONE } : { kind: 'every', everyMs: Number(row.every_ms) };
}

/** A stored schedule as `TaskSchedules` returns it; its next run is the first slot after now and its last slot. */
export function toScheduleInfo(row: ScheduleRow): ScheduleInfo {
  const after = row.last_slot > row.db_now ? row.last_slot : row.db_now;
  return {
    key: row.key,
    task: row.task,
    args: row.args,
    cron: row.cron,
    timezone: row.timezone,
    everyMs: row.every_ms === null ? null : Number(row.every_ms),
    queue: row.queue,
    priority: row.priority,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    missed: row.missed,
    backfillLimit: row.backfill_limit,
    graceMs: row.grace_ms,
    declared: row.declared,
    paused: row.paused,
    disabled: row.disabled,
    lastSlot: row.last_slot,
    nextRun: slotClock(timingOf(row)).next(after),
  };
}
