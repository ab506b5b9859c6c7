import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import type { BackoffOptions } from '../interfaces/backoff.interface.js';
import type { AddTaskOptions, TaskExecutionOptions } from '../interfaces/task-options.interface.js';

const MAX_INT = 2_147_483_647;
const QUEUE_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;
/** The queue-name rule, as error messages state it. */
export const QUEUE_NAME_RULE = 'use 1 to 100 letters, digits, "_", ".", ":" or "-"';

/** A name a queue can have. */
export function isQueueName(name: unknown): name is string {
  return typeof name === 'string' && QUEUE_NAME.test(name);
}

/** Checks options shared by the decorator, module defaults and `add`. `prefix` names where they came from in the error. */
export function validateExecutionOptions(options: TaskExecutionOptions, prefix = ''): void {
  if (options.queue !== undefined && !isQueueName(options.queue)) {
    throw new InvalidTaskOptionsError(`${prefix}queue`, QUEUE_NAME_RULE);
  }
  if (options.priority !== undefined) requireInt(`${prefix}priority`, options.priority, -MAX_INT);
  if (options.maxAttempts !== undefined) requireInt(`${prefix}maxAttempts`, options.maxAttempts, 1);
  if (options.timeoutMs !== undefined) requireInt(`${prefix}timeoutMs`, options.timeoutMs, 1);
  if (options.backoff !== undefined) validateBackoff(options.backoff, `${prefix}backoff`);
}

/** Checks the options of one `add` call, on top of {@link validateExecutionOptions}. */
export function validateAddOptions(options: AddTaskOptions): void {
  validateExecutionOptions(options);
  if (options.delayMs !== undefined && options.runAt !== undefined) {
    throw new InvalidTaskOptionsError('delayMs', 'pass either delayMs or runAt, not both');
  }
  if (options.delayMs !== undefined) requireInt('delayMs', options.delayMs, 0);
  if (options.runAt !== undefined && (!(options.runAt instanceof Date) || Number.isNaN(options.runAt.getTime()))) {
    throw new InvalidTaskOptionsError('runAt', 'must be a valid Date');
  }
}

function validateBackoff(backoff: BackoffOptions, name: string): void {
  if (backoff === null || typeof backoff !== 'object') throw new InvalidTaskOptionsError(name, 'must be an object');
  if (backoff.type !== 'fixed' && backoff.type !== 'exponential') {
    throw new InvalidTaskOptionsError(`${name}.type`, 'must be "fixed" or "exponential"');
  }
  requireInt(`${name}.delayMs`, backoff.delayMs, 0);
  if (backoff.maxDelayMs !== undefined) requireInt(`${name}.maxDelayMs`, backoff.maxDelayMs, 0);
  if (backoff.jitter !== undefined && typeof backoff.jitter !== 'boolean') {
    throw new InvalidTaskOptionsError(`${name}.jitter`, 'must be a boolean');
  }
}

function requireInt(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_INT) {
    throw new InvalidTaskOptionsError(name, `must be an integer between ${min} and ${MAX_INT} (got ${String(value)})`);
  }
}
