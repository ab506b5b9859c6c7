import type { MigrationInterface } from 'typeorm';
import { DEFAULT_SCHEMA } from '../lib/queued-tasks.constants.js';
import { CreateQueuedTasksTables1732147200000 } from './1732147200000-create-queued-tasks-tables.js';
import { WorkerLeases1763683200000 } from './1763683200000-worker-leases.js';
import { ScheduledState1764115200000 } from './1764115200000-scheduled-state.js';
import { TaskControl1764201600000 } from './1764201600000-task-control.js';
import { UniqueKeys1764288000000 } from './1764288000000-unique-keys.js';
import { TaskReports1764374400000 } from './1764374400000-task-reports.js';
import { QueueControls1764460800000 } from './1764460800000-queue-controls.js';
import { Schedules1764547200000 } from './1764547200000-schedules.js';

/** Migration classes in the order they apply. Append only. */
const MIGRATIONS: readonly (new (schema?: string) => MigrationInterface)[] = [
  CreateQueuedTasksTables1732147200000,
  WorkerLeases1763683200000,
  ScheduledState1764115200000,
  TaskControl1764201600000,
  UniqueKeys1764288000000,
  TaskReports1764374400000,
  QueueControls1764460800000,
  Schedules1764547200000,
];

type MigrationClass = new () => MigrationInterface;

/**
 * The queue's migrations as classes for a TypeORM DataSource's `migrations`
 * list, bound to `schema`. Use this when you run migrations yourself, and set
 * the module's `migrationsRun: false`.
 *
 * @example
 * ```ts
 * new DataSource({ type: 'postgres', ..., migrations: [...queuedTasksMigrations(), ...myMigrations] });
 * ```
 */
export function queuedTasksMigrations(schema: string = DEFAULT_SCHEMA): MigrationClass[] {
  return MIGRATIONS.map((Base) => {
    // A named subclass keeps TypeORM's record of applied migrations readable.
    const bound = class extends Base {
      constructor() {
        super(schema);
      }
    };
    Object.defineProperty(bound, 'name', { value: Base.name });
    return bound;
  });
}

export { CreateQueuedTasksTables1732147200000, WorkerLeases1763683200000, ScheduledState1764115200000, TaskControl1764201600000, UniqueKeys1764288000000, TaskReports1764374400000, QueueControls1764460800000 };
export { Schedules1764547200000 };
