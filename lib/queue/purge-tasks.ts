import { DURATION_RULE, parseDuration } from '../config/parse-duration.js';
import { describeValue } from '../config/require-integer.js';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import type { PurgeOptions, PurgeResult } from '../interfaces/retention-options.interface.js';
import type { RetentionStore } from '../persistence/retention-store.js';
import { PRUNABLE_STATES, type PrunableState } from '../persistence/sql/prune-finished.sql.js';
import { withPublicErrors } from './public-error.js';

export type { PurgeOptions, PurgeResult };

const WHERE = 'purge()';

/**
 * `TaskQueue.purge`: checks the options, then deletes in the batches
 * retention uses (short statements, rows other transactions hold skipped),
 * from the oldest task until the walk reaches tasks too young, however
 * long that takes.
 */
export async function purgeTasks(store: RetentionStore, options: PurgeOptions): Promise<PurgeResult> {
  const { states, olderThanMs } = resolvePurgeOptions(options);
  const ages = { completed: null, failed: null, cancelled: null } as Record<PrunableState, number | null>;
  for (const state of states) ages[state] = olderThanMs;
  const outcome = await withPublicErrors(() => store.prune(ages));
  return { deleted: outcome.deleted.completed + outcome.deleted.failed + outcome.deleted.cancelled };
}

/** The finished states and the age in ms that `purge` was given. @throws InvalidTaskOptionsError */
export function resolvePurgeOptions(options: PurgeOptions): { states: PrunableState[]; olderThanMs: number } {
  if (options === null || typeof options !== 'object') throw new InvalidTaskOptionsError('options', "must be an object such as { state: 'completed', olderThan: '7d' }", WHERE);
  const { state, olderThan } = options;
  const states: unknown[] = Array.isArray(state) ? state : [state];
  if (states.length === 0 || states.some((s) => !PRUNABLE_STATES.includes(s as PrunableState))) {
    throw new InvalidTaskOptionsError('state', `must be a finished state (${PRUNABLE_STATES.join(', ')}) or a list of them (got ${describeValue(state)})`, WHERE);
  }
  if (olderThan === undefined) throw new InvalidTaskOptionsError('olderThan', `is required: it ${DURATION_RULE}`, WHERE);
  const olderThanMs = parseDuration(olderThan);
  if (olderThanMs === undefined) throw new InvalidTaskOptionsError('olderThan', `${DURATION_RULE} (got ${describeValue(olderThan)})`, WHERE);
  return { states: [...new Set(states as PrunableState[])], olderThanMs };
}
