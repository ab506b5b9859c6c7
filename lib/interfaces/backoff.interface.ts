/**
 * How long to wait before the next attempt of a failed task.
 *
 * - `fixed`: `delayMs` every time.
 * - `exponential`: `delayMs * 2^(attempt - 1)`, capped at `maxDelayMs`.
 *
 * With `jitter` (default true) the delay is drawn uniformly from
 * `[delay / 2, delay]`, so a burst of failures does not come back as a burst.
 */
export interface BackoffOptions {
  type: 'fixed' | 'exponential';
  /** Base delay in milliseconds. */
  delayMs: number;
  /** Cap of an exponential delay. @default 3_600_000 (one hour) */
  maxDelayMs?: number;
  /** Spread retries over `[delay / 2, delay]`. @default true */
  jitter?: boolean;
}
