import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import type { BackoffOptions } from '../interfaces/backoff.interface.js';
import type { AddTaskOptions, QueuedTaskOptions, TaskExecutionOptions } from '../interfaces/task-options.interface.js';
import { describeValue, MAX_INT, requireIntegerOption as requireInt } from './require-integer.js';
import { validateKey, validateKeyOptions } from './validate-task-key.js';

/**
 * The one validator of task options, wherever they are given: module
 * `defaults` (at bootstrap), `@QueuedTask()` (at discovery, so a bad
 * decorator fails bootstrap) and each `add` call (before anything is
 * written), and the delay of a `SnoozeTask` where a handler builds it.
 * `where` names the source in the error: `defaults`,
 * `@QueuedTask() of MailTasks.send`, `requests[2].options`, `new SnoozeTask()`.
 */

const QUEUE_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;
/** The queue-name rule, as error messages state it. */
export const QUEUE_NAME_RULE = 'use 1 to 100 letters, digits, "_", ".", ":" or "-"';
/** Task names: any text of 1 to 200 characters (they are stored and shown, never parsed). */
const MAX_TASK_NAME_LENGTH = 200;
/** `runAt` bounds: PostgreSQL's timestamptz goes further, but a year outside 1–9999 is a bug, not a schedule. */
const EARLIEST_RUN_AT = new Date('0001-01-01T00:00:00.000Z').getTime();
const LATEST_RUN_AT = new Date('9999-12-31T23:59:59.999Z').getTime();

/** A name a queue can have. */
export function isQueueName(name: unknown): name is string {
  return typeof name === 'string' && QUEUE_NAME.test(name);
}

/** Checks options shared by the decorator, module defaults and `add`. */
export function validateExecutionOptions(options: TaskExecutionOptions, where: string): void {
  if (options === null || typeof options !== 'object') throw new InvalidTaskOptionsError('options', 'must be an object', where);
  if (options.queue !== undefined && !isQueueName(options.queue)) {
    throw new InvalidTaskOptionsError('queue', `${QUEUE_NAME_RULE} (got ${describeValue(options.queue)})`, where);
  }
  if (options.priority !== undefined) requireInt('priority', options.priority, -MAX_INT, where);
  if (options.maxAttempts !== undefined) requireInt('maxAttempts', options.maxAttempts, 1, where);
  if (options.timeoutMs !== undefined) requireInt('timeoutMs', options.timeoutMs, 1, where);
  if (options.backoff !== undefined) validateBackoff(options.backoff, where);
}

/** Checks the options of `@QueuedTask()`, at discovery. */
export function validateDecoratorOptions(options: QueuedTaskOptions, where: string): void {
  validateExecutionOptions(options, where);
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length === 0 || options.name.length > MAX_TASK_NAME_LENGTH)) {
    throw new InvalidTaskOptionsError('name', `must be a string of 1 to ${MAX_TASK_NAME_LENGTH} characters (got ${describeValue(options.name)})`, where);
  }
  if (options.hardTimeoutMs !== undefined) {
    requireInt('hardTimeoutMs', options.hardTimeoutMs, 1, where);
    if (options.timeoutMs !== undefined && options.hardTimeoutMs < options.timeoutMs) {
      throw new InvalidTaskOptionsError('hardTimeoutMs', `must be at least timeoutMs (${options.timeoutMs}), got ${options.hardTimeoutMs}`, where);
    }
  }
  if (options.keyConcurrency !== undefined) requireInt('keyConcurrency', options.keyConcurrency, 1, where);
}

/** Checks the options of one `add` call, on top of {@link validateExecutionOptions}. */
export function validateAddOptions(options: AddTaskOptions, where: string): void {
  validateExecutionOptions(options, where);
  if (options.delayMs !== undefined && options.runAt !== undefined) {
    throw new InvalidTaskOptionsError('delayMs', 'pass either delayMs or runAt, not both', where);
  }
  if (options.delayMs !== undefined) requireInt('delayMs', options.delayMs, 0, where);
  validateDependencies(options, where);
  if (options.runAt !== undefined) {
    const time = options.runAt instanceof Date ? options.runAt.getTime() : Number.NaN;
    if (Number.isNaN(time)) throw new InvalidTaskOptionsError('runAt', `must be a valid Date (got ${describeValue(options.runAt)})`, where);
    if (time < EARLIEST_RUN_AT || time > LATEST_RUN_AT) {
      throw new InvalidTaskOptionsError('runAt', `must fall between the years 1 and 9999 (got ${options.runAt.toISOString()})`, where);
    }
  }
  validateKeyOptions(options, where);
  // The rules of a unique key: the same bounded, printable text, indexed (tasks_pending_key_idx) and shown in tools alike.
  if (options.concurrencyKey !== undefined) validateKey('concurrencyKey', options.concurrencyKey, where);
}

/** Parents of one task, at most: each costs a locked row and an edge. */
export const MAX_PARENTS = 1_000;
const TASK_ID = /^[1-9][0-9]{0,18}$/;
/** The largest PostgreSQL bigint: 19-digit ids above it are no id at all (the database would refuse them). */
const MAX_TASK_ID = 9_223_372_036_854_775_807n;

/** A task id as the queue hands them out: a positive bigint, as decimal text. */
export function isTaskId(value: unknown): value is string {
  return typeof value === 'string' && TASK_ID.test(value) && (value.length < 19 || BigInt(value) <= MAX_TASK_ID);
}
const ON_PARENT_FAILURE = ['fail', 'cancel', 'run'];

function validateDependencies(options: AddTaskOptions, where: string): void {
  if (options.onParentFailure !== undefined && !ON_PARENT_FAILURE.includes(options.onParentFailure)) {
    throw new InvalidTaskOptionsError('onParentFailure', `must be "fail", "cancel" or "run" (got ${describeValue(options.onParentFailure)})`, where);
  }
  const parents = options.dependsOn;
  if (parents === undefined) return;
  if (!Array.isArray(parents)) throw new InvalidTaskOptionsError('dependsOn', `must be an array (got ${describeValue(parents)})`, where);
  // Each parent once: repeats count once (README), so the bound applies to distinct parents.
  const distinct = new Set<unknown>();
  parents.forEach((parent: unknown, index) => {
    const id = typeof parent === 'string' ? parent : typeof parent === 'object' && parent !== null && 'id' in parent ? (parent as { id: unknown }).id : undefined;
    const node = typeof parent === 'object' && parent !== null && 'flowNode' in parent;
    if (!node && !isTaskId(id)) {
      throw new InvalidTaskOptionsError(`dependsOn[${index}]`, `must be a TaskRef, a task id or a node of this flow (got ${describeValue(parent)})`, where);
    }
    distinct.add(node ? `node ${String((parent as { flowNode: unknown }).flowNode)}` : id);
  });
  if (distinct.size > MAX_PARENTS) throw new InvalidTaskOptionsError('dependsOn', `may name up to ${MAX_PARENTS} parents (got ${distinct.size})`, where);
}

/**
 * Checks the delay of a snooze (`new SnoozeTask(delayMs)`), when the handler
 * constructs it: an integer from 0 to 2,147,483,647 ms, like `delayMs` of
 * `add` (the statement takes a PostgreSQL `integer`, and a Node timer fires
 * at once past that). @returns the delay.
 */
export function validateSnoozeDelay(delayMs: unknown): number {
  requireInt('delayMs', delayMs, 0, 'new SnoozeTask()');
  return delayMs as number;
}

function validateBackoff(backoff: BackoffOptions, where: string): void {
  if (backoff === null || typeof backoff !== 'object') throw new InvalidTaskOptionsError('backoff', 'must be an object', where);
  if (backoff.type !== 'fixed' && backoff.type !== 'exponential') {
    throw new InvalidTaskOptionsError('backoff.type', `must be "fixed" or "exponential" (got ${describeValue(backoff.type)})`, where);
  }
  requireInt('backoff.delayMs', backoff.delayMs, 0, where);
  if (backoff.maxDelayMs !== undefined) requireInt('backoff.maxDelayMs', backoff.maxDelayMs, 0, where);
  if (backoff.jitter !== undefined && typeof backoff.jitter !== 'boolean') {
    throw new InvalidTaskOptionsError('backoff.jitter', `must be a boolean (got ${describeValue(backoff.jitter)})`, where);
  }
}
