import { Injectable } from '@nestjs/common';
import { QueueDatabase } from './queue-database.js';
import type { NewTaskRow } from './sql/insert-tasks.sql.js';
import { markQueueKeyedSql } from './sql/mark-queue-keyed.sql.js';

/**
 * The queues this process knows are keyed (their `queues` row has `keyed`
 * true): a task with a concurrency key may be inserted only into such a
 * queue, so that the controlled claim, never a plain one, takes it.
 *
 * The first keyed add per queue per process sends mark-queue-keyed.sql.ts
 * on the queue's own pool, committed before the add's insert is sent, even
 * when the add runs in the caller's transaction: that transaction may roll
 * back or wait, and the mark must do neither. Later adds find the queue in
 * the set and pay nothing. The set cannot go stale: nothing sets `keyed`
 * back to false. Concurrent first adds of one queue share one statement.
 * Tasks without a key never come here.
 */
@Injectable()
export class KeyedQueues {
  private readonly known = new Set<string>();
  private readonly marking = new Map<string, Promise<void>>();
  private readonly statement: string;

  constructor(private readonly db: QueueDatabase) {
    this.statement = markQueueKeyedSql(db.tables);
  }

  /** The queue is known keyed in this process (marked by it since it started). */
  isKnownKeyed(queue: string): boolean {
    return this.known.has(queue);
  }

  /** Marks `queue` keyed unless this process knows it is; resolves once that is committed. */
  ensure(queue: string): Promise<void> {
    if (this.known.has(queue)) return Promise.resolve();
    let marking = this.marking.get(queue);
    if (!marking) {
      marking = this.db.query(this.statement, [queue, this.db.tables.channel]).then(
        () => {
          this.known.add(queue);
          this.marking.delete(queue);
        },
        (error: unknown) => {
          // Not remembered: the next keyed add of this queue tries again.
          this.marking.delete(queue);
          throw error;
        },
      );
      this.marking.set(queue, marking);
    }
    return marking;
  }

  /**
   * Marks the queues of those `rows` that have a concurrency key, each once;
   * resolves at once (no statement) when there is none, or when each of
   * their queues is known keyed.
   */
  async ensureFor(rows: readonly NewTaskRow[]): Promise<void> {
    let queues: Set<string> | undefined;
    for (const row of rows) {
      if (row.concurrencyKey != null && !this.known.has(row.queue)) (queues ??= new Set()).add(row.queue);
    }
    if (queues) await Promise.all([...queues].map((queue) => this.ensure(queue)));
  }
}
