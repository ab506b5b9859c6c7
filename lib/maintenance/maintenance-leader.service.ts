import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUED_TASKS_CONFIG } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { TaskStore } from '../persistence/task-store.js';
import { RetentionPass } from './retention-pass.js';
import { TaskEventBus } from '../events/task-event-bus.js';
import { emitRescueEvents } from './rescue-events.js';
import { ScheduleFirer } from './schedule-firer.js';

/** Scheduled tasks promoted per maintenance pass at most. */
const MAINTENANCE_PROMOTE_BATCH = 10_000;
/** Giving leadership up at shutdown may take this long; past it, the closing connection frees the lock anyway. */
const RELEASE_TIMEOUT_MS = 1_000;

/**
 * Maintenance (rescue of dead workers' tasks and removal of their rows,
 * promotion of due scheduled tasks of queues nobody claims, retention,
 * firing schedules) runs on one process at a time: the holder of a
 * per-schema advisory lock on its control connection. Every process, with
 * workers or not, asks for the lock every `rescueIntervalMs`; the leader
 * passes every `rescueIntervalMs` or half the shortest lease among the
 * registered workers, whichever is shorter. When the
 * leader's process dies its connection closes and the next asker takes over,
 * within one interval (or about 11 s of server-side keepalives if the
 * leader's machine vanished without closing its socket).
 *
 * Two leaders at once (a lock lost and taken while a pass was running) are
 * harmless: every maintenance statement is safe to run concurrently.
 */
@Injectable()
export class MaintenanceLeader implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('QueuedTasks');
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  /** Generation of the control connection the lock was taken on; null when not leader. */
  private heldOn: number | null = null;
  private stopped = false;
  private lastFailure = '';

  constructor(
    @Inject(QUEUED_TASKS_CONFIG) private readonly config: ResolvedQueuedTasksConfig,
    private readonly store: TaskStore,
    private readonly retention: RetentionPass,
    private readonly events: TaskEventBus,
    private readonly schedules: ScheduleFirer,
  ) {}

  /** True while this process holds the maintenance lock. */
  get isLeader(): boolean {
    return this.heldOn !== null && this.heldOn === this.store.controlGeneration();
  }

  onApplicationBootstrap(): void {
    void this.tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
    await this.schedules.stop();
    await this.retention.stop();
    if (this.isLeader) await this.store.releaseMaintenanceLock(RELEASE_TIMEOUT_MS).catch(() => undefined);
    this.heldOn = null;
  }

  /** One pass: take the lead if free, then, as leader, rescue. Exposed for tests and a CLI. */
  tick(): Promise<void> {
    if (this.inFlight || this.stopped) return this.inFlight ?? Promise.resolve();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight = this.pass().then((nextInMs) => {
      this.inFlight = null;
      if (!this.stopped) this.timer = setTimeout(() => void this.tick(), nextInMs);
    });
    return this.inFlight;
  }

  /** @returns ms until the next pass. */
  private async pass(): Promise<number> {
    const timeoutMs = this.config.worker.statementTimeoutMs;
    const interval = this.config.worker.rescueIntervalMs;
    try {
      if (!this.isLeader) {
        if (this.heldOn !== null) this.logger.warn('Lost the maintenance lead (control connection dropped)');
        this.heldOn = null;
        this.schedules.standDown();
        const { acquired, generation } = await this.store.tryMaintenanceLock(Math.min(timeoutMs, 5_000));
        if (!acquired) return interval;
        this.heldOn = generation;
      }
      // On its own timer, beside this pass; each pass re-plans it, so a new leader fires what is due at once.
      this.schedules.lead(() => this.isLeader);
      const outcome = await this.store.rescueOrphaned(this.config.worker.maxRescues);
      emitRescueEvents(this.events, outcome.tasks);
      // Workers promote the queues they claim; this covers queues nobody claims now.
      await this.store.promoteDue(MAINTENANCE_PROMOTE_BATCH);
      // At its own interval, beside this pass: a long prune never delays a rescue.
      this.retention.startIfDue();
      if (outcome.rescued > 0) {
        this.logger.warn(
          `Rescued ${outcome.rescued} task(s) of ${outcome.deadWorkers} worker(s) whose lease ended: ${listIds(outcome.rescuedIds, outcome.rescued)}` +
            (outcome.failed > 0 ? `; ${outcome.failed} failed (last attempt, or rescued too often): ${listIds(outcome.failedIds, outcome.failed)}` : ''),
        );
      }
      this.lastFailure = '';
      // Paced to the shortest lease in the fleet: a dead worker's tasks wait at most half a lease past its end.
      return outcome.shortestLeaseMs === null ? interval : Math.max(10, Math.min(interval, Math.round(outcome.shortestLeaseMs / 2)));
    } catch (error) {
      const message = (error as Error).message;
      // One line per kind of failure while it lasts, not one per pass.
      if (message !== this.lastFailure) this.logger.warn(`Maintenance pass failed: ${message}`);
      this.lastFailure = message;
      return interval;
    }
  }
}

/** `ids 4, 9, 12` or `ids 4, 9, … (40 in all)` when the sample is shorter than the count. */
function listIds(ids: string[], count: number): string {
  return `ids ${ids.join(', ')}${count > ids.length ? `, … (${count} in all)` : ''}`;
}
