/**
 * Compile-time tests of `concurrencyKey` (an add option) and
 * `keyConcurrency` (a decorator option only), checked by the `tsc` step of
 * `npm test`. Each `@ts-expect-error` line is paired with one that compiles,
 * so a directive cannot pass for the wrong reason. Nothing here runs.
 */
import type { AddTaskOptions, QueuedTaskOptions, TaskInfo } from '../../lib/index.js';

export function concurrencyKeyTypeTests(info: TaskInfo): void {
  const keyed: AddTaskOptions = { concurrencyKey: 'customer:42', unique: { key: 'charge:42' } };
  // @ts-expect-error a key is a string
  const numericKey: AddTaskOptions = { concurrencyKey: 42 };
  const limit: QueuedTaskOptions = { queue: 'billing', keyConcurrency: 1 };
  // @ts-expect-error a limit is a number
  const textLimit: QueuedTaskOptions = { keyConcurrency: '1' };
  const keyOnly: AddTaskOptions = { concurrencyKey: 'customer:42' };
  // @ts-expect-error the limit belongs to the definition, not to one add
  const perAdd: AddTaskOptions = { concurrencyKey: 'customer:42', keyConcurrency: 2 };
  const key: string | null = info.concurrencyKey;
  // @ts-expect-error null without a key
  const alwaysKeyed: string = info.concurrencyKey;
  void [keyed, numericKey, limit, textLimit, keyOnly, perAdd, key, alwaysKeyed];
}
