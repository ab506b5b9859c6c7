import { InvalidQueueOptionsError } from '../errors/invalid-queue-options.error.js';
import type { QueueLimits, RateLimit } from '../interfaces/queue-options.interface.js';
import { isQueueName, QUEUE_NAME_RULE } from './validate-task-options.js';

const MAX_INT = 2_147_483_647;
const LIMIT_RULE = `must be an integer from 1 to ${MAX_INT}, or null to remove the limit`;

/** @throws InvalidQueueOptionsError unless `queue` is a valid queue name. */
export function assertQueueName(queue: unknown): asserts queue is string {
  if (!isQueueName(queue)) throw new InvalidQueueOptionsError(String(queue), 'queue', QUEUE_NAME_RULE);
}

/**
 * The stored columns `limits` sets (see configure-queue in
 * queue-controls.sql.ts): a column absent is kept, null removes.
 * @throws InvalidQueueOptionsError, naming the first option out of range.
 */
export function queueLimitColumns(queue: string, limits: QueueLimits): Record<string, number | null> {
  if (typeof limits !== 'object' || limits === null) throw new InvalidQueueOptionsError(queue, 'limits', 'must be an object');
  const known = new Set(['globalConcurrency', 'keyConcurrency', 'rateLimit', 'keyRateLimit']);
  for (const key of Object.keys(limits)) if (!known.has(key)) throw new InvalidQueueOptionsError(queue, key, `is not a queue option (${[...known].join(', ')})`);
  const columns: Record<string, number | null> = {};
  if (limits.globalConcurrency !== undefined) columns.global_concurrency = count(queue, 'globalConcurrency', limits.globalConcurrency);
  if (limits.keyConcurrency !== undefined) columns.key_concurrency = count(queue, 'keyConcurrency', limits.keyConcurrency);
  if (limits.rateLimit !== undefined) Object.assign(columns, rate(queue, 'rateLimit', 'rate', limits.rateLimit));
  if (limits.keyRateLimit !== undefined) Object.assign(columns, rate(queue, 'keyRateLimit', 'key_rate', limits.keyRateLimit));
  return columns;
}

function count(queue: string, option: string, value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_INT) {
    throw new InvalidQueueOptionsError(queue, option, `${LIMIT_RULE} (got ${describe(value)})`);
  }
  return value;
}

function rate(queue: string, option: string, prefix: string, value: RateLimit | null): Record<string, number | null> {
  if (value === null) return { [`${prefix}_max`]: null, [`${prefix}_period_ms`]: null };
  if (typeof value !== 'object') throw new InvalidQueueOptionsError(queue, option, `must be { max, periodMs } or null (got ${describe(value)})`);
  for (const key of Object.keys(value)) {
    if (key !== 'max' && key !== 'periodMs') throw new InvalidQueueOptionsError(queue, `${option}.${key}`, 'is not a rate option (max, periodMs)');
  }
  const max = count(queue, `${option}.max`, value.max);
  const periodMs = count(queue, `${option}.periodMs`, value.periodMs);
  if (max === null || periodMs === null) throw new InvalidQueueOptionsError(queue, option, 'needs both max and periodMs');
  return { [`${prefix}_max`]: max, [`${prefix}_period_ms`]: periodMs };
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
}
