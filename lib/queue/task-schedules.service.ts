import { QueueSchemaMissingError } from '../errors/queue-schema-missing.error.js';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { slotClock } from '../config/schedule-timing.js';
import { isScheduleKey } from '../config/validate-schedule.js';
import type { DeclaredSchedule } from '../discovery/schedule-explorer.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import { InvalidScheduleError } from '../errors/invalid-schedule.error.js';
import { ScheduleNotFoundError } from '../errors/schedule-not-found.error.js';
import type { ScheduleDefinition, ScheduleInfo } from '../interfaces/schedule-options.interface.js';
import type { TaskName } from '../interfaces/task-registry.interface.js';
import { ScheduleStore, type NewScheduleRow, type ScheduleRow } from '../persistence/schedule-store.js';
import { QUEUED_TASKS_CONFIG } from '../queued-tasks.constants.js';
import { prepareSchedule, timingOf, toScheduleInfo } from './prepare-schedule.js';
import { withPublicErrors } from './public-error.js';

/** `nextRuns` lists this many slots at most. */
const MAX_NEXT_RUNS = 1_000;

/**
 * Schedules stored in PostgreSQL, visible to every instance: those declared
 * with `@Schedule()` (written at bootstrap) and those written here at run
 * time. The maintenance leader fires them (see docs/schedules.md); a change
 * made here, on any instance, reaches it by a notification in the change's
 * own commit, so it re-plans at once.
 *
 * @example
 * ```ts
 * await schedules.upsert('tenant-42-sync', { task: 'sync.tenant', args: ['42'], cron: '*\/15 * * * *' });
 * await schedules.pause('tenant-42-sync');
 * ```
 */
@Injectable()
export class TaskSchedules {
  private readonly logger = new Logger('QueuedTasks');
  /** `@Schedule()` declarations of this application, checked at discovery, written at bootstrap. */
  private declared: NewScheduleRow[] = [];

  constructor(
    private readonly store: ScheduleStore,
    private readonly registry: TaskRegistry,
    @Inject(QUEUED_TASKS_CONFIG) private readonly config: ResolvedQueuedTasksConfig,
  ) {}

  /**
   * Creates or replaces the schedule `key`. A new schedule's first slot is
   * the first one after now; a replaced one keeps its last slot (and its
   * pause) unless its timing changed, in which case it starts from now.
   * The task may be registered only in other processes: it is stored by
   * name, and the leader enqueues it by name.
   *
   * @throws InvalidScheduleError, InvalidTaskOptionsError, TaskSerializationError (nothing is written)
   */
  async upsert<N extends TaskName>(key: string, definition: ScheduleDefinition<N>): Promise<ScheduleInfo> {
    const where = typeof key === 'string' && key.length <= 200 ? `schedule ${JSON.stringify(key)}` : 'TaskSchedules.upsert()';
    if (definition === null || typeof definition !== 'object') throw new InvalidScheduleError('definition', 'must be an object', where);
    const row = prepareSchedule({ ...definition, key }, this.registry, this.config, false, where);
    const { schedule } = await withPublicErrors(() => this.store.upsert(row), 'args');
    return toScheduleInfo(schedule);
  }

  /** Stops firing `key` until {@link resume}. @throws ScheduleNotFoundError */
  async pause(key: string): Promise<void> {
    if (!isScheduleKey(key)) throw new ScheduleNotFoundError(String(key));
    if (!(await withPublicErrors(() => this.store.setPaused(String(key), true)))) throw new ScheduleNotFoundError(String(key));
  }

  /**
   * Fires `key` again, from its next slot: slots that fell due while it was
   * paused are not run. @throws ScheduleNotFoundError
   */
  async resume(key: string): Promise<void> {
    if (!isScheduleKey(key)) throw new ScheduleNotFoundError(String(key));
    if (!(await withPublicErrors(() => this.store.setPaused(String(key), false)))) throw new ScheduleNotFoundError(String(key));
  }

  /**
   * Deletes `key`; tasks it already fired stay. A declared schedule comes
   * back at the next bootstrap of a process that declares it: remove the
   * `@Schedule()` instead. @throws ScheduleNotFoundError
   */
  async remove(key: string): Promise<void> {
    if (!isScheduleKey(key)) throw new ScheduleNotFoundError(String(key));
    if (!(await withPublicErrors(() => this.store.remove(String(key))))) throw new ScheduleNotFoundError(String(key));
  }

  /** One schedule. @throws ScheduleNotFoundError */
  async get(key: string): Promise<ScheduleInfo> {
    return toScheduleInfo(await this.read(key));
  }

  /** Every stored schedule, declared or not, paused and disabled ones included, by key. */
  async list(): Promise<ScheduleInfo[]> {
    return (await withPublicErrors(() => this.store.read())).map(toScheduleInfo);
  }

  /**
   * The next `count` slots of `key` after now (the database's clock) and its
   * last slot, whether or not it is paused. @throws ScheduleNotFoundError, InvalidScheduleError
   */
  async nextRuns(key: string, count = 5): Promise<Date[]> {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_NEXT_RUNS) {
      throw new InvalidScheduleError('count', `must be an integer from 1 to ${MAX_NEXT_RUNS} (got ${String(count)})`, 'TaskSchedules.nextRuns()');
    }
    const row = await this.read(key);
    return slotClock(timingOf(row)).nextRuns(count, row.last_slot > row.db_now ? row.last_slot : row.db_now);
  }

  /**
   * Checks the `@Schedule()` declarations found at discovery (a bad one fails
   * bootstrap before anything is written). Internal: called by the module's lifecycle.
   */
  prepareDeclared(declarations: readonly DeclaredSchedule[]): void {
    this.declared = declarations.map((d) => prepareSchedule({ ...d.options, key: d.key, task: d.task }, this.registry, this.config, true, d.where));
  }

  /**
   * Writes the declared schedules, and disables the declared schedules of
   * this process's tasks that are declared no more. Internal: called at bootstrap.
   */
  async syncDeclared(): Promise<void> {
    for (const row of this.declared) {
      const { changed } = await this.store.upsert(row);
      if (changed) this.logger.debug(`Schedule ${JSON.stringify(row.key)} of task ${JSON.stringify(row.task)} written`);
    }
    let disabled: string[];
    try {
      disabled = await this.store.disableUndeclared(this.registry.names(), this.declared.map((row) => row.key));
    } catch (error) {
      // Nothing declared here and no tables yet: nothing to disable. The
      // first statement that needs the tables says they are missing, as it
      // did before schedules existed (an app that migrates itself may boot first).
      if (this.declared.length === 0 && error instanceof QueueSchemaMissingError) return;
      throw error;
    }
    if (disabled.length > 0) {
      this.logger.log(`Disabled schedule(s) no longer declared with @Schedule(): ${disabled.map((key) => JSON.stringify(key)).join(', ')}`);
    }
  }

  private async read(key: string): Promise<ScheduleRow> {
    const [row] = isScheduleKey(key) ? await withPublicErrors(() => this.store.read(key)) : [];
    if (!row) throw new ScheduleNotFoundError(String(key));
    return row;
  }
}
