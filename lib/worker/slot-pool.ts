import type { ResolvedSlotPool } from '../config/resolved-config.js';

/** A producer as its slot pool sees it. */
export interface SlotPoolMember {
  /** It has work (claims in flight, rows waiting, tasks running) or is not known to be drained. */
  readonly wanting: boolean;
  /** Starts its next waiting row in a slot of this pool. @returns false when it has none waiting. */
  startOne(): boolean;
}

/**
 * `concurrency` slots shared by the producers of some queues (one producer
 * when the pool serves every queue, or when a queue has slots of its own).
 *
 * Fairness: free slots are handed to the producers in turn, one row each
 * (round robin), and each wanting producer may claim an equal share of the
 * slots. A queue with a deep backlog therefore cannot keep another one
 * waiting: as soon as the other's claim returns, its rows start at the next
 * free slots, alternating with the backlog's.
 */
export class SlotPool {
  private readonly members: SlotPoolMember[] = [];
  private nextMember = 0;
  private taken = 0;

  constructor(readonly concurrency: number) {}

  join(member: SlotPoolMember): void {
    this.members.push(member);
  }

  get free(): number {
    return this.concurrency - this.taken;
  }

  /** A task started in a slot of this pool. */
  acquire(): void {
    this.taken++;
  }

  /** Its handler settled: the slot is free again. */
  release(): void {
    this.taken--;
  }

  /** Slots one wanting producer may claim for: an equal share, rounded up. */
  share(): number {
    const wanting = this.members.reduce((count, member) => count + (member.wanting ? 1 : 0), 0);
    return Math.ceil(this.concurrency / Math.max(1, wanting));
  }

  /** Fills free slots from the producers' waiting rows, one producer at a time in turn. */
  fill(mayStart: () => boolean): void {
    let emptyInARow = 0;
    while (this.free > 0 && emptyInARow < this.members.length && mayStart()) {
      const member = this.members[this.nextMember]!;
      this.nextMember = (this.nextMember + 1) % this.members.length;
      emptyInARow = member.startOne() ? 0 : emptyInARow + 1;
    }
  }
}

/** "every queue: 10 slot(s)", or each pool's queues and slots, for the worker's start line. */
export function describeSlotPools(pools: readonly ResolvedSlotPool[]): string {
  return pools.map((pool) => `${pool.queues.map((queue) => queue ?? 'every queue').join(' + ')}: ${pool.concurrency} slot(s)`).join('; ');
}
