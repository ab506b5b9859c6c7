import { DEFAULT_BACKOFF, DEFAULT_MAX_ATTEMPTS, DEFAULT_PRIORITY, DEFAULT_QUEUE } from '../queued-tasks.constants.js';
import type { BackoffOptions } from '../interfaces/backoff.interface.js';
import type { AddTaskOptions, QueuedTaskOptions, TaskExecutionOptions } from '../interfaces/task-options.interface.js';
import { validateAddOptions } from '../config/validate-task-options.js';
import type { TaskKey } from '../persistence/sql/task-key.sql.js';

/** A task's options once the call, the decorator and the module defaults are merged. */
export interface ResolvedTaskOptions {
  queue: string;
  priority: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  timeoutMs: number | null;
  runAt: Date | null;
  delayMs: number;
  /** The call's unique, debounce or throttle key; null for most tasks. */
  key: TaskKey | null;
  /** The call's concurrency key; null for most tasks. */
  concurrencyKey: string | null;
  /** The definition's `keyConcurrency` for a task with a concurrency key; else null (the queue's limit applies). */
  keyLimit: number | null;
}

/**
 * Merges options: the call wins over the decorator, which wins over the
 * module defaults (those two were checked at bootstrap). `where` names the
 * call's options in errors.
 */
export function resolveTaskOptions(
  call: AddTaskOptions,
  decorator: QueuedTaskOptions,
  defaults: TaskExecutionOptions,
  where = '',
): ResolvedTaskOptions {
  validateAddOptions(call, where);
  const pick = <K extends keyof TaskExecutionOptions>(key: K) => call[key] ?? decorator[key] ?? defaults[key];
  return {
    queue: pick('queue') ?? DEFAULT_QUEUE,
    priority: pick('priority') ?? DEFAULT_PRIORITY,
    maxAttempts: pick('maxAttempts') ?? DEFAULT_MAX_ATTEMPTS,
    backoff: pick('backoff') ?? DEFAULT_BACKOFF,
    timeoutMs: pick('timeoutMs') ?? null,
    runAt: call.runAt ?? null,
    delayMs: call.debounce?.delayMs ?? call.delayMs ?? 0,
    key: resolveKey(call),
    concurrencyKey: call.concurrencyKey ?? null,
    keyLimit: call.concurrencyKey === undefined ? null : (decorator.keyConcurrency ?? null),
  };
}

/** The key as stored: its kind, and how long after the add it holds whatever the task's state (null: by state only). */
function resolveKey(call: AddTaskOptions): TaskKey | null {
  if (call.unique) return { kind: 'unique', key: call.unique.key, holdMs: call.unique.scope === 'any' ? call.unique.ttlMs! : null };
  if (call.debounce) return { kind: 'debounce', key: call.debounce.key, holdMs: null };
  if (call.throttle) return { kind: 'throttle', key: call.throttle.key, holdMs: call.throttle.periodMs };
  return null;
}
