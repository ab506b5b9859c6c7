import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_SCHEMA } from '../lib/queued-tasks.constants.js';
import { quoteIdentifier } from '../lib/persistence/quote-identifier.js';

/**
 * What a running task says about itself, and where it came from (see
 * lib/persistence/sql/write-reports.sql.ts).
 *
 * - `progress`: the last progress reported, `{ "value", "message"?, "data"? , "at" }`.
 * - `context`: the task's key/value context, written whole (coalesced).
 * - `metadata`: given at `add`, merged into every task added from inside it.
 * - `parent_task_id`, `root_task_id`: lineage (the task whose handler added
 *   this one, and the first task of that chain). Not foreign keys: retention
 *   may remove an ancestor long before its descendants.
 * - `task_logs`: one row per stored line. No foreign key to `tasks`: a
 *   cascade would fire one trigger per pruned task; retention deletes the
 *   lines in the statement that deletes their tasks, and the statement that
 *   stores lines only stores those of tasks it finds. Storing a line never
 *   touches the task's row (its cap is checked by counting the task's lines
 *   in the index), so logging adds no row version to the tasks table.
 *
 * Nullable columns and a zero default rewrite nothing; the new table starts
 * empty. No index on `tasks` changes: the claim and completion paths keep
 * their cost.
 */
export class TaskReports1764374400000 implements MigrationInterface {
  name = 'TaskReports1764374400000';

  constructor(private readonly schema: string = DEFAULT_SCHEMA) {}

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(
      `ALTER TABLE ${s}.tasks ADD COLUMN IF NOT EXISTS progress jsonb,
         ADD COLUMN IF NOT EXISTS context jsonb,
         ADD COLUMN IF NOT EXISTS metadata jsonb,
         ADD COLUMN IF NOT EXISTS parent_task_id bigint,
         ADD COLUMN IF NOT EXISTS root_task_id bigint`,
    );
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS ${s}.task_logs (
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         task_id bigint NOT NULL,
         attempt integer NOT NULL,
         level text NOT NULL,
         message text NOT NULL,
         data jsonb,
         logged_at timestamptz NOT NULL
       )`,
    );
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS task_logs_task_idx ON ${s}.task_logs (task_id, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.task_logs`);
    await queryRunner.query(
      `ALTER TABLE ${s}.tasks DROP COLUMN IF EXISTS root_task_id,
         DROP COLUMN IF EXISTS parent_task_id, DROP COLUMN IF EXISTS metadata,
         DROP COLUMN IF EXISTS context, DROP COLUMN IF EXISTS progress`,
    );
  }
}
