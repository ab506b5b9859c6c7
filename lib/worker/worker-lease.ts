import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import { FENCE_AT_LEASE_RATIO } from '../queued-tasks.constants.js';
import type { TaskStore } from '../persistence/task-store.js';

/** What the lease tells its worker. */
export interface LeaseEvents {
  /** The lease of incarnation `workerId` can no longer be trusted: stop claiming, abort its handlers. */
  fenced(workerId: string, reason: string): void;
  /** A new incarnation holds a lease: claiming may resume under `workerId`. */
  live(workerId: string): void;
  /** Running tasks of this worker whose cancel was requested (a lost NOTIFY only delays them until a heartbeat). */
  cancelRequested(taskIds: readonly string[]): void;
}

export interface LeaseSettings {
  leaseMs: number;
  heartbeatIntervalMs: number;
  queues: string[] | null;
  concurrency: number;
  /** Bounds a registration: it holds no task yet, so it need not answer within a renewal's tight timeout. */
  statementTimeoutMs: number;
}

/**
 * A worker's lease: the only thing by which other processes decide whether it
 * is alive.
 *
 * ```
 *            register()                    renewal refused, or none within 80 % of the lease
 *  (none) ─────────────▶ live ───────────────────────────────────────────────────▶ fenced
 *                          ▲                                                         │
 *                          └───────── registered again under a new id ───────────────┘
 * ```
 *
 * - Renewals run every `heartbeatIntervalMs` on the control connection, never
 *   behind handlers or claims on the pool. Each sets the expiry on the
 *   database's clock from this worker's own `leaseMs`.
 * - A renewal that fails is retried at once, then with a short backoff (at
 *   most a fortieth of the lease), so the lease is renewed as soon as the
 *   database answers again.
 * - Fencing is judged on this process's monotonic clock from the moment the
 *   last successful renewal was *sent*: the database set that lease's expiry
 *   no earlier, so the worker always fences before anyone may rescue its
 *   tasks, with a fifth of the lease to spare for its handlers to stop.
 * - A fenced worker never resumes under the same id: it registers a new
 *   incarnation. Writes of the old one are then refused by the guards
 *   wherever its tasks were rescued.
 */
export class WorkerLease {
  private readonly logger = new Logger('QueuedTasks');
  private current: string | null = null;
  private readonly incarnations: string[] = [];
  private lastRenewalSentAt = 0;
  private fenceTimer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private wakeSleep: (() => void) | null = null;
  private failures = 0;
  private outageLogged = false;

  constructor(
    private readonly store: TaskStore,
    private readonly settings: LeaseSettings,
    private readonly events: LeaseEvents,
  ) {}

  /** The live incarnation's id, or null while fenced. */
  get id(): string | null {
    return this.current;
  }

  private get renewalTimeoutMs(): number {
    return Math.max(100, Math.min(this.settings.heartbeatIntervalMs, Math.round(this.settings.leaseMs / 5)));
  }

  private get retryMaxMs(): number {
    return Math.max(50, Math.round(this.settings.leaseMs / 40));
  }

  /** Registers the first incarnation (bootstrap fails if the database does not answer) and starts renewing. */
  async start(): Promise<string> {
    await this.register();
    this.loop = this.run();
    return this.current!;
  }

  /** Stops renewing and leaves the registry: whatever this process still holds becomes rescuable at once. */
  async stop(deadline: number): Promise<void> {
    this.stopped = true;
    this.wakeSleep?.();
    this.clearFenceTimer();
    await this.loop;
    // A renewal that was in flight may have armed it again.
    this.clearFenceTimer();
    this.current = null;
    for (const id of this.incarnations.splice(0)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await this.store.deregisterWorker(id, remaining).catch((error: Error) => {
        this.logger.warn(`Could not deregister worker ${id} (${error.message}); its lease will run out`);
      });
    }
  }

  private async register(): Promise<void> {
    const id = randomUUID();
    const sent = performance.now();
    await this.store.registerWorker(
      {
        id,
        hostname: hostname(),
        pid: process.pid,
        queues: this.settings.queues,
        concurrency: this.settings.concurrency,
        leaseMs: this.settings.leaseMs,
      },
      // Not a renewal's timeout (a fifth of the lease, 100 ms for a 500 ms
      // lease): a busy server took longer at bootstrap and failed it. The
      // lease still counts from the moment the registration was sent.
      this.settings.statementTimeoutMs,
    );
    this.incarnations.push(id);
    this.current = id;
    this.renewed(sent);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.sleep(this.failures === 0 ? this.settings.heartbeatIntervalMs : Math.min(this.retryMaxMs, 25 * 2 ** this.failures));
      if (this.stopped) return;
      if (this.current === null) {
        await this.reRegister();
        continue;
      }
      const id = this.current;
      const sent = performance.now();
      try {
        const renewal = await this.store.renewLease(id, this.renewalTimeoutMs);
        this.reachable();
        if (!renewal) this.fence(id, 'its lease had ended when its renewal arrived; its tasks may have been rescued');
        else if (this.current === id) {
          this.renewed(sent);
          if (renewal.cancelRequested.length > 0) this.events.cancelRequested(renewal.cancelRequested);
        }
      } catch (error) {
        this.unreachable(error as Error);
      }
    }
  }

  private async reRegister(): Promise<void> {
    try {
      await this.register();
      this.reachable();
      this.logger.warn(`Worker registered again as ${this.current}; claiming resumes`);
      this.events.live(this.current!);
    } catch (error) {
      this.unreachable(error as Error);
    }
  }

  private renewed(sentAt: number): void {
    if (this.stopped) return;
    this.lastRenewalSentAt = sentAt;
    this.clearFenceTimer();
    const fenceIn = this.lastRenewalSentAt + this.settings.leaseMs * FENCE_AT_LEASE_RATIO - performance.now();
    this.fenceTimer = setTimeout(() => {
      if (this.current) this.fence(this.current, `it could not renew its lease for ${Math.round(performance.now() - this.lastRenewalSentAt)} ms`);
    }, Math.max(0, fenceIn));
  }

  private fence(id: string, reason: string): void {
    if (this.current !== id) return;
    this.current = null;
    this.clearFenceTimer();
    this.logger.warn(`Worker ${id} fenced itself: ${reason}. It stops claiming and aborts its running tasks`);
    this.events.fenced(id, reason);
    this.wakeSleep?.();
  }

  private reachable(): void {
    if (this.outageLogged) this.logger.log('The queue database answers again');
    this.failures = 0;
    this.outageLogged = false;
  }

  private unreachable(error: Error): void {
    this.failures = Math.min(this.failures + 1, 16);
    if (!this.outageLogged) {
      this.outageLogged = true;
      this.logger.warn(`Lease renewal failed (${error.message}); retrying`);
    }
  }

  private clearFenceTimer(): void {
    if (this.fenceTimer) clearTimeout(this.fenceTimer);
    this.fenceTimer = null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wakeSleep = null;
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}
