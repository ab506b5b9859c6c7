import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_SCHEMA } from '../lib/queued-tasks.constants.js';
import { quoteIdentifier } from '../lib/persistence/quote-identifier.js';

/**
 * Schedules (see lib/persistence/sql/schedules.sql.ts and docs/schedules.md):
 * one row per schedule, declared by `@Schedule()` or written through
 * `TaskSchedules`.
 *
 * - Timing: `cron` (+ `timezone`) or `every_ms`, exactly one.
 * - What each run is: `task` (by name: it may be registered only in other
 *   processes), `args`, and the task options resolved when it was written.
 * - `last_slot`: every slot up to it was fired or skipped. Moved forward
 *   only, by the statement that inserts the slots' tasks.
 * - `revision`: bumped by every write; the leader fires only at the
 *   revision it planned with (a compare-and-set), which is what makes each
 *   slot fire once even with two leaders at once.
 * - `declared` / `paused` / `disabled`: from `@Schedule()`; paused through
 *   `TaskSchedules.pause`; declared, then no longer (removed from the code).
 *
 * A new table; `tasks` is not touched (its runs carry their schedule in
 * `metadata`), so the claim and completion paths keep their cost.
 */
export class Schedules1764547200000 implements MigrationInterface {
  name = 'Schedules1764547200000';

  constructor(private readonly schema: string = DEFAULT_SCHEMA) {}

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schedules (
         key text PRIMARY KEY,
         task text NOT NULL,
         args jsonb NOT NULL DEFAULT '[]'::jsonb,
         cron text,
         timezone text,
         every_ms bigint,
         queue text NOT NULL,
         priority integer NOT NULL,
         max_attempts integer NOT NULL,
         backoff jsonb,
         timeout_ms integer,
         missed text NOT NULL,
         backfill_limit integer NOT NULL,
         grace_ms integer NOT NULL,
         declared boolean NOT NULL DEFAULT false,
         paused boolean NOT NULL DEFAULT false,
         disabled boolean NOT NULL DEFAULT false,
         last_slot timestamptz NOT NULL DEFAULT now(),
         revision bigint NOT NULL DEFAULT 1,
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT schedules_timing_check CHECK ((cron IS NULL) <> (every_ms IS NULL)),
         CONSTRAINT schedules_missed_check CHECK (missed IN ('skip', 'once', 'all'))
       )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS ${quoteIdentifier(this.schema)}.schedules`);
  }
}
