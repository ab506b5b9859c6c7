import { DEFAULT_RETENTION_INTERVAL_MS } from '../queued-tasks.constants.js';
import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';
import type { QueuedTasksRetentionOptions } from '../interfaces/retention-options.interface.js';
import { describeValue, requireInteger } from './require-integer.js';
import { DURATION_RULE, parseDuration } from './parse-duration.js';

/** Ages after which finished tasks are deleted, in ms by state; null keeps that state for ever. */
export interface RetentionAges {
  completed: number | null;
  failed: number | null;
  cancelled: number | null;
}

/** Retention with every default filled in. */
export interface ResolvedRetentionConfig {
  ages: RetentionAges;
  /** True when some state has an age: the leader prunes only then. */
  enabled: boolean;
  intervalMs: number;
}

const OPTIONS = ['completed', 'failed', 'cancelled', 'intervalMs'];

/**
 * Checks `retention` and resolves its durations. Nothing is pruned unless a
 * state is given an age: deleting a user's tasks is never a default.
 */
export function resolveRetention(retention: QueuedTasksRetentionOptions | undefined): ResolvedRetentionConfig {
  if (retention !== undefined && (retention === null || typeof retention !== 'object' || Array.isArray(retention))) {
    throw new InvalidModuleOptionsError(`retention must be an object such as { completed: '7d' } (got ${describeValue(retention)})`);
  }
  const given = retention ?? {};
  const unknown = Object.keys(given).find((key) => !OPTIONS.includes(key));
  if (unknown !== undefined) throw new InvalidModuleOptionsError(`retention.${unknown} is not an option (use ${OPTIONS.join(', ')})`);
  const age = (state: keyof RetentionAges): number | null => {
    const value = given[state];
    if (value === undefined) return null;
    const parsed = parseDuration(value);
    if (parsed === undefined) throw new InvalidModuleOptionsError(`retention.${state} ${DURATION_RULE} (got ${describeValue(value)})`);
    return parsed;
  };
  const ages = { completed: age('completed'), failed: age('failed'), cancelled: age('cancelled') };
  const intervalMs = given.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS;
  requireInteger('retention.intervalMs', intervalMs, 10);
  return { ages, enabled: Object.values(ages).some((value) => value !== null), intervalMs };
}
