import { Injectable } from '@nestjs/common';
import { QueueUnavailableError } from '../errors/queue-unavailable.error.js';
import { WakeupNotifier } from '../notifications/wakeup-notifier.js';
import type { NewTaskRow } from '../persistence/sql/insert-tasks.sql.js';
import { TaskStore } from '../persistence/task-store.js';
import { wakeupPayload } from '../notifications/queue-notification.js';
import { toPublicError } from './public-error.js';

/** Statements of single enqueues in flight at once; more concurrent `add` calls wait and go together. */
const MAX_IN_FLIGHT = 2;
/** Rows of one coalesced statement. */
const MAX_BATCH_ROWS = 500;
/** Bytes of arguments of one coalesced statement; a larger row goes alone. */
const MAX_BATCH_ARG_BYTES = 4 * 2 ** 20;

export interface InsertedTask {
  id: string;
  runAt: Date;
}

interface Waiting {
  row: NewTaskRow;
  resolve: (inserted: InsertedTask) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for single enqueues: concurrent `add` calls of one process
 * share statements and commits.
 *
 * A call goes out at once, alone, while fewer than {@link MAX_IN_FLIGHT} of
 * its statements are in flight, so an isolated `add` waits for nothing. Calls
 * that arrive while that many are in flight wait for the first of them to
 * finish, and then go out together as one multi-row INSERT in one
 * transaction. No timer is involved: the batch is whatever arrived during one
 * round trip, so the busier the process, the larger (and cheaper per row) its
 * statements, and PostgreSQL spends one commit (one WAL flush) on many tasks.
 *
 * A coalesced statement is atomic, so one row the database refuses (a value
 * a trigger rejects, say) would fail its neighbours: when the server refused
 * the statement (it rolled back, nothing was written), its rows are sent
 * again one by one, and only the refused row's caller gets the error. When
 * the connection was lost instead, the statement may have committed with its
 * reply lost; sending the rows again could write them twice, so every caller
 * gets the QueueUnavailableError, as it would for a statement of its own.
 */
@Injectable()
export class EnqueueBatcher {
  private inFlight = 0;
  private waiting: Waiting[] = [];

  constructor(
    private readonly store: TaskStore,
    private readonly notifier: WakeupNotifier,
  ) {}

  /** Writes `row`; resolves once it is committed. Errors are the public ones (see toPublicError). */
  insert(row: NewTaskRow): Promise<InsertedTask> {
    return new Promise<InsertedTask>((resolve, reject) => {
      const call: Waiting = { row, resolve, reject };
      if (this.inFlight < MAX_IN_FLIGHT && this.waiting.length === 0) this.send([call]);
      else this.waiting.push(call);
    });
  }

  private send(calls: Waiting[]): void {
    this.inFlight++;
    const sent = calls.length === 1 ? this.insertOne(calls[0]!) : this.insertBatch(calls);
    void sent.finally(() => {
      this.inFlight--;
      this.sendWaiting();
    });
  }

  private sendWaiting(): void {
    while (this.waiting.length > 0 && this.inFlight < MAX_IN_FLIGHT) this.send(this.takeBatch());
  }

  /** The longest prefix of the waiting calls within the batch limits (at least one call). */
  private takeBatch(): Waiting[] {
    let bytes = 0;
    let count = 0;
    for (const call of this.waiting) {
      bytes += call.row.args.length;
      if (count > 0 && (count === MAX_BATCH_ROWS || bytes > MAX_BATCH_ARG_BYTES)) break;
      count++;
    }
    return this.waiting.splice(0, count);
  }

  private async insertOne(call: Waiting): Promise<void> {
    const { row } = call;
    const carries = this.notifier.tryCarry(row.queue, isDelayed(row));
    try {
      const inserted = await this.store.insertTask(row, carries);
      if (carries) this.notifier.carried(true);
      else this.notifier.wake(row.queue, inserted.run_at.getTime());
      call.resolve({ id: inserted.id, runAt: inserted.run_at });
    } catch (error) {
      if (carries) this.notifier.carried(false);
      call.reject(toPublicError(error, 'args'));
    }
  }

  private async insertBatch(calls: Waiting[]): Promise<void> {
    const rows = calls.map((call) => call.row);
    const queue = rows[0]!.queue;
    const oneQueueDueNow = rows.every((row) => row.queue === queue && !isDelayed(row));
    const carries = oneQueueDueNow && this.notifier.tryCarry(queue, false);
    let inserted: { id: string; run_at: Date }[];
    try {
      inserted = await this.store.insertTasks(rows, carries ? wakeupPayload([queue], null) : undefined);
    } catch (error) {
      if (carries) this.notifier.carried(false);
      if (!(error instanceof QueueUnavailableError)) {
        // The server refused the statement, so nothing of it was written: send
        // the rows one by one, and only the refused row's caller sees an error.
        for (const call of calls) await this.insertOne(call);
      } else {
        for (const call of calls) call.reject(toPublicError(error, 'args'));
      }
      return;
    }
    if (carries) this.notifier.carried(true);
    else this.wakeQueuesOf(rows, inserted);
    calls.forEach((call, index) => call.resolve({ id: inserted[index]!.id, runAt: inserted[index]!.run_at }));
  }

  private wakeQueuesOf(rows: readonly NewTaskRow[], inserted: readonly { run_at: Date }[]): void {
    this.notifier.wakeMany(rows.map((row, index) => ({ queue: row.queue, runAt: inserted[index]!.run_at.getTime() })));
  }
}

function isDelayed(row: NewTaskRow): boolean {
  return row.runAt !== null || row.delayMs > 0;
}
