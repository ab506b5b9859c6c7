import type { ControlledClaimResult } from '../persistence/controlled-claims.js';

/** A paused or limited queue, as its producer knows it. */
export interface QueueControl {
  paused: boolean;
}

/** How soon a controlled producer held back by a limit asks again. */
export const LIMITED_RETRY_MS = 200;

/**
 * What a producer of one queue knows of its queue's pause and limits, and
 * the retry it keeps while a limit holds due tasks back: slots freed in
 * other processes, and rate windows moving on, send no notification.
 */
export class QueueControlState {
  private control: QueueControl | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  /** @param wake asks the producer to claim. */
  constructor(private readonly wake: () => void) {}

  /** Paused or limited: claims go through the controlled claim. */
  get controlled(): boolean {
    return this.control !== null;
  }

  get paused(): boolean {
    return this.control?.paused === true;
  }

  /** Controlled and not paused: its own tasks' ends free room to claim for. */
  get claimsOnSettle(): boolean {
    return this.control !== null && !this.control.paused;
  }

  /** @returns true when it changed. */
  set(control: QueueControl | null): boolean {
    const changed = (this.control === null) !== (control === null) || this.control?.paused !== control?.paused;
    this.control = control === null ? null : { ...control };
    if (changed) this.clearRetry();
    return changed;
  }

  /** What a controlled claim found out: back to plain claims, paused, or held back by a limit. */
  apply(status: Pick<ControlledClaimResult, 'controlled' | 'paused' | 'waiting' | 'rateFreeAtMs'>): void {
    if (!status.controlled) {
      // Back to plain claims: the other claims take its rows again.
      this.set(null);
      this.wake();
      return;
    }
    this.set({ paused: status.paused });
    if (status.paused || !status.waiting || this.retryTimer !== null) return;
    const delay = status.rateFreeAtMs === null ? LIMITED_RETRY_MS : Math.max(1, Math.min(LIMITED_RETRY_MS, status.rateFreeAtMs - Date.now()));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.wake();
    }, delay);
  }

  clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
