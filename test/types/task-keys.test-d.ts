/**
 * Compile-time tests of the key options of `add` (unique, debounce,
 * throttle) and of `TaskRef.deduplicated`, checked by the `tsc` step of
 * `npm test`. Each `@ts-expect-error` line is paired with one that compiles,
 * so a directive cannot pass for the wrong reason. Nothing here runs.
 */
import type { AddTaskOptions, TaskRef } from '../../lib/index.js';

export function keyTypeTests(ref: TaskRef<number>): void {
  const deduplicated: boolean = ref.deduplicated;
  // @ts-expect-error read-only
  ref.deduplicated = true;
  void deduplicated;

  const unique: AddTaskOptions = { unique: { key: 'digest:1', scope: 'any', ttlMs: 60_000 } };
  // @ts-expect-error an unknown scope
  const badScope: AddTaskOptions = { unique: { key: 'digest:1', scope: 'forever' } };
  const debounce: AddTaskOptions = { debounce: { key: 'search:ann', delayMs: 300 } };
  // @ts-expect-error a debounce needs its delay
  const noDelay: AddTaskOptions = { debounce: { key: 'search:ann' } };
  const throttle: AddTaskOptions = { throttle: { key: 'report', periodMs: 60_000 } };
  // @ts-expect-error a key is a string
  const numericKey: AddTaskOptions = { throttle: { key: 42, periodMs: 60_000 } };
  void [unique, badScope, debounce, noDelay, throttle, numericKey];
}
