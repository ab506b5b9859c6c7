import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { EVENT_PUBLISH_INTERVAL_MS, MAX_NOTIFY_PAYLOAD_BYTES } from '../queued-tasks.constants.js';
import type { TaskEvent } from '../interfaces/task-event.interface.js';
import { TaskStore } from '../persistence/task-store.js';
import { encodeEventBatch } from './task-event-wire.js';

/** Events kept per batch at most; a full payload holds about 50, so more would only be kept to be dropped. */
const MAX_BUFFERED_EVENTS = 100;

/**
 * Publishes this process's task events for `events$` in other processes (and
 * this one), on the events channel (see QueueTables.eventsChannel): at most
 * one NOTIFY every EVENT_PUBLISH_INTERVAL_MS, as a
 * statement of its own on the pool, never inside a claim, completion or
 * insert (a NOTIFY in those would serialise their commits; see
 * WakeupNotifier). A process with no events sends nothing.
 *
 * Bounded, hence lossy: a batch carries what fits in one payload, and counts
 * the rest (`d`) instead of sending it. Per event the cost is an array push,
 * and past the batch's room a counter.
 */
@Injectable()
export class TaskEventPublisher implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('QueuedTasks');
  private buffer: TaskEvent[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  private lastFailure = '';

  constructor(private readonly store: TaskStore) {}

  publish(event: TaskEvent): void {
    if (this.closed) return;
    if (this.buffer.length < MAX_BUFFERED_EVENTS) this.buffer.push(event);
    else this.dropped++;
    if (this.timer === null && this.flushing === null) this.schedule();
  }

  /** False when the next event would only be counted as dropped (or the publisher is closed). */
  hasRoom(): boolean {
    return !this.closed && this.buffer.length < MAX_BUFFERED_EVENTS;
  }

  /** Events left out by a caller for want of room (see hasRoom), reported to `events$` as dropped. */
  countDropped(count: number): void {
    if (this.closed) return;
    this.dropped += count;
    if (this.timer === null && this.flushing === null) this.schedule();
  }

  /** Sends what is buffered now (shutdown: the worker's last events must not wait for a timer). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.flushing) await this.flushing;
    if (this.buffer.length > 0 || this.dropped > 0) await this.send();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  onApplicationShutdown(): void {
    // The pool closes now: events after this point are not published.
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.buffer = [];
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.send();
    }, EVENT_PUBLISH_INTERVAL_MS);
  }

  private send(): Promise<void> {
    const events = this.buffer;
    const dropped = this.dropped;
    this.buffer = [];
    this.dropped = 0;
    const payload = encodeEventBatch(events, dropped, MAX_NOTIFY_PAYLOAD_BYTES);
    if (payload === undefined || this.closed) return Promise.resolve();
    const flushing = this.store
      .notifyEvents(payload)
      .then(
        () => {
          this.lastFailure = '';
        },
        (error: unknown) => {
          // The pool closing under a last batch at shutdown is not worth a warning.
          if (this.closed) return;
          const message = (error as Error).message;
          if (message !== this.lastFailure) this.logger.warn(`Publishing task events failed (${message}); events$ misses them`);
          this.lastFailure = message;
        },
      )
      .finally(() => {
        this.flushing = null;
        // Events that came while this one was in flight go out one interval later: the rate stays bounded.
        if ((this.buffer.length > 0 || this.dropped > 0) && this.timer === null && !this.closed) this.schedule();
      });
    this.flushing = flushing;
    return flushing;
  }
}
