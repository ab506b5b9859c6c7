/** Why a running attempt was stopped from outside the handler. */
export type AbortReason = { kind: 'timeout'; timeoutMs: number } | { kind: 'shutdown' };

/** How an attempt ended, as the worker acts on it. */
export type AttemptOutcome = 'completed' | 'failed' | 'released';

/** Rejection of the race that ends an attempt from outside; a class so that no thrown value can be mistaken for it. */
export class AttemptAborted {
  constructor(readonly reason: AbortReason) {}
}
