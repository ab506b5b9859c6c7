/**
 * Names of the fault scenarios' handlers, shared by the worker processes that
 * run them (fault-worker.ts) and the test process that enqueues them
 * (fault-tasks.producer.ts), so the two can never drift apart.
 */
export const FAULT_TASKS = {
  /** Sleeps `ms`, honouring its AbortSignal. */
  sleep: 'fault.sleep',
  /** Sleeps `ms`, ignoring its AbortSignal. */
  stubborn: 'fault.stubborn',
  /** Blocks the event loop for `ms`. */
  cpu: 'fault.cpu',
  /** Holds a connection of the queue's own pool for `ms`, in a transaction (handlers sharing the app's DataSource). */
  hog: 'fault.hog',
  /** Returns its argument. */
  echo: 'fault.echo',
  /** Throws a value that cannot be turned into text. */
  unprintable: 'fault.unprintable',
} as const;
