import type { CancelRequests } from './cancel-requests.js';
import type { QueueProducer } from './queue-producer.js';
import type { QueueProducers } from './queue-producers.js';
import type { RunningAttempts } from './running-attempts.js';
import type { HeldRow, TaskHandback } from './task-handback.js';
import type { AttemptEvents, TaskRunner } from './task-runner.js';

/**
 * Starts a claimed row in a slot of its producer's pool and follows the
 * attempt to its end: the slot freed when the handler settles (and the next
 * claim asked for), the row handed back if the attempt was released.
 */
export class AttemptLauncher {
  constructor(
    private readonly runner: TaskRunner,
    private readonly running: RunningAttempts,
    private readonly producers: QueueProducers,
    private readonly handback: TaskHandback,
    private readonly cancels: CancelRequests,
    private readonly settings: { statementTimeoutMs: number },
    private readonly accepting: () => boolean,
  ) {}

  launch({ row, workerId }: HeldRow, producer: QueueProducer): void {
    const started = performance.now();
    producer.pool.acquire();
    const events: AttemptEvents = {
      settled: () => {
        producer.pool.release();
        this.running.settled(attempt);
        producer.settled(performance.now() - started);
        this.producers.slotFreed(producer.pool, this.accepting);
      },
      recorded: (outcome) => {
        // At shutdown the worker may already have handed this row back.
        if (this.running.recorded(attempt) && outcome === 'released') {
          this.handback.releaseLater([{ row, workerId }], Date.now() + this.settings.statementTimeoutMs);
        }
      },
    };
    const attempt = this.runner.start(row, workerId, events, this.cancels.take(row.id));
    this.running.add(attempt);
  }
}
