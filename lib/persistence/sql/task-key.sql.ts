/**
 * What the statements of unique, debounce and throttle keys share: the
 * predicate of their index and the rule of when a row holds its key.
 *
 * One partial unique index, `tasks_unique_key_idx (name, unique_kind,
 * unique_key)` (migration UniqueKeys1764288000000), holds every row that
 * may hold a key. Its predicate can only say what a row's state says, not
 * what the clock says, so:
 *
 * - a key held by state (`unique`, scope `'active'`) leaves the index by
 *   itself when the task finishes: the transition statements know nothing of
 *   keys;
 * - a key held by time (`unique_until`: scope `'any'`, `throttle`) keeps its
 *   row in the index until the next add of that key finds it lapsed and
 *   releases it (release-task-key.sql.ts);
 * - a debounce key holds while the task has not started, but its row stays in
 *   the index while it runs (the claim statement, the hottest one, must not
 *   learn about keys): the next add releases it the same way.
 *
 * Keys are scoped by task name (the index leads with it): a deduplicated add
 * returns a ref to a task of the same name, so its `result()` has the type the
 * caller was given, and a debounce replaces arguments only of the same
 * handler.
 */

/** Which option a key came from; each kind is a namespace of its own. */
export type TaskKeyKind = 'unique' | 'debounce' | 'throttle';

/** A task's key as stored. */
export interface TaskKey {
  kind: TaskKeyKind;
  key: string;
  /** ms after the add during which the key is held whatever the task's state (scope 'any', throttle); null: by state only. */
  holdMs: number | null;
}

/**
 * States a task holds a `unique` key in. `blocked` (a task waiting on
 * parents, added by another migration) is listed already, so that the index
 * never has to be rebuilt for it.
 */
const ACTIVE = `('scheduled', 'pending', 'running', 'blocked')`;
/** States of a task that has not started, for debounce (with `attempts = 0`: a retry waiting out its backoff has started). */
const NOT_STARTED = `('scheduled', 'pending', 'blocked')`;

/**
 * The index's predicate, over the columns of `alias` (none: unqualified, for
 * an ON CONFLICT target). Statements state it word for word: PostgreSQL
 * uses a partial index only for a query whose WHERE implies its predicate,
 * and infers an ON CONFLICT arbiter only from a predicate that does.
 */
export function keyIndexPredicate(alias?: string): string {
  const c = alias ? `${alias}.` : '';
  return `${c}unique_key IS NOT NULL AND (${c}unique_until IS NOT NULL OR ${c}state IN ${ACTIVE})`;
}

/** The ON CONFLICT target that names `tasks_unique_key_idx`. */
export const KEY_CONFLICT_TARGET = `(name, unique_kind, unique_key) WHERE ${keyIndexPredicate()}`;

/**
 * Whether row `alias` holds its key now: throttle while its period runs;
 * debounce while not started; unique while active, or, with a ttl (scope
 * 'any'), until the ttl ends as well.
 */
export function keyHeldSql(alias: string): string {
  const until = `coalesce(${alias}.unique_until > now(), false)`;
  return `CASE ${alias}.unique_kind
        WHEN 'throttle' THEN ${until}
        WHEN 'debounce' THEN ${notStartedSql(alias)}
        ELSE ${alias}.state IN ${ACTIVE} OR ${until}
      END`;
}

/** The guard of a debounce's update: the task has not started, so its arguments and run time may still change. */
export function notStartedSql(alias: string): string {
  return `${alias}.state IN ${NOT_STARTED} AND ${alias}.attempts = 0`;
}
