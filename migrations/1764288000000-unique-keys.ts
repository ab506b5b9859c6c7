import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_SCHEMA } from '../lib/queued-tasks.constants.js';
import { quoteIdentifier } from '../lib/persistence/quote-identifier.js';

/**
 * Unique, debounce and throttle keys (see lib/persistence/sql/task-key.sql.ts).
 *
 * - `unique_key`, `unique_kind` ('unique', 'debounce' or 'throttle'):
 *   the key a task was added with, NULL for a task without one (most), and
 *   NULL again once an add found its hold lapsed and released it.
 * - `unique_until`: until when the key is held whatever the task's state
 *   (scope 'any', throttle); NULL when it is held by state only.
 * - `tasks_unique_key_idx`: unique over (name, kind, key) among the rows that
 *   may hold their key, which is what makes keys atomic. Partial, so rows
 *   without a key, finished ones included, never enter it, and an insert
 *   without a key only evaluates its predicate. The predicate lists
 *   `blocked` (tasks waiting on parents, from another migration): the index
 *   is right whichever of the two migrations runs first.
 *
 * No CHECK on `unique_kind`: it would read the whole table once more under
 * the lock, and only the queue's own statements write it, with constants.
 * Adding nullable columns rewrites nothing; building the index reads the
 * table once while holding its ACCESS EXCLUSIVE lock (about a second per
 * million rows): apply it in a quiet moment on a large table.
 */
export class UniqueKeys1764288000000 implements MigrationInterface {
  name = 'UniqueKeys1764288000000';

  constructor(private readonly schema: string = DEFAULT_SCHEMA) {}

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(
      `ALTER TABLE ${s}.tasks ADD COLUMN IF NOT EXISTS unique_key text,
         ADD COLUMN IF NOT EXISTS unique_kind text,
         ADD COLUMN IF NOT EXISTS unique_until timestamptz`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX IF NOT EXISTS tasks_unique_key_idx ON ${s}.tasks (name, unique_kind, unique_key)
       WHERE unique_key IS NOT NULL AND (unique_until IS NOT NULL OR state IN ('scheduled', 'pending', 'running', 'blocked'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.tasks_unique_key_idx`);
    await queryRunner.query(
      `ALTER TABLE ${s}.tasks DROP COLUMN IF EXISTS unique_until, DROP COLUMN IF EXISTS unique_kind, DROP COLUMN IF EXISTS unique_key`,
    );
  }
}
