import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import type { AddTaskOptions } from '../interfaces/task-options.interface.js';
import { describeValue, requireIntegerOption as requireMs } from './require-integer.js';

/**
 * Longest key, in UTF-16 code units: at most 765 UTF-8 bytes, so that with
 * a task name (200 characters) a key always fits a btree entry of
 * `tasks_unique_key_idx` (PostgreSQL refuses entries over 2,704 bytes), and a
 * caller cannot make every duplicate check compare megabytes.
 */
export const MAX_TASK_KEY_LENGTH = 255;

/**
 * Control characters (C0, DEL, C1), and UTF-16 surrogates not in a pair.
 * PostgreSQL refuses NUL outright; the driver would turn an unpaired
 * surrogate into U+FFFD, so two different keys would silently collide; and
 * control characters only make keys unreadable in logs and tools.
 */
const UNSAFE_KEY = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The key options of one `add` call: which of them was given. */
const KEY_OPTIONS = ['unique', 'debounce', 'throttle'] as const;

/**
 * Checks `unique`, `debounce` and `throttle` of one `add` call (part of
 * validateAddOptions): at most one of them, each an object with a bounded,
 * printable key and integer durations.
 */
export function validateKeyOptions(options: AddTaskOptions, where: string): void {
  const given = KEY_OPTIONS.filter((name) => options[name] !== undefined);
  if (given.length > 1) {
    throw new InvalidTaskOptionsError(given[1]!, `pass only one of unique, debounce and throttle (got ${given.join(' and ')})`, where);
  }
  if (options.unique !== undefined) {
    const { key, scope, ttlMs } = requireObject('unique', options.unique, where);
    validateKey('unique.key', key, where);
    if (scope !== undefined && scope !== 'active' && scope !== 'any') {
      throw new InvalidTaskOptionsError('unique.scope', `must be "active" or "any" (got ${describeValue(scope)})`, where);
    }
    if (scope === 'any') {
      if (ttlMs === undefined) throw new InvalidTaskOptionsError('unique.ttlMs', 'is required with scope "any"', where);
      requireMs('unique.ttlMs', ttlMs, 1, where);
    } else if (ttlMs !== undefined) {
      throw new InvalidTaskOptionsError('unique.ttlMs', 'applies to scope "any" only (a task of scope "active" holds its key until it finishes)', where);
    }
  }
  if (options.debounce !== undefined) {
    const { key, delayMs } = requireObject('debounce', options.debounce, where);
    validateKey('debounce.key', key, where);
    requireMs('debounce.delayMs', delayMs, 0, where);
    // The debounce delay is the run time: a second one would contradict it.
    if (options.delayMs !== undefined || options.runAt !== undefined) {
      throw new InvalidTaskOptionsError(options.delayMs !== undefined ? 'delayMs' : 'runAt', 'a debounced task runs debounce.delayMs after the latest call; pass no delayMs or runAt', where);
    }
  }
  if (options.throttle !== undefined) {
    const { key, periodMs } = requireObject('throttle', options.throttle, where);
    validateKey('throttle.key', key, where);
    requireMs('throttle.periodMs', periodMs, 1, where);
  }
}

function requireObject<T extends object>(option: string, value: T, where: string): Partial<Record<keyof T, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidTaskOptionsError(option, `must be an object (got ${describeValue(value)})`, where);
  }
  return value as Partial<Record<keyof T, unknown>>;
}

/**
 * Checks the text of a key (`unique.key`, `concurrencyKey`…): 1 to
 * {@link MAX_TASK_KEY_LENGTH} characters, none of them control characters.
 */
export function validateKey(option: string, key: unknown, where: string): void {
  // Characters as a reader counts them (code points): an emoji is one, not two UTF-16 units.
  const length = typeof key === 'string' ? characterCount(key) : 0;
  if (typeof key !== 'string' || length === 0 || length > MAX_TASK_KEY_LENGTH) {
    const got = typeof key === 'string' ? `${length} characters` : describeValue(key);
    throw new InvalidTaskOptionsError(option, `must be a string of 1 to ${MAX_TASK_KEY_LENGTH} characters (got ${got})`, where);
  }
  if (UNSAFE_KEY.test(key)) {
    throw new InvalidTaskOptionsError(option, 'must not contain control characters or unpaired UTF-16 surrogates', where);
  }
}

/** Code points of `text` (a pair of UTF-16 surrogates counts once). */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
