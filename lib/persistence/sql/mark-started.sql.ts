/**
 * The guarded UPDATE recording that handlers started, given the placeholders
 * of the ids (bigint[]), the markers (`{"<id>": [attempt, msAgo]}`, see
 * {@link startMarkers}) and the worker.
 *
 * An attempt is spent when its handler starts, not when it is claimed: the
 * claim leaves `started_at` empty and this sets it. Markers are written in
 * batches riding on the worker's next statement, so a task that finishes
 * before its marker goes out needs none (its completion records the start).
 * Rescue gives the attempt back to a task whose start was never recorded.
 *
 * A marker skips a row another statement holds (`SKIP LOCKED`): with two
 * claims in flight, one may carry a task's marker while the other carries its
 * completion, and two such statements waiting on each other's rows would
 * deadlock (PostgreSQL breaks that after a second, failing one). The
 * completion records the start anyway.
 */
export function markStartedUpdate(tasks: string, ids: string, markers: string, worker: string): string {
  return `
      UPDATE ${tasks} t
      SET started_at = now() - (${markers}::jsonb -> t.id::text ->> 1)::integer * interval '1 millisecond'
      WHERE t.id = ANY (ARRAY(
        SELECT m.id FROM ${tasks} m
        WHERE m.id = ANY(${ids}::bigint[]) AND m.state = 'running' AND m.worker_id = ${worker}
          AND m.attempts = (${markers}::jsonb -> m.id::text ->> 0)::integer AND m.started_at IS NULL
        FOR UPDATE OF m SKIP LOCKED
      )) AND t.state = 'running' AND t.started_at IS NULL
      RETURNING t.id`;
}

/** `{"<id>": [attempt, msAgo], ...}` as JSON text. */
export function startMarkers(starts: readonly { id: string; attempt: number; msAgo: number }[]): string {
  return `{${starts.map((s) => `"${s.id}":[${s.attempt},${Math.max(0, Math.round(s.msAgo))}]`).join(',')}}`;
}
