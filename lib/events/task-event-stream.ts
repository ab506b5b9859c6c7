import { Injectable, Logger } from '@nestjs/common';
import { Observable } from 'rxjs';
import { TASK_EVENT_TYPES, type TaskEvent, type TaskEventStreamFilter } from '../interfaces/task-event.interface.js';
import { NotificationListener } from '../notifications/notification-listener.js';
import { checkTypes, compileFilter, matchesEvent } from './task-event-filter.js';
import { decodeEvents } from './task-event-wire.js';

/**
 * `TaskQueue.events$`: the task events of every process, as they arrive on
 * the events channel (this process's own included, by the same road), which
 * this process listens to while it has a subscriber. Best-effort: what is sent while the LISTEN connection reconnects is
 * lost, and a busy process drops what does not fit its batch.
 */
@Injectable()
export class TaskEventStream {
  private readonly logger = new Logger('QueuedTasks');

  constructor(private readonly listener: NotificationListener) {}

  /** @throws UnknownTaskEventError, InvalidEventListenerError for a bad filter (at the call, not at subscription) */
  events$(filter: TaskEventStreamFilter = {}): Observable<TaskEvent> {
    const where = 'events$()';
    const types = filter.type === undefined ? null : new Set(checkTypes(filter.type, TASK_EVENT_TYPES, where));
    const matcher = compileFilter(filter, where, ['type']);
    return new Observable<TaskEvent>((subscriber) => {
      const subscription = this.listener.notifications$.subscribe({
        next: (notification) => {
          if (notification.kind !== 'events') return;
          for (const event of decodeEvents(notification.events)) {
            if ((types === null || types.has(event.type)) && matchesEvent(matcher, event)) subscriber.next(event);
          }
        },
        complete: () => subscriber.complete(),
      });
      // The LISTEN connection is opened on first use; a failure is retried by the listener itself.
      let stopListening: (() => void) | null = null;
      let closed = false;
      this.listener.listenToEvents().then(
        (release) => (closed ? release() : (stopListening = release)),
        (error: unknown) => this.logger.warn(`events$ could not listen yet: ${(error as Error).message}`),
      );
      return () => {
        closed = true;
        subscription.unsubscribe();
        stopListening?.();
      };
    });
  }
}
