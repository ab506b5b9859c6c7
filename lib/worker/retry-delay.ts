import { DEFAULT_BACKOFF } from '../queued-tasks.constants.js';
import type { BackoffOptions } from '../interfaces/backoff.interface.js';

/**
 * Delay before the attempt after `attempt` (1-based) failed.
 * Jitter draws from [delay / 2, delay]: retries of a burst spread out, and
 * the delay never exceeds what the user configured.
 */
export function retryDelayMs(backoff: BackoffOptions | null, attempt: number, random: () => number = Math.random): number {
  const options = backoff ?? DEFAULT_BACKOFF;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs;
  const base =
    options.type === 'fixed' ? options.delayMs : Math.min(options.delayMs * 2 ** Math.max(0, attempt - 1), maxDelayMs);
  const delay = options.jitter ?? true ? base / 2 + (random() * base) / 2 : base;
  return Math.min(Math.round(delay), 2_147_483_647);
}
