import { Logger } from '@nestjs/common';
import type { TaskStore } from '../persistence/task-store.js';
import { attemptKey } from './attempt-recorder.js';

/**
 * When and how a worker reconciles: compares the rows the database says are
 * running under it with what it holds, and hands back those it never
 * received (a claim whose reply was lost after its commit) without spending
 * their attempt.
 *
 * Due after a claim error or a new incarnation, and once every `intervalMs`.
 * It must run with no claim in flight (a claim's rows would look unknown
 * until its reply arrives): while it is due or running, the worker's claim
 * lanes stop, and the worker runs it once the last one has.
 */
export class Reconciler {
  private readonly logger = new Logger('QueuedTasks');
  private running: Promise<void> | null = null;
  private needed = false;
  private due = false;
  private last = Date.now();

  constructor(
    private readonly store: TaskStore,
    private readonly intervalMs: number,
  ) {}

  /** Claims must wait: a reconciliation is due or running. */
  get holdsClaims(): boolean {
    return this.due || this.running !== null;
  }

  /** A claim failed (it may have committed), or a new incarnation began. */
  markNeeded(): void {
    this.needed = true;
  }

  /** On each poll: @returns true when a reconciliation is due. */
  checkDue(): boolean {
    if (this.needed || Date.now() - this.last >= this.intervalMs) this.due = true;
    return this.due;
  }

  /**
   * Reconciles worker `workerId` if due (no claim may be in flight);
   * `known` lists the attempt keys the worker holds; `done` runs after.
   */
  run(workerId: string | null, known: () => Set<string>, done: () => void): void {
    if (this.running || !this.due) return;
    if (workerId === null) {
      this.due = false;
      return;
    }
    this.running = (async () => {
      try {
        const rows = await this.store.runningUnder(workerId);
        const held = known();
        const unknown = rows.filter((row) => !held.has(attemptKey({ id: row.id, attempt: row.attempts, workerId })));
        if (unknown.length > 0) {
          const released = await this.store.release(workerId, unknown);
          this.logger.warn(`Handed back ${released} task(s) claimed under this worker whose claim reply never arrived`);
        }
        this.needed = false;
        this.last = Date.now();
      } catch {
        // Stays needed; the next poll tries again.
      } finally {
        this.running = null;
        this.due = false;
        done();
      }
    })();
  }
}
