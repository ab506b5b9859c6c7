import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { QUEUED_TASKS_CONFIG } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig, ResolvedWorkerConfig } from '../config/resolved-config.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import { NotificationListener } from '../notifications/notification-listener.js';
import type { QueueNotification } from '../notifications/queue-notification.js';
import { QueueDatabase } from '../persistence/queue-database.js';
import { TaskReportStore } from '../persistence/task-report-store.js';
import { TaskStore } from '../persistence/task-store.js';
import { CancelRequests } from './cancel-requests.js';
import { formatSeconds, listNames } from './log-format.js';
import { AttemptRecorder, attemptKey } from './attempt-recorder.js';
import { sleepUntil } from './deadline.js';
import { AttemptLauncher } from './attempt-launcher.js';
import type { ProducerHost } from './queue-producer.js';
import { QueueProducers } from './queue-producers.js';
import { QueueControlsWatcher } from './queue-controls-watcher.js';
import { describeSlotPools } from './slot-pool.js';
import { Reconciler } from './reconciler.js';
import { RunningAttempts } from './running-attempts.js';
import { TaskHandback } from './task-handback.js';
import { TaskReportWriter } from './task-report-writer.js';
import { progressEvent } from './progress-events.js';
import { TaskRunner } from './task-runner.js';
import { WorkerLease } from './worker-lease.js';
import { TaskEventBus } from '../events/task-event-bus.js';
import type { WorkerEventType } from '../interfaces/task-event.interface.js';

/**
 * After shutdown's grace period, aborted handlers get this long (and at most
 * half the grace period) to return before their tasks are handed back anyway.
 */
const ABORT_GRACE_MAX_MS = 1_000;
/** Budget of shutdown's final writes (releases, completions, deregistration) once the grace period is over. */
const FINAL_WRITES_MS = 2_000;

/**
 * This process's worker: one producer per queue served (or one for every
 * queue) claims due tasks in batches into slot pools, which run up to their
 * `concurrency` at once (see QueueProducer, SlotPool).
 *
 * ```
 *                 bootstrap                 lease lost (fenced)
 *  (stopped) ───────────────▶ claiming ─────────────────────────▶ fenced: aborts its handlers,
 *       ▲                       │   ▲                             claims nothing
 *       │     close()           │   └──── registered again (new id) ───┘
 *       └──── draining ◀────────┘
 * ```
 *
 * A producer claims when woken: by a NOTIFY naming its queue, by a slot of
 * its pool freeing up while its queue is not known to be empty, by its timer
 * at the earliest known run time of a scheduled task, after the LISTEN
 * connection comes back, and by the slow polling fallback.
 *
 * Running attempts are kept by attempt, not by task (see RunningAttempts);
 * it reconciles after a claim error and every lease (see Reconciler).
 *
 * Started at `onApplicationBootstrap` (handlers are discovered by then) and
 * drains at `beforeApplicationShutdown`, before TypeORM closes its DataSource.
 */
@Injectable()
export class TaskWorker implements BeforeApplicationShutdown {
  private readonly logger = new Logger('QueuedTasks');
  private readonly settings: ResolvedWorkerConfig;
  private readonly running = new RunningAttempts();
  private readonly recorder: AttemptRecorder;
  private readonly handback: TaskHandback;
  private readonly reconciler: Reconciler;
  private readonly runner: TaskRunner;
  private readonly launcher: AttemptLauncher;
  private readonly reports: TaskReportWriter;
  private readonly lease: WorkerLease;
  private readonly producers: QueueProducers;
  private readonly controls: QueueControlsWatcher;
  private readonly cancels = new CancelRequests();
  private names: string[] = [];
  private started = false;
  private accepting = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private subscriptions: Subscription[] = [];
  private lastId: string | null = null;

  constructor(
    @Inject(QUEUED_TASKS_CONFIG) config: ResolvedQueuedTasksConfig,
    private readonly registry: TaskRegistry,
    store: TaskStore,
    private readonly database: QueueDatabase,
    private readonly listener: NotificationListener,
    reportStore: TaskReportStore,
    private readonly events: TaskEventBus,
  ) {
    this.settings = config.worker;
    this.reports = new TaskReportWriter(reportStore, config.logs.maxLinesPerTask, (written) => {
      for (const { task, progress } of written) events.emit(progressEvent(task, progress));
    });
    this.recorder = new AttemptRecorder(store, (attempt, error) => this.runner.refuseResult(attempt, error));
    this.handback = new TaskHandback(store, this.recorder);
    this.reconciler = new Reconciler(store, this.settings.leaseMs);
    this.lease = new WorkerLease(store, this.settings, {
      fenced: (id) => this.onFenced(id),
      live: (id) => this.onLive(id),
      cancelRequested: (ids) => this.cancels.apply(ids, this.running.inSlots()),
    });
    const host: Omit<ProducerHost, 'heldBack' | 'anyControlled'> = {
      mayClaim: () => this.accepting && !this.reconciler.holdsClaims,
      accepting: () => this.accepting,
      workerId: () => this.lease.id,
      names: () => this.names,
      launch: (held, producer) => this.launcher.launch(held, producer),
      owns: (workerId) => this.accepting && this.lease.id === workerId,
      handBack: (rows, workerId) => this.handback.release(rows.map((row) => ({ row, workerId })), Date.now() + this.settings.statementTimeoutMs),
      fillSlots: () => this.fillSlots(),
      claimFailed: () => this.reconciler.markNeeded(),
      claimsIdle: () => {
        if (this.claimsInFlight > 0) return;
        // Records held for a claim go out on their own once no claim is coming.
        this.recorder.release();
        this.reconcile();
      },
    };
    this.producers = new QueueProducers(store, this.recorder, this.settings, host);
    this.controls = new QueueControlsWatcher(database, (controls) => this.producers.applyControls(controls));
    this.runner = new TaskRunner(
      store,
      this.recorder,
      events,
      (name) => this.registry.findByName(name),
      // An attempt failing while we drain must not re-arm the timers shutdown cleared.
      (runAt, queue) => this.accepting && this.producers.of(queue)?.timer.armAt(runAt.getTime()),
      this.reports,
    );
    this.launcher = new AttemptLauncher(this.runner, this.running, this.producers, this.handback, this.cancels, this.settings, () => this.accepting);
  }

  /** Identity of this worker in the registry (a new one after it fenced itself); null before it starts. */
  get id(): string | null {
    return this.lease.id ?? this.lastId;
  }

  /** Tasks this process is running now. */
  get activeCount(): number {
    return this.running.size;
  }

  get isRunning(): boolean {
    return this.accepting;
  }

  /** Queues this process serves; null for every queue. */
  get queues(): string[] | null {
    return this.settings.queues ? [...this.settings.queues] : null;
  }

  get concurrency(): number {
    return this.settings.concurrency;
  }

  /** Starts claiming, at `onApplicationBootstrap` (see QueuedTasksLifecycle), once handlers are discovered. */
  async start(): Promise<void> {
    if (!this.settings.enabled) return;
    this.names = this.registry.names();
    if (this.names.length === 0) {
      this.logger.warn('Worker enabled but no @QueuedTask() handler was found; not starting it');
      return;
    }
    try {
      this.lastId = await this.lease.start();
    } catch (error) {
      await this.lease.stop(Date.now() + FINAL_WRITES_MS);
      throw error;
    }
    this.started = true;
    this.subscriptions.push(
      this.listener.notifications$.subscribe((notification) => this.onNotification(notification)),
      this.listener.reconnected$.subscribe(() => {
        void this.controls.refresh();
        this.wakeAll();
      }),
    );
    await this.listener.start();
    this.pollTimer = setInterval(() => this.onPoll(), this.settings.pollIntervalMs);
    this.accepting = true;
    this.logger.log(
      `Worker ${this.lastId} started: ${describeSlotPools(this.settings.slotPools)}; handlers ${listNames(this.names)}; lease ${this.settings.leaseMs} ms`,
    );
    this.emitWorkerEvent('started');
    void this.controls.refresh();
    this.wakeAll();
  }

  /**
   * Drains within `shutdownTimeoutMs` from its start: stop claiming, hand
   * back tasks claimed ahead, let running ones finish, abort the rest through
   * their signal and hand their tasks back, write what is left, leave the
   * registry. A claim stuck in the database is cancelled, not waited for.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    const deadline = Date.now() + this.settings.shutdownTimeoutMs;
    this.started = false;
    this.accepting = false;
    this.emitWorkerEvent('draining');
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    const active = this.running.size;
    if (active > 0) this.logger.log(`Draining: waiting for ${active} running task(s), up to ${formatSeconds(this.settings.shutdownTimeoutMs)}`);

    const releasingBuffer = this.handback.release(this.producers.stop(), deadline);
    if (!(await this.running.allRecordedBy(deadline))) {
      this.logger.warn(
        `Aborting ${this.running.unrecordedCount} task(s) still running after ${this.settings.shutdownTimeoutMs} ms; they go back to pending`,
      );
      this.running.abortUnrecorded();
      await this.running.allRecordedBy(Date.now() + Math.min(ABORT_GRACE_MAX_MS, this.settings.shutdownTimeoutMs / 2));
    }
    this.runner.stop();
    const finalDeadline = Date.now() + FINAL_WRITES_MS;
    // Rows of handlers aborted (or still ignoring their signal) go back to pending.
    const handBack = this.running.takeUnrecorded().map(({ row, workerId }) => ({ row, workerId }));
    // Claims still in flight are not waited for: they are cancelled, and rows
    // they may have committed are rescued once this worker leaves the registry.
    this.database.cancelClaims();
    // A cancelled claim gives back the completions it carried: wait for it briefly before draining them.
    await Promise.race([
      this.producers.claimsSettled(),
      sleepUntil(Math.min(finalDeadline, Date.now() + 500)),
    ]);
    await Promise.all([releasingBuffer, this.handback.release(handBack, finalDeadline), this.recorder.drain(finalDeadline), this.reports.drain(finalDeadline)]);
    await this.handback.settledBy(finalDeadline);
    await this.lease.stop(finalDeadline);
    this.database.cancelClaims();
    this.producers.stopped();
    if (this.running.size > 0) {
      this.logger.warn(`${this.running.size} handler(s) ignored their AbortSignal and still run; their tasks were handed back`);
    }
    this.logger.log('Worker drained and stopped');
    this.emitWorkerEvent('stopped');
    // The last attempts' events go out now, before the pool closes (briefly: events$ is best-effort).
    await Promise.race([this.events.flush(), sleepUntil(Date.now() + FINAL_WRITES_MS / 2)]);
  }

  private emitWorkerEvent(type: WorkerEventType): void {
    this.events.emitWorker({ type, workerId: this.id, queues: this.queues, concurrency: this.concurrency, at: new Date() });
  }

  private onPoll(): void {
    // Lanes stop while a reconciliation is due; it runs once the last one has.
    if (this.reconciler.checkDue() && this.claimsInFlight === 0) this.reconcile();
    void this.controls.refresh();
    this.wakeAll();
  }

  private get claimsInFlight(): number {
    return this.producers.claimsInFlight;
  }

  private wakeAll(): void {
    this.producers.wakeAll();
  }

  private fillSlots(): void {
    this.producers.fillSlots(() => this.accepting);
  }

  /** The lease of incarnation `workerId` is lost: abort its handlers, hand back what it claimed ahead. */
  private onFenced(workerId: string): void {
    for (const attempt of this.running.inSlots()) {
      if (attempt.workerId === workerId) attempt.abort({ kind: 'lost', workerId });
    }
    const stale = this.producers.takeWaiting((held) => held.workerId === workerId);
    this.handback.releaseLater(stale, Date.now() + this.settings.statementTimeoutMs);
  }

  private onLive(workerId: string): void {
    this.lastId = workerId;
    this.reconciler.markNeeded();
    this.wakeAll();
  }

  private onNotification(notification: QueueNotification): void {
    if (notification.kind === 'wakeup') this.producers.route(notification);
    else if (notification.kind === 'cancel') this.cancels.apply(notification.ids, this.running.inSlots());
    else if (notification.kind === 'queues') void this.controls.refresh();
  }

  /** Reconciles if due and no claim is in flight (see Reconciler). */
  private reconcile(): void {
    if (!this.accepting || this.claimsInFlight > 0) return;
    this.reconciler.run(this.lease.id, () => this.heldKeys(), () => this.producers.fillAll());
  }

  /** Every attempt whose row this worker may still hold: claimed ahead, running, or being recorded. */
  private heldKeys(): Set<string> {
    const keys = new Set([...this.recorder.pendingKeys(), ...this.runner.failingKeys(), ...this.running.unrecordedKeys()]);
    for (const { row, workerId } of this.producers.waiting()) keys.add(attemptKey({ id: row.id, attempt: row.attempts, workerId }));
    return keys;
  }
}
