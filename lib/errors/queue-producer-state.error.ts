import { QueuedTasksError } from './queued-tasks.error.js';

/**
 * A worker's queue producer was asked to move between two states its state
 * machine does not link (see `lib/worker/queue-producer.ts`). It means a bug
 * in this library, not in the application: please report it with the message.
 */
export class QueueProducerStateError extends QueuedTasksError {
  constructor(queue: string | null, from: string, to: string) {
    super(`Queue producer of ${queue ?? 'every queue'}: no transition from ${from} to ${to} (a bug of nestjs-queued-tasks; please report it)`);
  }
}
