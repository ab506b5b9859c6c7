import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_SCHEMA } from '../lib/queued-tasks.constants.js';
import { quoteIdentifier } from '../lib/persistence/quote-identifier.js';

/**
 * Flow control per queue (see lib/persistence/sql/claim-controlled.sql.ts
 * and docs/internals.md, "Paused and limited queues").
 *
 * - `queues`: one row per queue that was paused, given limits or given tasks
 *   with a concurrency key. A queue without a row is neither paused nor
 *   limited. `controlled` says the queue must be claimed through the
 *   controlled claim (one claim at a time per queue: each locks the row and
 *   bumps `claim_seq`); every other claim leaves its rows alone.
 * - `queue_starts`: one row per claim of a rate-limited queue (or key), the
 *   window the rate is counted in; rows older than the longest window are
 *   deleted by the claims themselves.
 * - `tasks.concurrency_key`, `tasks.key_limit`: the key a task counts
 *   against, and the limit its definition gives for it (NULL: the queue's,
 *   else 1).
 *
 * The new indexes are partial on `concurrency_key IS NOT NULL`: tasks
 * without a key add no index entry, so queues without limits keep the cost
 * of their claims and completions.
 */
export class QueueControls1764460800000 implements MigrationInterface {
  name = 'QueueControls1764460800000';

  constructor(private readonly schema: string = DEFAULT_SCHEMA) {}

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS ${s}.queues (
         name text PRIMARY KEY,
         paused boolean NOT NULL DEFAULT false,
         global_concurrency integer,
         key_concurrency integer,
         rate_max integer,
         rate_period_ms integer,
         key_rate_max integer,
         key_rate_period_ms integer,
         keyed boolean NOT NULL DEFAULT false,
         claim_seq bigint NOT NULL DEFAULT 0,
         controlled boolean GENERATED ALWAYS AS (
           paused OR keyed OR global_concurrency IS NOT NULL OR key_concurrency IS NOT NULL
             OR rate_max IS NOT NULL OR key_rate_max IS NOT NULL) STORED,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS ${s}.queue_starts (
         queue text NOT NULL,
         concurrency_key text,
         started_at timestamptz NOT NULL
       )`,
    );
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS queue_starts_queue_idx ON ${s}.queue_starts (queue, started_at)`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS queue_starts_key_idx ON ${s}.queue_starts (queue, concurrency_key, started_at) WHERE concurrency_key IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE ${s}.tasks ADD COLUMN IF NOT EXISTS concurrency_key text, ADD COLUMN IF NOT EXISTS key_limit integer`,
    );
    // The controlled claim's walk over the keys of a queue's pending tasks, and its count of each key's running ones.
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS tasks_pending_key_idx ON ${s}.tasks (queue, concurrency_key, priority DESC, run_at, id)
         WHERE state = 'pending' AND concurrency_key IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS tasks_running_key_idx ON ${s}.tasks (queue, concurrency_key) WHERE state = 'running' AND concurrency_key IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.tasks_running_key_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.tasks_pending_key_idx`);
    await queryRunner.query(`ALTER TABLE ${s}.tasks DROP COLUMN IF EXISTS key_limit, DROP COLUMN IF EXISTS concurrency_key`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.queue_starts`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.queues`);
  }
}
