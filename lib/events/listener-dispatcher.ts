import { Logger } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';

/** A discovered listener method, bound to its instance. */
export interface BoundListener {
  /** `Alerts.onFailed`, for the log. */
  source: string;
  call(event: unknown): unknown;
}

/**
 * Runs listeners after the code that emitted the event has moved on: on a
 * later turn of the event loop, never awaited, each guarded. A listener that
 * throws or rejects is logged as a warning (one line, no stack); one that is
 * slow to resolve delays nobody.
 *
 * Listeners run outside any task's context: the drain is bound to the
 * context of this object's creation (bootstrap), so a listener that enqueues
 * does not pass for a child of whichever task emitted first.
 */
export class ListenerDispatcher {
  private readonly logger = new Logger('QueuedTasks');
  private pending: { listener: BoundListener; event: unknown; describe: () => string }[] = [];
  private scheduled = false;
  private readonly drainOutsideTasks = AsyncResource.bind(() => this.drain());

  enqueue(listener: BoundListener, event: unknown, describe: () => string): void {
    this.pending.push({ listener, event, describe });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainOutsideTasks);
    }
  }

  private drain(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    for (const { listener, event, describe } of batch) {
      const failed = (error: unknown) =>
        this.logger.warn(`Event listener ${listener.source} failed on ${describe()}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      try {
        const returned = listener.call(event);
        if (isThenable(returned)) returned.then(undefined, failed);
      } catch (error) {
        failed(error);
      }
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
