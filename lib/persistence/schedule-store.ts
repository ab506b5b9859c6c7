import { Injectable } from '@nestjs/common';
import type { BackoffOptions } from '../interfaces/backoff.interface.js';
import type { MissedRunPolicy, ScheduleInfo } from '../interfaces/schedule-options.interface.js';
import { QueueDatabase } from './queue-database.js';
import type { SqlStatement } from './sql-statement.js';
import { fireScheduleStatement, readActiveSchedulesStatement } from './sql/fire-schedule.sql.js';
import {
  disableUndeclaredStatement,
  readSchedulesStatement,
  removeScheduleStatement,
  setSchedulePausedStatement,
  upsertScheduleStatement,
} from './sql/schedules.sql.js';

/**
 * A schedule as written: checked, task options resolved, values as the
 * statement takes them. `declared`: written by the bootstrap sync of
 * `@Schedule()` rather than by `TaskSchedules.upsert`.
 */
export type NewScheduleRow = Pick<
  ScheduleInfo,
  'key' | 'task' | 'cron' | 'timezone' | 'everyMs' | 'queue' | 'priority' | 'maxAttempts' | 'timeoutMs' | 'missed' | 'backfillLimit' | 'graceMs' | 'declared'
> & {
  /** JSON text of the arguments, already checked. */
  args: string;
  /** JSON text, or null for the library's default backoff. */
  backoff: string | null;
};

/** What the leader needs of a schedule to plan its slots. */
export interface ActiveScheduleRow {
  key: string;
  task: string;
  cron: string | null;
  timezone: string | null;
  /** bigint, as text. */
  every_ms: string | null;
  missed: MissedRunPolicy;
  backfill_limit: number;
  grace_ms: number;
  last_slot: Date;
  /** bigint, as text: the compare-and-set value of a fire. */
  revision: string;
  db_now: Date;
}

/** A stored schedule, whole. */
export interface ScheduleRow extends Omit<ActiveScheduleRow, 'db_now'> {
  args: unknown[];
  queue: string;
  priority: number;
  max_attempts: number;
  backoff: BackoffOptions | null;
  timeout_ms: number | null;
  declared: boolean;
  paused: boolean;
  disabled: boolean;
  db_now: Date;
}

/** The statements of schedules (see ./sql/schedules.sql.ts and ./sql/fire-schedule.sql.ts), bound to one schema. */
@Injectable()
export class ScheduleStore {
  private readonly statements: Record<'upsert' | 'setPaused' | 'remove' | 'disableUndeclared' | 'read' | 'readActive' | 'fire', SqlStatement>;

  constructor(private readonly db: QueueDatabase) {
    const t = db.tables;
    this.statements = {
      upsert: upsertScheduleStatement(t),
      setPaused: setSchedulePausedStatement(t),
      remove: removeScheduleStatement(t),
      disableUndeclared: disableUndeclaredStatement(t),
      read: readSchedulesStatement(t),
      readActive: readActiveSchedulesStatement(t),
      fire: fireScheduleStatement(t),
    };
  }

  /** Writes a schedule. @returns it as stored, and whether anything changed. */
  async upsert(row: NewScheduleRow): Promise<{ schedule: ScheduleRow; changed: boolean }> {
    const key = row.key;
    const [stored] = await this.db.query<ScheduleRow & { changed: number }>(this.statements.upsert, [
      key,
      row.task,
      row.args,
      row.cron,
      row.timezone,
      row.everyMs,
      row.queue,
      row.priority,
      row.maxAttempts,
      row.backoff,
      row.timeoutMs,
      row.missed,
      row.backfillLimit,
      row.graceMs,
      row.declared,
      this.db.tables.channel,
    ]);
    if (!stored) {
      // An identical row committed by a concurrent upsert (instances booting together) after this
      // statement's snapshot: ON CONFLICT saw it, the fallback SELECT could not. A new statement can.
      const [row] = await this.read(key);
      return { schedule: row!, changed: false };
    }
    const { changed, ...schedule } = stored;
    return { schedule, changed: changed > 0 };
  }

  /** @returns false when no schedule has this key. */
  async setPaused(key: string, paused: boolean): Promise<boolean> {
    return (await this.db.query(this.statements.setPaused, [key, paused, this.db.tables.channel])).length > 0;
  }

  /** @returns false when no schedule has this key. */
  async remove(key: string): Promise<boolean> {
    return (await this.db.query(this.statements.remove, [key, this.db.tables.channel])).length > 0;
  }

  /** Disables declared schedules of `tasks` whose key is not in `keys`. @returns the keys disabled. */
  async disableUndeclared(tasks: readonly string[], keys: readonly string[]): Promise<string[]> {
    const rows = await this.db.query<{ key: string }>(this.statements.disableUndeclared, [tasks, keys]);
    return rows.map((row) => row.key);
  }

  /** Every schedule, by key, or the one of `key`. */
  read(key: string | null = null): Promise<ScheduleRow[]> {
    return this.db.query(this.statements.read, [key]);
  }

  readActive(): Promise<ActiveScheduleRow[]> {
    return this.db.query(this.statements.readActive);
  }

  /**
   * Fires `slots` of schedule `key` if it is still at `revision`, and moves its
   * last slot to `lastSlot` (see fire-schedule.sql.ts). @returns whether it
   * was, and the ids of the tasks written (in slot order) and their queue.
   */
  async fire(key: string, revision: string, lastSlot: Date, slots: readonly Date[]): Promise<{ advanced: boolean; ids: string[]; queue: string | null }> {
    const [row] = await this.db.query<{ advanced: number; ids: string[]; queue: string | null }>(this.statements.fire, [
      key,
      revision,
      lastSlot,
      slots,
      slots.map((slot) => slot.toISOString()),
      this.db.tables.channel,
    ]);
    return { advanced: row!.advanced > 0, ids: row!.ids, queue: row!.queue };
  }
}
