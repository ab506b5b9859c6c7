/** Why a running attempt was stopped from outside the handler. */
export type StopReason =
  | { kind: 'timeout'; timeoutMs: number; hardTimeoutMs: number }
  | { kind: 'shutdown' }
  /** The worker fenced itself: its lease can no longer be trusted. */
  | { kind: 'lost'; workerId: string }
  /** A cancel was requested, from any process (see CancelRequests). */
  | { kind: 'cancelled'; taskId: string; taskName: string };

/**
 * How an attempt ended for its row: written (completed, failed with its
 * retry decision, or snoozed), or to be handed back to `pending` by the
 * worker (shutdown), or left to rescue (its worker fenced itself).
 */
export type AttemptOutcome = 'completed' | 'failed' | 'snoozed' | 'released' | 'abandoned';
