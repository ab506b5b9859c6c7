import { quoteIdentifier } from './quote-identifier.js';

/** Qualified names of the queue's tables and its notification channel, for one schema. */
export interface QueueTables {
  schema: string;
  tasks: string;
  workers: string;
  migrations: string;
  dependencies: string;
  /** Stored log lines of tasks (migration TaskReports1764374400000). */
  taskLogs: string;
  /** Paused and limited queues (migration QueueControls1764460800000). */
  queues: string;
  /** Claims of rate-limited queues, in their window (migration QueueControls1764460800000). */
  queueStarts: string;
  /** The function that releases or dooms children of finished parents (migration TaskControl1764201600000). */
  settleChildren: string;
  /** LISTEN/NOTIFY channel of this schema: wake-ups of workers and finished tasks. */
  channel: string;
  /**
   * The channel of `events$` batches, apart from `channel`: only processes
   * with an `events$` subscriber listen to it, so the others do not receive
   * (and parse) every batch of the cluster.
   */
  eventsChannel: string;
}

export function queueTables(schema: string): QueueTables {
  const s = quoteIdentifier(schema);
  return {
    schema,
    tasks: `${s}.tasks`,
    workers: `${s}.workers`,
    migrations: `${s}.migrations`,
    dependencies: `${s}.task_dependencies`,
    taskLogs: `${s}.task_logs`,
    queues: `${s}.queues`,
    queueStarts: `${s}.queue_starts`,
    settleChildren: `${s}.settle_children`,
    channel: `${schema}_events`,
    eventsChannel: `${schema}_task_events`,
  };
}
