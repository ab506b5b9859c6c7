/** At most `max` tasks start in any window of `periodMs`; the rest wait (they are not failed). */
export interface RateLimit {
  /** Starts allowed per window: an integer from 1 to 2147483647. */
  max: number;
  /** The window: an integer number of milliseconds from 1 to 2147483647. */
  periodMs: number;
}

/**
 * Limits of one queue, stored in PostgreSQL and enforced by every process
 * (see `TaskQueues.configure`). A field left out keeps its stored value;
 * `null` removes that limit.
 */
export interface QueueLimits {
  /** Tasks of the queue running at once across every process, counted from their claim. */
  globalConcurrency?: number | null;
  /** Tasks of one `concurrencyKey` running at once (default 1; a task definition's `keyConcurrency` wins). */
  keyConcurrency?: number | null;
  /** Starts of the queue's tasks per window, across every process. */
  rateLimit?: RateLimit | null;
  /** Starts per window for each `concurrencyKey` of the queue. */
  keyRateLimit?: RateLimit | null;
}

/** A queue as `TaskQueues.list()` shows it. */
export interface QueueInfo {
  name: string;
  paused: boolean;
  globalConcurrency: number | null;
  keyConcurrency: number | null;
  rateLimit: RateLimit | null;
  keyRateLimit: RateLimit | null;
  /** Tasks by state, now. */
  pending: number;
  scheduled: number;
  running: number;
}
