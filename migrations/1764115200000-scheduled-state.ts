import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_SCHEMA } from '../lib/queued-tasks.constants.js';
import { quoteIdentifier } from '../lib/persistence/quote-identifier.js';
import { ANY_PRIORITY } from '../lib/persistence/sql/claim-tasks.sql.js';

/**
 * A `scheduled` state and a claim index per queue.
 *
 * - `scheduled`: a task whose run time is in the future (a delay, a retry's
 *   backoff). Due ones are promoted to `pending` in batches by the claim and
 *   by the maintenance leader, so `pending` means "due" and the claim index
 *   never holds rows that cannot be claimed yet.
 * - `tasks_claim_queue_idx (queue, priority DESC, run_at, id)` over pending
 *   rows: the claim of a worker serving some queues walks exactly its queue's
 *   due rows in claim order, whatever other queues hold.
 * - `tasks_claim_all_idx (priority DESC, run_at, id)` replaces
 *   `tasks_claim_idx`, for workers serving every queue. Its predicate adds
 *   `priority >= -2147483648` (true of every row), which only the claim of
 *   every queue states: the claim of one queue cannot use this index, so no
 *   statistics, stale or missing, can make it walk other queues' rows.
 *   (Workers of an older version claim without an index of their own until
 *   they are replaced; correct, only slower.)
 * - `tasks_scheduled_idx (run_at)` over scheduled rows replaces
 *   `tasks_due_idx`: promotion reads the due ones there, and the wake-up
 *   timer of a producer serving every queue the earliest one;
 *   `tasks_scheduled_queue_idx (queue, run_at)` gives a one-queue producer
 *   its earliest run time without stepping over other queues' delayed rows.
 *
 * Like every migration of the queue it runs in one transaction, and the
 * first statement takes an ACCESS EXCLUSIVE lock on the tasks table: reads
 * and writes of the table wait until it commits (the update of delayed rows
 * and the index builds take about a second per million rows). Apply it in a
 * quiet moment on a large table.
 */
export class ScheduledState1764115200000 implements MigrationInterface {
  name = 'ScheduledState1764115200000';

  constructor(private readonly schema: string = DEFAULT_SCHEMA) {}

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(`ALTER TABLE ${s}.tasks DROP CONSTRAINT IF EXISTS tasks_state_check`);
    await queryRunner.query(
      `ALTER TABLE ${s}.tasks ADD CONSTRAINT tasks_state_check
       CHECK (state IN ('scheduled', 'pending', 'running', 'completed', 'failed', 'cancelled')) NOT VALID`,
    );
    await queryRunner.query(`ALTER TABLE ${s}.tasks VALIDATE CONSTRAINT tasks_state_check`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS tasks_scheduled_idx ON ${s}.tasks (run_at) WHERE state = 'scheduled'`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS tasks_scheduled_queue_idx ON ${s}.tasks (queue, run_at) WHERE state = 'scheduled'`,
    );
    await queryRunner.query(`UPDATE ${s}.tasks SET state = 'scheduled' WHERE state = 'pending' AND run_at > now()`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS tasks_claim_queue_idx ON ${s}.tasks (queue, priority DESC, run_at, id) WHERE state = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS tasks_claim_all_idx ON ${s}.tasks (priority DESC, run_at, id)
       WHERE state = 'pending' AND priority >= ${ANY_PRIORITY}`,
    );
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.tasks_claim_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.tasks_due_idx`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    // First: no process of the newer version may write a scheduled row between the update and the new check.
    await queryRunner.query(`LOCK TABLE ${s}.tasks IN ACCESS EXCLUSIVE MODE`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS tasks_due_idx ON ${s}.tasks (run_at) WHERE state = 'pending'`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS tasks_claim_idx ON ${s}.tasks (priority DESC, run_at, id) WHERE state = 'pending'`);
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.tasks_claim_all_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.tasks_claim_queue_idx`);
    await queryRunner.query(`UPDATE ${s}.tasks SET state = 'pending' WHERE state = 'scheduled'`);
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.tasks_scheduled_queue_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.tasks_scheduled_idx`);
    await queryRunner.query(`ALTER TABLE ${s}.tasks DROP CONSTRAINT IF EXISTS tasks_state_check`);
    await queryRunner.query(
      `ALTER TABLE ${s}.tasks ADD CONSTRAINT tasks_state_check CHECK (state IN ('pending', 'running', 'completed', 'failed', 'cancelled'))`,
    );
  }
}
