import { quoteIdentifier } from './quote-identifier.js';

/** Qualified names of the queue's tables and its notification channel, for one schema. */
export interface QueueTables {
  schema: string;
  tasks: string;
  workers: string;
  migrations: string;
  dependencies: string;
  /** The function that releases or dooms children of finished parents (migration TaskControl1764201600000). */
  settleChildren: string;
  /** LISTEN/NOTIFY channel of this schema: wake-ups of workers and finished tasks. */
  channel: string;
}

export function queueTables(schema: string): QueueTables {
  const s = quoteIdentifier(schema);
  return {
    schema,
    tasks: `${s}.tasks`,
    workers: `${s}.workers`,
    migrations: `${s}.migrations`,
    dependencies: `${s}.task_dependencies`,
    settleChildren: `${s}.settle_children`,
    channel: `${schema}_events`,
  };
}
