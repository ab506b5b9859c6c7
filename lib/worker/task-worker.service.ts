import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { DEFAULT_MAX_CLAIM_BATCH, QUEUED_TASKS_CONFIG } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig, ResolvedWorkerConfig } from '../config/resolved-config.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import { BootstrapFailureCleanup } from '../lifecycle/bootstrap-failure-cleanup.js';
import { NotificationListener } from '../notifications/notification-listener.js';
import type { QueueNotification } from '../notifications/queue-notification.js';
import type { ClaimedTaskRow } from '../persistence/sql/task-row.js';
import { TaskStore } from '../persistence/task-store.js';
import { CompletionBatcher } from './completion-batcher.js';
import { PrefetchSizer } from './prefetch-sizer.js';
import { TaskRunner, type RunningAttempt } from './task-runner.js';
import { NextRunTimer } from './next-run-timer.js';
import { WorkerRegistration } from './worker-registration.js';

/**
 * Claim statements a worker keeps in flight at once. While one claim's rows
 * are being written and returned by one PostgreSQL backend, a second one on
 * another connection uses the other core; SKIP LOCKED keeps their rows apart.
 */
const MAX_CLAIMS_IN_FLIGHT = 2;

/**
 * This process's worker: claims due tasks in batches and runs up to
 * `concurrency` at once.
 *
 * It claims when woken: by a NOTIFY from an enqueue, by a slot freeing up
 * while the queue is not known to be empty, by a timer at the earliest known
 * run time of a delayed task, after the LISTEN connection comes back, and by
 * the slow polling fallback. When a claim returns fewer tasks than asked, the
 * queue is drained and the worker stays idle until the next wake-up.
 *
 * Starts at `onApplicationBootstrap` (handlers are discovered by then) and
 * drains at `beforeApplicationShutdown`, before TypeORM closes its DataSource.
 */
@Injectable()
export class TaskWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** Identity of this process in the worker registry; unique per process, not per host. */
  readonly id = randomUUID();
  private readonly logger = new Logger('QueuedTasks');
  private readonly settings: ResolvedWorkerConfig;
  private readonly running = new Map<string, RunningAttempt>();
  private readonly completions: CompletionBatcher;
  private readonly runner: TaskRunner;
  private readonly timer: NextRunTimer;
  private readonly registration: WorkerRegistration;
  private readonly prefetch: PrefetchSizer;
  private buffer: ClaimedTaskRow[] = [];
  private released: ClaimedTaskRow[] = [];
  private names: string[] = [];
  private started = false;
  private accepting = false;
  private drained = false;
  private wakeGeneration = 0;
  /** Claims in flight (see MAX_CLAIMS_IN_FLIGHT), and the rows they asked for. */
  private readonly lanes = new Set<Promise<void>>();
  private rowsInFlight = 0;
  private pollTimer: NodeJS.Timeout | null = null;
  private subscriptions: Subscription[] = [];
  private lastClaimError = 0;

  constructor(
    @Inject(QUEUED_TASKS_CONFIG) config: ResolvedQueuedTasksConfig,
    private readonly registry: TaskRegistry,
    private readonly store: TaskStore,
    private readonly listener: NotificationListener,
    private readonly cleanup: BootstrapFailureCleanup,
  ) {
    this.settings = config.worker;
    this.prefetch = new PrefetchSizer(this.settings.concurrency, this.settings.prefetch);
    this.completions = new CompletionBatcher(store, this.id);
    this.registration = new WorkerRegistration(store, {
      id: this.id,
      queues: this.settings.queues,
      concurrency: this.settings.concurrency,
    });
    this.timer = new NextRunTimer(
      store,
      { queues: this.settings.queues, names: () => this.names, maxRetryMs: this.settings.pollIntervalMs },
      () => this.wake(),
    );
    this.runner = new TaskRunner(
      store,
      this.completions,
      this.id,
      (name) => this.registry.findByName(name),
      // An attempt failing while we drain must not re-arm the timer shutdown cleared.
      (runAt) => this.accepting && this.timer.armAt(runAt.getTime()),
    );
  }

  /** Tasks this process is running now. */
  get activeCount(): number {
    return this.running.size;
  }

  get isRunning(): boolean {
    return this.accepting;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings.enabled) return;
    this.names = this.registry.names();
    if (this.names.length === 0) {
      this.logger.warn('Worker enabled but no @QueuedTask() handler was found; not starting it');
      return;
    }
    try {
      await this.registration.register();
    } catch (error) {
      await this.cleanup.release();
      throw error;
    }
    this.started = true;
    this.subscriptions.push(
      this.listener.notifications$.subscribe((notification) => this.onNotification(notification)),
      this.listener.reconnected$.subscribe(() => this.wake()),
    );
    await this.listener.start();
    this.registration.startHeartbeat(this.settings.heartbeatIntervalMs);
    this.pollTimer = setInterval(() => this.wake(), this.settings.pollIntervalMs);
    this.accepting = true;
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.accepting = false;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.timer.clear();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    await Promise.all([...this.lanes]);
    await this.releaseTasks(this.buffer.splice(0));

    if (this.running.size > 0 && !(await this.allSettledWithin(this.settings.shutdownTimeoutMs))) {
      this.runner.stop();
      this.logger.warn(`Aborting ${this.running.size} task(s) still running after ${this.settings.shutdownTimeoutMs} ms; they go back to pending`);
      for (const attempt of this.running.values()) attempt.abort({ kind: 'shutdown' });
      await Promise.all([...this.running.values()].map((attempt) => attempt.done));
    }
    this.runner.stop();
    await this.releaseTasks(this.released.splice(0));
    await this.completions.drain(true);
    await this.registration.deregister();
  }

  /** Something may be claimable now. */
  private wake(): void {
    this.wakeGeneration++;
    this.drained = false;
    this.scheduleFill();
  }

  /** Starts a claim lane when one is free; each lane claims while claims are needed. */
  private scheduleFill(): void {
    if (!this.accepting || this.lanes.size >= MAX_CLAIMS_IN_FLIGHT) return;
    this.startBuffered();
    if (this.claimSize() === 0) return;
    const lane: Promise<void> = this.claimWhileNeeded()
      .catch(() => undefined)
      .finally(() => {
        this.lanes.delete(lane);
        // Completions held for a claim go out on their own once no claim is coming.
        if (this.lanes.size === 0) this.completions.release();
      });
    this.lanes.add(lane);
    // A second lane, if the first leaves enough to claim.
    this.scheduleFill();
  }

  /**
   * How many tasks to claim now, or 0. The worker aims to hold up to twice the
   * prefetch target, counting rows already asked for by claims in flight; it
   * claims only when at least a target's worth is missing (one statement
   * feeds many runs), or when a slot would otherwise wait with nothing
   * buffered or coming.
   */
  private claimSize(): number {
    if (this.drained) return 0;
    const free = this.settings.concurrency - this.running.size;
    const target = this.prefetch.target();
    const deficit = free + 2 * target - this.buffer.length - this.rowsInFlight;
    if (deficit <= 0) return 0;
    const starving = free > 0 && this.buffer.length === 0 && this.rowsInFlight === 0;
    if (!starving && deficit < Math.max(1, target)) return 0;
    return Math.min(deficit, DEFAULT_MAX_CLAIM_BATCH);
  }

  private async claimWhileNeeded(): Promise<void> {
    while (this.accepting) {
      this.startBuffered();
      const limit = this.claimSize();
      if (limit === 0) return;
      const generation = this.wakeGeneration;
      let rows: ClaimedTaskRow[];
      const completed = this.completions.takeForClaim();
      this.rowsInFlight += limit;
      try {
        const started = performance.now();
        rows = await this.store.claim(this.id, this.names, limit, this.settings.queues, completed);
        this.prefetch.recordClaim(performance.now() - started);
      } catch (error) {
        this.completions.requeue(completed);
        this.reportClaimError(error as Error);
        // Polling retries; spinning on a database that is down would not help.
        this.drained = true;
        return;
      } finally {
        this.rowsInFlight -= limit;
      }
      if (!this.accepting) {
        await this.releaseTasks(rows);
        return;
      }
      // RETURNING does not keep the claim's order; start the highest priority first.
      rows.sort(byClaimOrder);
      if (rows.length > 0) this.timer.resetBackoff();
      this.buffer.push(...rows);
      this.startBuffered();
      if (rows.length < limit && generation === this.wakeGeneration) {
        this.drained = true;
        void this.timer.armFromDatabase(() => this.accepting);
      }
    }
  }

  private startBuffered(): void {
    while (this.running.size < this.settings.concurrency && this.buffer.length > 0) {
      const row = this.buffer.shift()!;
      const started = performance.now();
      const attempt = this.runner.start(row);
      this.running.set(row.id, attempt);
      void attempt.done.then((outcome) => {
        this.prefetch.recordTask(performance.now() - started);
        this.running.delete(row.id);
        if (outcome === 'released') this.released.push(row);
        this.startBuffered();
        this.scheduleFill();
      });
    }
  }

  private onNotification(notification: QueueNotification): void {
    if (notification.kind !== 'wakeup' || !this.serves(notification.queues)) return;
    if (notification.runAt === null || notification.runAt <= Date.now()) this.wake();
    else this.timer.armAt(notification.runAt);
  }

  private serves(queues: string[] | null): boolean {
    const served = this.settings.queues;
    return served === null || queues === null || queues.some((queue) => served.includes(queue));
  }

  private async releaseTasks(rows: ClaimedTaskRow[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.store.release(this.id, rows);
    } catch (error) {
      this.logger.error(`Could not release ${rows.length} task(s) (${(error as Error).message}); they will be rescued`);
    }
  }

  private async allSettledWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const settled = Promise.all([...this.running.values()].map((attempt) => attempt.done)).then(() => true as const);
    try {
      return await Promise.race([settled, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private reportClaimError(error: Error): void {
    // One line per polling interval at most while the database is away.
    if (Date.now() - this.lastClaimError < this.settings.pollIntervalMs) return;
    this.lastClaimError = Date.now();
    this.logger.warn(`Claiming tasks failed: ${error.message}`);
  }
}

function byClaimOrder(a: ClaimedTaskRow, b: ClaimedTaskRow): number {
  return b.priority - a.priority || a.run_at.getTime() - b.run_at.getTime() || Number(BigInt(a.id) - BigInt(b.id));
}
