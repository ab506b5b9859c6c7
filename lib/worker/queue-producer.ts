/**
 * The claiming side of one queue (or of every queue) in a worker process.
 *
 * ```
 *            wake / slot freed                 rows returned
 *   idle ───────────────────────▶ claiming ─────────────────────▶ running
 *    ▲                             │   ▲                             │
 *    │  nothing claimed, drained   │   └── refill (share + prefetch) ┘
 *    └─────────────────────────────┘                                 │
 *    ▲              last row ran, nothing more claimable             │
 *    └───────────────────────────────────────────────────────────────┘
 *
 *   any state ── stop() ──▶ draining (buffered rows handed back; claims
 *                           in flight end) ── stopped() ──▶ stopped
 * ```
 *
 * - idle: nothing claimed, running or waiting; woken by a NOTIFY naming its
 *   queue, a retry or delayed task becoming due (its timer), a slot freed in
 *   its pool, a reconnection or the poll.
 * - claiming: claim statements in flight (at most two, see ClaimLanes), each
 *   also promoting the queue's due scheduled tasks.
 * - running: rows of its own waiting for or holding slots of its pool.
 *
 * Each producer claims for its own share of its pool's free slots and its
 * own prefetch (sized from its own queue's task durations); with
 * `prefetch: false` it claims for free slots only.
 *
 * A producer of one queue is *controlled* while its queue is paused or
 * limited (see QueueControlsWatcher): it claims nothing while paused, and
 * otherwise claims for free slots only, through the controlled claim; when
 * a limit left due tasks behind, it tries again after a moment (or when its
 * rate window frees a start), since slots freed in other processes send no
 * notification.
 */
import { QueueProducerStateError } from '../errors/queue-producer-state.error.js';
import type { ClaimedTaskRow } from '../persistence/sql/task-row.js';
import type { TaskStore } from '../persistence/task-store.js';
import { DEFAULT_MAX_CLAIM_BATCH } from '../queued-tasks.constants.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import { ClaimLanes } from './claim-lanes.js';
import { NextRunTimer } from './next-run-timer.js';
import { PrefetchSizer } from './prefetch-sizer.js';
import { QueueControlState, type QueueControl } from './queue-control-state.js';
import type { SlotPool, SlotPoolMember } from './slot-pool.js';
import type { HeldRow } from './task-handback.js';

export type ProducerState = 'idle' | 'claiming' | 'running' | 'draining' | 'stopped';

const TRANSITIONS: Record<ProducerState, readonly ProducerState[]> = {
  idle: ['claiming', 'draining'],
  claiming: ['running', 'idle', 'draining'],
  running: ['claiming', 'idle', 'draining'],
  draining: ['stopped'],
  stopped: [],
};

/** What a producer needs of its worker. */
export interface ProducerHost {
  /** Claiming is allowed now: accepting, and no reconciliation due. */
  mayClaim(): boolean;
  accepting(): boolean;
  /** The live incarnation's id, or null while fenced. */
  workerId(): string | null;
  /** Task names this process can run. */
  names(): string[];
  /** Starts `held` in a slot of the producer's pool (the pool has a free slot). */
  launch(held: HeldRow, producer: QueueProducer): void;
  /** Rows claimed under `workerId` may be started: the worker still takes work and `workerId` is its live incarnation. */
  owns(workerId: string): boolean;
  /** Rows claimed under `workerId` that will not be started: back to pending, attempt not spent. */
  handBack(rows: ClaimedTaskRow[], workerId: string): Promise<void>;
  /**
   * The queue is paused or limited now (as this process last heard): its rows
   * from a plain claim, whose snapshot predates that, are handed back rather
   * than started.
   */
  heldBack(queue: string): boolean;
  /** Some queue is paused or limited now (as this process last heard). */
  anyControlled(): boolean;
  /** Fills the free slots of every pool. */
  fillSlots(): void;
  /** A claim failed: it may have committed with its reply lost. */
  claimFailed(): void;
  /** This producer has no claim in flight any more. */
  claimsIdle(): void;
}

export interface ProducerSettings {
  /** The queue claimed, or null for every queue. */
  queue: string | null;
  /** Upper bound of the prefetch; 0 claims for free slots only. */
  maxPrefetch: number;
  pollIntervalMs: number;
}

export class QueueProducer implements SlotPoolMember {
  private current: ProducerState = 'idle';
  private buffer: HeldRow[] = [];
  /** Its tasks holding slots of the pool. */
  private active = 0;
  readonly prefetch: PrefetchSizer;
  readonly timer: NextRunTimer;
  readonly lanes: ClaimLanes;
  private readonly control = new QueueControlState(() => this.wake());

  constructor(
    store: TaskStore,
    private readonly recorder: AttemptRecorder,
    readonly pool: SlotPool,
    readonly settings: ProducerSettings,
    private readonly host: ProducerHost,
  ) {
    this.prefetch = new PrefetchSizer(pool.concurrency, settings.maxPrefetch);
    this.timer = new NextRunTimer(store, { queue: settings.queue, names: () => host.names(), maxRetryMs: settings.pollIntervalMs }, () => this.wake());
    this.lanes = new ClaimLanes(store, recorder, this.prefetch, this.timer, { names: () => host.names(), queue: settings.queue, pollIntervalMs: settings.pollIntervalMs }, {
      accepting: () => host.accepting(),
      mayClaim: () => host.mayClaim() && this.current !== 'draining' && this.current !== 'stopped',
      workerId: () => host.workerId(),
      claimSize: (rowsInFlight) => this.claimSize(rowsInFlight),
      startBuffered: () => host.fillSlots(),
      take: (rows, workerId, byControlledClaim) => this.take(rows, workerId, byControlledClaim),
      failed: () => host.claimFailed(),
      claiming: () => this.settle(),
      idle: () => {
        this.settle();
        host.claimsIdle();
      },
      controlled: () => this.control.controlled,
      aroundControlled: () => this.settings.queue === null && host.anyControlled(),
      controlledStatus: (status) => this.control.apply(status),
    });
    pool.join(this);
  }

  get state(): ProducerState {
    return this.current;
  }

  get queue(): string | null {
    return this.settings.queue;
  }

  /** Its queue is paused (it claims nothing). */
  get paused(): boolean {
    return this.control.paused;
  }

  /** Its queue is paused or limited (claimed through the controlled claim). */
  get controlled(): boolean {
    return this.control.controlled;
  }

  /**
   * What the `queues` table says of its queue now (null: neither paused nor
   * limited). A producer of every queue is never controlled: the claims of
   * every queue skip controlled ones, which get producers of their own.
   * @returns true when it changed.
   */
  setControl(control: QueueControl | null): boolean {
    if (this.settings.queue === null) return false;
    return this.control.set(control);
  }

  /** Serves tasks of `queue`. */
  serves(queue: string): boolean {
    return this.settings.queue === null || this.settings.queue === queue;
  }

  get wanting(): boolean {
    return this.active + this.buffer.length > 0 || this.lanes.inFlight > 0 || !this.lanes.isDrained;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Rows claimed and waiting for a slot. */
  get waiting(): readonly HeldRow[] {
    return this.buffer;
  }

  /** Something may be claimable now. */
  wake(): void {
    this.lanes.wake();
  }

  /** Claims if it should (a slot freed, or the buffer ran low). */
  fill(): void {
    this.lanes.fill();
  }

  /**
   * A slot just freed and nothing of ours waits for it: claim for it before
   * the pool hands it to another producer's waiting rows, or a queue with a
   * deep backlog would always find the slot taken.
   */
  claimIfHungry(): void {
    if (this.buffer.length === 0 && this.lanes.inFlight === 0 && !this.lanes.isDrained) this.lanes.fill(false);
  }

  startOne(): boolean {
    const held = this.buffer.shift();
    if (held === undefined) return false;
    this.active++;
    this.host.launch(held, this);
    return true;
  }

  /** One of its tasks left its slot. */
  settled(taskMs: number): void {
    this.active--;
    this.prefetch.recordTask(taskMs);
    this.settle();
    // Under a limit its own task's end frees room: ask now rather than at the
    // next retry. Its outcome, queued just after this, rides on that claim
    // (held for it): one commit records the end and takes the next task.
    if (this.control.claimsOnSettle) {
      this.recorder.hold();
      setImmediate(() => {
        this.wake();
        if (this.lanes.inFlight === 0) this.host.claimsIdle();
      });
    }
  }

  /** Takes out waiting rows, all of them or those matching `which`. */
  takeWaiting(which: (held: HeldRow) => boolean = () => true): HeldRow[] {
    const taken = this.buffer.filter(which);
    this.buffer = this.buffer.filter((held) => !which(held));
    this.settle();
    return taken;
  }

  /** Stops claiming; its waiting rows are the caller's to hand back. */
  stop(): HeldRow[] {
    this.timer.clear();
    this.control.clearRetry();
    if (this.current === 'draining' || this.current === 'stopped') return this.takeWaiting();
    this.to('draining');
    return this.takeWaiting();
  }

  /** Drained: no claim of its own will come any more. */
  stopped(): void {
    if (this.current === 'draining') this.to('stopped');
  }

  /**
   * How many tasks to claim now, or 0: for the pool's free slots, up to its
   * share of the pool, plus up to twice its prefetch target, counting the
   * rows it holds and has asked for. It claims only when at least a target's
   * worth is missing (one statement feeds many runs), or when it has nothing
   * waiting and nothing coming while a slot is free. Never for slots that are
   * not free: with prefetch 0 a producer holds no row it cannot start.
   */
  private claimSize(rowsInFlight: number): number {
    if (this.control.paused) return 0;
    const target = this.control.controlled ? 0 : this.prefetch.target();
    const slots = Math.max(0, Math.min(this.pool.share() - this.active, this.pool.free));
    const deficit = slots + 2 * target - this.buffer.length - rowsInFlight;
    if (deficit <= 0) return 0;
    const starving = this.pool.free > 0 && this.buffer.length === 0 && rowsInFlight === 0;
    if (!starving && deficit < Math.max(1, target)) return 0;
    return Math.min(deficit, DEFAULT_MAX_CLAIM_BATCH);
  }

  private async take(rows: ClaimedTaskRow[], workerId: string, byControlledClaim: boolean): Promise<boolean> {
    // Checked and buffered in one go: shutdown or fencing must not slip in between.
    if (this.current === 'draining' || this.current === 'stopped' || !this.host.owns(workerId)) {
      await this.host.handBack(rows, workerId);
      return false;
    }
    // A plain claim sent before its queue was paused or limited: those rows go back for the
    // controlled claim to take (or not) under the queue's limits.
    const heldBack = byControlledClaim ? [] : rows.filter((row) => this.host.heldBack(row.queue));
    if (heldBack.length > 0) void this.host.handBack(heldBack, workerId);
    for (const row of rows) if (heldBack.length === 0 || !heldBack.includes(row)) this.buffer.push({ row, workerId });
    this.settle();
    this.host.fillSlots();
    return true;
  }

  /** Moves to the state its work says, unless draining or stopped. */
  private settle(): void {
    if (this.current === 'draining' || this.current === 'stopped') return;
    const next: ProducerState = this.lanes.inFlight > 0 ? 'claiming' : this.active + this.buffer.length > 0 ? 'running' : 'idle';
    if (next !== this.current) this.to(next);
  }

  private to(next: ProducerState): void {
    if (!TRANSITIONS[this.current].includes(next)) {
      throw new QueueProducerStateError(this.settings.queue, this.current, next);
    }
    this.current = next;
  }
}
