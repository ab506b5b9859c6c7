import type { ResolvedWorkerConfig } from '../config/resolved-config.js';
import type { WakeupNotification } from '../notifications/queue-notification.js';
import type { TaskStore } from '../persistence/task-store.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import { QueueProducer, type ProducerHost } from './queue-producer.js';
import type { QueueControl } from './queue-control-state.js';
import { SlotPool } from './slot-pool.js';
import type { HeldRow } from './task-handback.js';

/**
 * The producers of one worker process, built from its slot pools (see
 * `worker.queues`), and what the worker asks of all of them at once: wake
 * them, route a wake-up to those serving its queues, fill slots, stop.
 */
export class QueueProducers {
  private producers: QueueProducer[];
  private readonly pools: readonly SlotPool[];
  private stopping = false;
  /** Paused and limited queues, as last applied. */
  private controls: ReadonlyMap<string, QueueControl> = new Map();
  private readonly host: ProducerHost;

  constructor(
    private readonly store: TaskStore,
    private readonly recorder: AttemptRecorder,
    private readonly settings: ResolvedWorkerConfig,
    host: Omit<ProducerHost, 'heldBack' | 'anyControlled'>,
  ) {
    this.host = { ...host, heldBack: (queue) => this.controls.has(queue), anyControlled: () => this.controls.size > 0 };
    const pools: SlotPool[] = [];
    this.producers = settings.slotPools.flatMap((poolSettings) => {
      const pool = new SlotPool(poolSettings.concurrency);
      pools.push(pool);
      return poolSettings.queues.map(
        (queue) => new QueueProducer(store, recorder, pool, { queue, maxPrefetch: settings.prefetch, pollIntervalMs: settings.pollIntervalMs }, this.host),
      );
    });
    this.pools = pools;
  }

  get all(): readonly QueueProducer[] {
    return this.producers;
  }

  /**
   * Applies what the `queues` table says (`controls`: every paused or
   * limited queue): producers of those queues become controlled, the others
   * plain. A controlled queue served only by a producer of every queue gets
   * a producer of its own in that producer's pool (claiming for free slots
   * only), since the claims of every queue skip it. Producers whose control
   * changed are woken (a resumed queue claims at once).
   */
  applyControls(controls: ReadonlyMap<string, QueueControl>): void {
    if (this.stopping) return;
    this.controls = controls;
    for (const [queue] of controls) {
      if (this.producers.some((producer) => producer.queue === queue)) continue;
      const everyQueue = this.producers.find((producer) => producer.queue === null);
      if (everyQueue === undefined) continue;
      this.producers.push(
        new QueueProducer(this.store, this.recorder, everyQueue.pool, { queue, maxPrefetch: 0, pollIntervalMs: this.settings.pollIntervalMs }, this.host),
      );
    }
    for (const producer of this.producers) {
      if (producer.queue === null) {
        // Rows it claimed ahead for queues now paused or limited: back to pending, not started.
        this.handBackHeld(producer.takeWaiting((held) => controls.has(held.row.queue)));
        continue;
      }
      const wasPlain = !producer.controlled;
      if (!producer.setControl(controls.get(producer.queue) ?? null)) continue;
      // Paused, or newly limited: what it holds ahead was claimed without the limits.
      if (producer.paused || (wasPlain && producer.controlled)) this.handBackHeld(producer.takeWaiting());
      if (producer.state !== 'draining' && producer.state !== 'stopped') producer.wake();
    }
  }

  /** Rows taken out of producers' buffers, back to pending (each under the incarnation that claimed it). */
  private handBackHeld(held: readonly HeldRow[]): void {
    const byWorker = new Map<string, HeldRow['row'][]>();
    for (const { row, workerId } of held) byWorker.set(workerId, [...(byWorker.get(workerId) ?? []), row]);
    for (const [workerId, rows] of byWorker) void this.host.handBack(rows, workerId);
  }

  /** Claim statements in flight, all producers together. */
  get claimsInFlight(): number {
    return this.all.reduce((sum, producer) => sum + producer.lanes.inFlight, 0);
  }

  /**
   * Wakes every producer, at start, at each poll, after the LISTEN connection
   * comes back and when the lease is live again: moments when run times may
   * have gone unheard, so their next claims promote due scheduled tasks.
   */
  wakeAll(): void {
    for (const producer of this.all) {
      producer.timer.forget();
      producer.wake();
    }
  }

  /** Each producer claims if it should. */
  fillAll(): void {
    for (const producer of this.all) producer.fill();
  }

  /** A slot of `pool` freed: producers with nothing waiting claim for it first, then the rest refill. */
  slotFreed(pool: SlotPool, mayStart: () => boolean): void {
    const members = this.all.filter((producer) => producer.pool === pool);
    if (members.length > 1) for (const producer of members) producer.claimIfHungry();
    this.fillSlots(mayStart);
    for (const producer of members) producer.fill();
  }

  /** Starts waiting rows in the free slots of every pool. */
  fillSlots(mayStart: () => boolean): void {
    for (const pool of this.pools) pool.fill(mayStart);
  }

  /** The producer claiming `queue`: its own, or the one for every queue. */
  of(queue: string): QueueProducer | undefined {
    return this.all.find((producer) => producer.queue === queue) ?? this.all.find((producer) => producer.queue === null);
  }

  /** A wake-up reaches the producers of the queues it names (all, when it names none): now, or at its run time. */
  route(notification: WakeupNotification): void {
    const due = notification.runAt === null || notification.runAt <= Date.now();
    for (const producer of this.all) {
      if (notification.queues !== null && !notification.queues.some((queue) => producer.serves(queue))) continue;
      if (notification.mayHaveScheduled) producer.timer.forget();
      if (due) producer.wake();
      else producer.timer.armAt(notification.runAt!);
    }
  }

  /** Rows claimed and not started, of every producer (optionally only those matching `which`), taken out. */
  takeWaiting(which?: (held: HeldRow) => boolean): HeldRow[] {
    return this.all.flatMap((producer) => producer.takeWaiting(which));
  }

  /** Rows claimed and not started, left in place. */
  waiting(): HeldRow[] {
    return this.all.flatMap((producer) => [...producer.waiting]);
  }

  /** Stops every producer's claiming. @returns their waiting rows, to hand back. */
  stop(): HeldRow[] {
    this.stopping = true;
    return this.all.flatMap((producer) => producer.stop());
  }

  /** Settles when every producer's claims in flight have. */
  async claimsSettled(): Promise<void> {
    await Promise.all(this.all.map((producer) => producer.lanes.settled()));
  }

  stopped(): void {
    for (const producer of this.all) producer.stopped();
  }
}
