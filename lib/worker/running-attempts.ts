import type { RunningAttempt } from './task-runner.js';

/**
 * The attempts a worker runs, keyed by attempt (incarnation, task, attempt
 * number), never by task alone: a task re-claimed while a stale copy still
 * runs is two attempts. Two views of each: its slot, held until its handler
 * returns (even after its row was recorded at a hard timeout), and its row,
 * this worker's to write until it is recorded or handed back.
 *
 * A snooze gives its attempt back, so the same incarnation can claim the
 * task again under the same key while the snooze's write is still being
 * retried (its reply was lost after the commit). An entry is therefore
 * removed only by the attempt that put it there: the old attempt's end
 * never drops the new one.
 */
export class RunningAttempts {
  /** Attempts whose handler has not returned: each holds a slot. */
  private readonly slots = new Map<string, RunningAttempt>();
  /** Attempts whose row is still this worker's to write. */
  private readonly rows = new Map<string, RunningAttempt>();
  /** Set while shutdown waits for the last row to be recorded. */
  private onAllRecorded: (() => void) | null = null;

  /** Slots taken. */
  get size(): number {
    return this.slots.size;
  }

  /** Rows not yet recorded. */
  get unrecordedCount(): number {
    return this.rows.size;
  }

  add(attempt: RunningAttempt): void {
    this.slots.set(attempt.key, attempt);
    this.rows.set(attempt.key, attempt);
  }

  /** Its handler returned: the slot is free. */
  settled(attempt: RunningAttempt): void {
    if (this.slots.get(attempt.key) === attempt) this.slots.delete(attempt.key);
  }

  /** Its row was recorded. @returns false when shutdown had already taken it to hand back. */
  recorded(attempt: RunningAttempt): boolean {
    if (this.rows.get(attempt.key) !== attempt) return false;
    this.rows.delete(attempt.key);
    if (this.rows.size === 0) this.onAllRecorded?.();
    return true;
  }

  /** Keys of the attempts whose rows are still this worker's. */
  unrecordedKeys(): IterableIterator<string> {
    return this.rows.keys();
  }

  /** Every attempt still holding a slot. */
  inSlots(): IterableIterator<RunningAttempt> {
    return this.slots.values();
  }

  /** Takes every row not yet recorded (shutdown hands them back). */
  takeUnrecorded(): RunningAttempt[] {
    const taken = [...this.rows.values()];
    this.rows.clear();
    return taken;
  }

  abortUnrecorded(): void {
    for (const attempt of this.rows.values()) attempt.abort({ kind: 'shutdown' });
  }

  /** True once every row has been recorded, false at `deadline`. */
  allRecordedBy(deadline: number): Promise<boolean> {
    if (this.rows.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.onAllRecorded = null;
        resolve(this.rows.size === 0);
      }, Math.max(0, deadline - Date.now()));
      this.onAllRecorded = () => {
        clearTimeout(timer);
        this.onAllRecorded = null;
        resolve(true);
      };
    });
  }
}
